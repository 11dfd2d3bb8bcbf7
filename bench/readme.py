"""Writes a benchmark's table into README.md between <!-- NAME:begin --> and <!-- NAME:end -->."""
import os
import time

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def update_readme(name, table, stamp):
    text = open(README).read()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + f"\n{table}\n\n{stamp}\n" + text[text.index(end):]
        with open(README, "w") as f:
            f.write(text)


def report(name, rows, script, conditions):
    """Prints the table of `rows` with its "Measured ..." line and writes both into README.md."""
    table = "\n".join(rows)
    stamp = (f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (bench/{script}), {os.cpu_count()} cores "
             f"{conditions}, loopback.")
    print(table)
    print()
    print(stamp)
    update_readme(name, table, stamp)

"""Writes a benchmark's table into README.md between <!-- NAME:begin --> and <!-- NAME:end -->."""
import os

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def update_readme(name, table, stamp):
    text = open(README).read()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + f"\n{table}\n\n{stamp}\n" + text[text.index(end):]
        with open(README, "w") as f:
            f.write(text)

#!/usr/bin/env python3
"""Regenerates cmake/startup_order.ld: the code that `stratus serve` runs from exec to its first
answered health check, gathered at the front of the text segment.

Why: the kernel maps 64 KB of a file around every page fault (fault-around), so start-up code
spread over the 9 MB of text makes most of the text resident although start-up runs well under
1 MB of it. With one section per function (-ffunction-sections) the linker can place the
functions start-up runs next to each other; RocksDB's objects (Debian's librocksdb.a keeps each
object's functions in one .text section) are placed whole.

How: relinks the binary with a link map, starts it under callgrind (--dump-instr=yes) as
bench/bench.py does (on a data directory that earlier runs have written to), waits for
/_stratus/health, dumps, and lists every .text input section that holds an executed instruction.
Sections that no longer exist are ignored by the linker, so a stale list only costs resident
memory, never correctness. Rerun after large changes to start-up code:

    tools/startup_order.py build        # a Ninja build dir; needs valgrind; writes cmake/startup_order.ld
"""
import bisect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "cmake", "startup_order.ld")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(port, proc, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("stratus exited during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stratus/health", timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("stratus did not answer /_stratus/health")


def relink_with_map(build, tmp):
    """The binary's own link command, writing the binary and a link map into tmp."""
    cmds = subprocess.run(["ninja", "-C", build, "-t", "commands", "stratus"], capture_output=True,
                          text=True, check=True).stdout.strip().splitlines()
    link = cmds[-1]
    link = re.sub(r"^: && ", "", link)
    link = re.sub(r" && :$", "", link)
    binp, mapp = os.path.join(tmp, "stratus"), os.path.join(tmp, "stratus.map")
    link, n = re.subn(r" -o stratus ", f" -o {binp} -Wl,-Map={mapp} ", link)
    if n != 1:
        raise RuntimeError("unexpected link command: " + link[:200])
    subprocess.run(link, shell=True, cwd=build, check=True)
    return binp, mapp


def text_sections(mapp):
    """[(address, size, section name, file)] of the input sections in the .text output section."""
    out, inside, pending = [], False, None
    for line in open(mapp, errors="replace"):
        if re.match(r"^\.text(\s|$)", line):
            inside = True
            continue
        if inside and re.match(r"^\.\S", line):
            inside = False
            continue
        if not inside:
            continue
        m = re.match(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            out.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4).strip()))
            pending = None
            continue
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m and pending:
            out.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3).strip()))
            pending = None
    return sorted(out)


def executed_addresses(cg_file, binp):
    """Link-time addresses of the instructions callgrind saw executed in binp."""
    names = {}
    ob, last, out = None, 0, set()
    for line in open(cg_file, errors="replace"):
        if not line.strip():
            continue
        c = line[0]
        if c.isalpha():
            k, _, rest = line.rstrip("\n").partition("=")
            if k in ("ob", "cob"):
                m = re.match(r"\((\d+)\)(?: (.*))?", rest)
                name = rest
                if m:
                    if m.group(2) is not None:
                        names[m.group(1)] = m.group(2)
                    name = names.get(m.group(1))
                if k == "ob":
                    ob = name
            continue
        tok = line.split()[0]
        if tok.startswith("0x"):
            a = int(tok, 16)
        elif tok[0] in "+-":
            a = last + (1 if tok[0] == "+" else -1) * int(tok[1:], 0)
        elif tok == "*":
            a = last
        else:
            continue
        last = a
        if ob and os.path.realpath(ob) == os.path.realpath(binp):
            out.add(a)
    return out


def run_callgrind(binp, tmp):
    data = os.path.join(tmp, "data")
    port = free_port()
    cmd = [binp, "serve", "--port", str(port), "--data-dir", data, "--auth", "strict", "--log-level", "off"]
    for _ in range(5):  # bench.py starts the server five times in the same directory first
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_health(port, p, 30)
        p.send_signal(signal.SIGTERM)
        p.wait(30)
    out = os.path.join(tmp, "cg.out")
    p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=yes"] + cmd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_health(port, p, 300)
        time.sleep(1)
        subprocess.run(["callgrind_control", "-d", str(p.pid)], stdout=subprocess.DEVNULL, check=True)
        for _ in range(100):
            if os.path.exists(out + ".1"):
                break
            time.sleep(0.1)
        time.sleep(1)
    finally:
        p.kill()
        p.wait()
    return out + ".1"


def pattern(sec, f):
    if sec != ".text":
        return f"*({sec})"
    m = re.match(r"(.*/)?([^/(]+)\(([^)]+)\)$", f)  # archive member: libfoo.a(bar.o)
    if m:
        return f"*{m.group(2)}:{m.group(3)}(.text)"
    return f"*{os.path.basename(f)}(.text)"


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
    tmp = tempfile.mkdtemp(prefix="stratus-order-")
    try:
        binp, mapp = relink_with_map(build, tmp)
        secs = text_sections(mapp)
        starts = [s[0] for s in secs]
        hit = set()
        for a in executed_addresses(run_callgrind(binp, tmp), binp):
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and a < secs[i][0] + secs[i][1]:
                hit.add(i)
        lines = sorted({pattern(secs[i][2], secs[i][3]) for i in hit
                        if not secs[i][2].startswith(".text.startup")})
        size = sum(secs[i][1] for i in hit)
        with open(OUT, "w") as f:
            f.write("/* Generated by tools/startup_order.py; CMakeLists.txt includes it at the top of .text.\n"
                    "   The .text input sections that `stratus serve` executes from exec to its first answered\n"
                    f"   health check ({size // 1024} KB), placed together so start-up faults in only those pages. */\n")
            f.write("*(.text.startup .text.startup.*)\n")
            for l in lines:
                f.write(f"{l}\n")
        print(f"{OUT}: {len(lines)} sections, {size // 1024} KB of sections executed at start-up")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""perf-guest.py — profile a guest program under ferry with perf, by guest block and function.

    scripts/perf-guest.py [--ferry build/ferry] [--top N] [--keep DIR] PROGRAM [ARGS...]

Runs `perf record -k mono -e cpu-clock` on `ferry -d jitdump PROGRAM`, `perf inject --jit`
(runtime/perf.c writes the dump perf needs to name generated code), then `perf report`, and
prints the hottest blocks (guest pc, the guest function from the program's symbol table, the
tier) and the samples summed per guest function and per ferry function. With --keep DIR the
perf data (perf.jit.data) and the jitted-*.so files stay in DIR, for
`perf annotate -i DIR/perf.jit.data --stdio -s guest_0x...` (the host code of one block).
Needs perf (Debian: linux-perf) and nm (binutils); the guest's symbols only if not stripped.
"""
import argparse
import bisect
import collections
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile


def guest_symbols(prog):
    """Sorted (address, name) of the program's function symbols, or [] when nm finds none."""
    try:
        out = subprocess.run(["nm", "-n", "--defined-only", prog], capture_output=True,
                             text=True, check=False).stdout
    except OSError:
        return []
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def name_of(syms, addrs, pc):
    i = bisect.bisect_right(addrs, pc) - 1
    if i < 0:
        return "?"
    a, n = syms[i]
    return f"{n}+0x{pc - a:x}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ferry", default="build/ferry")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--keep", help="directory to keep perf.jit.data and the jitted .so files in")
    ap.add_argument("prog")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()

    work = a.keep or tempfile.mkdtemp(prefix="ferry-perf-")
    os.makedirs(work, exist_ok=True)
    raw, jit = os.path.join(work, "perf.data"), os.path.join(work, "perf.jit.data")
    env = dict(os.environ, JITDUMPDIR=work)
    rec = ["perf", "record", "-q", "-k", "mono", "-e", "cpu-clock", "-o", raw, a.ferry,
           "-d", "jitdump", a.prog] + a.args
    r = subprocess.run(rec, env=env, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(f"perf-guest: {' '.join(rec)} exited {r.returncode}")
    subprocess.run(["perf", "inject", "--jit", "-i", raw, "-o", jit], check=True)
    rep = subprocess.run(["perf", "report", "-i", jit, "--stdio", "--sort", "dso,sym",
                          "--percent-limit", "0.01"], capture_output=True, text=True,
                         check=True).stdout

    syms = guest_symbols(a.prog)
    addrs = [s[0] for s in syms]
    rows = []
    for line in rep.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[\.\]\s+(\S+)", line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3)))

    by_func = collections.Counter()
    print(f"{'%':>6}  {'block':<24} guest function")
    shown = 0
    for pct, dso, sym in rows:
        b = re.match(r"guest_0x([0-9a-f]+)(_cold)?$", sym)
        if b:
            fn = name_of(syms, addrs, int(b.group(1), 16))
            by_func["guest " + fn.split("+")[0]] += pct
            if shown < a.top:
                print(f"{pct:6.2f}  {sym:<24} {fn}")
                shown += 1
        else:
            by_func[f"{dso} {sym}"] += pct
    print(f"\n{'%':>6}  by guest function (generated code) and by ferry function")
    for k, v in by_func.most_common(a.top):
        print(f"{v:6.2f}  {k}")

    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"\nkept {jit}; e.g. perf annotate -i {jit} --stdio -s {rows[0][2] if rows else 'SYM'}")
    # perf inject leaves the jitted-*.so files next to the dump, in JITDUMPDIR's subdirectory.
    for d in glob.glob(os.path.join(work, "ferry-jit-*")) if not a.keep else []:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

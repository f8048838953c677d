#!/usr/bin/env python3
"""run.py - ferry's benchmark harness (`make bench`, `make bench-quick`).

Runs every benchmark program of bench/ (built into BUILD/bench/ by bench/bench.mk) natively,
under ferry, under qemu-x86_64 and under `valgrind --tool=none`, N times each, and checks that
every run prints exactly what the native run printed (each program prints one checksum line).
Reports, per program, the median wall time of each runner and its slowdown against native
from the same invocation, the geometric means of the slowdowns, and ferry's translation
figures (read from `ferry -d stats -D FILE`): blocks, guest instructions, translation time and
throughput, host code bytes. Writes BUILD/bench/results.json and, when matplotlib can be
imported, BUILD/bench/results.png (slowdown per program and runner).

A run that fails (non-zero exit, signal, timeout, different output) is reported as FAIL for
that runner and program; the harness itself carries on. A runner whose program is missing is
skipped with a message. Python 3 standard library only (matplotlib optional).

    bench/run.py [-n REPS] [--runners native,ferry,qemu,valgrind] [--programs hash,sha256]
                 [--build DIR] [--timeout SECONDS] [--strict]
"""

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ALL_RUNNERS = ["native", "ferry", "qemu", "valgrind"]


# ---------------------------------------------------------------- runners

class Runner:
    """How to start a program under one runner. argv(prog, log) gives the command line;
    `log` is a file the runner may write its statistics to (only ferry uses it)."""

    def __init__(self, name, exe, prefix, version_args=("--version",)):
        self.name = name
        self.exe = exe            # the runner's own program, None for native
        self.prefix = prefix      # arguments between the runner and the guest program
        self.version_args = version_args

    def argv(self, prog, log):
        if self.exe is None:
            return [prog]
        args = [a.replace("{log}", log) for a in self.prefix]
        return [self.exe] + args + [prog]

    def version(self):
        if self.exe is None:
            return platform.platform()
        try:
            r = subprocess.run([self.exe] + list(self.version_args), capture_output=True,
                               text=True, timeout=10)
            out = (r.stdout or r.stderr).strip().splitlines()
            return out[0] if out else "?"
        except (OSError, subprocess.SubprocessError):
            return "?"


def find_runners(names, build, ferry_path):
    """The runners asked for that exist, with a message for each one skipped."""
    runners = []
    for name in names:
        if name == "native":
            runners.append(Runner("native", None, []))
        elif name == "ferry":
            exe = ferry_path or os.path.join(build, "ferry")
            if os.access(exe, os.X_OK):
                runners.append(Runner("ferry", os.path.abspath(exe),
                                      ["-d", "stats", "-D", "{log}"]))
            else:
                note(f"skipping runner ferry: {exe} not found (make {build}/ferry)")
        elif name == "qemu":
            exe = shutil.which("qemu-x86_64") or shutil.which("qemu-x86_64-static")
            if exe:
                runners.append(Runner("qemu", exe, []))
            else:
                note("skipping runner qemu: neither qemu-x86_64 nor qemu-x86_64-static "
                     "is on PATH (Debian: apt-get install qemu-user)")
        elif name == "valgrind":
            exe = shutil.which("valgrind")
            if exe:
                # -q: only errors on stderr; the guest's stdout is untouched either way.
                runners.append(Runner("valgrind", exe, ["--tool=none", "-q"]))
            else:
                note("skipping runner valgrind: valgrind is not on PATH")
        else:
            sys.exit(f"run.py: unknown runner '{name}' (known: {','.join(ALL_RUNNERS)})")
    return runners


# ---------------------------------------------------------------- one run

def run_once(argv, timeout):
    """Run argv with its output captured. Returns (status, seconds, cpu_seconds, stdout,
    detail): status is 'ok', 'exit', 'signal', 'timeout' or 'error'; cpu_seconds is the user
    plus system time of the run (runs are sequential, so the children's usage delta is this
    run's). The program runs in its own process group so that a timeout kills it and anything
    it started."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return "error", 0.0, 0.0, "", str(e)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        return "timeout", time.perf_counter() - t0, 0.0, "", f"no exit after {timeout:g} s"
    secs = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace").strip()
    last_err = err.splitlines()[-1] if err else ""
    if p.returncode < 0:
        try:
            name = signal.Signals(-p.returncode).name
        except ValueError:
            name = f"signal {-p.returncode}"
        return "signal", secs, cpu, out, f"killed by {name}" + (f": {last_err}" if last_err else "")
    if p.returncode != 0:
        return "exit", secs, cpu, out, f"exit status {p.returncode}" + (
            f": {last_err}" if last_err else "")
    return "ok", secs, cpu, out, ""


STAT_LINE = re.compile(r"^\s+(\S.*?)\s+(-?[0-9][0-9.]*)(?:\s*(ms|s))?\s*$")


def parse_ferry_stats(path):
    """The `ferry statistics:` block of a -d stats log as {key: number}; keys are the labels
    rt_log_stats prints, lower-cased with non-alphanumerics as '_' ("blocks translated" ->
    blocks_translated, "translation time ... ms" -> translation_time_ms)."""
    stats = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return stats
    inside = False
    for line in lines:
        if line.startswith("ferry statistics:"):
            inside, stats = True, {}     # the last block wins
            continue
        if not inside:
            continue
        if not line[:1].isspace():      # the block is indented lines only
            inside = False
            continue
        m = STAT_LINE.match(line)
        if not m:
            continue
        key = re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()).strip("_")
        if m.group(3):
            key += "_" + m.group(3)
        value = float(m.group(2))
        stats[key] = int(value) if value.is_integer() and "." not in m.group(2) else value
    return stats


# ---------------------------------------------------------------- the suite

def note(msg):
    print(f"run.py: {msg}", file=sys.stderr, flush=True)


def programs_in(build, wanted):
    """Benchmark names: one per bench/*.c, in alphabetical order, optionally filtered."""
    names = sorted(os.path.splitext(f)[0] for f in os.listdir(HERE) if f.endswith(".c"))
    if wanted:
        unknown = [w for w in wanted if w not in names]
        if unknown:
            sys.exit(f"run.py: unknown program(s) {','.join(unknown)} (known: {','.join(names)})")
        names = [n for n in names if n in wanted]
    found = []
    for n in names:
        path = os.path.join(build, "bench", n)
        if os.access(path, os.X_OK):
            found.append((n, path))
        else:
            note(f"skipping program {n}: {path} not built (make bench-progs)")
    return found


def run_suite(programs, runners, reps, timeout, logdir, verbose):
    """Every program under every runner, reps times, interleaving the runners within each
    repetition so slow drift in machine load spreads evenly. A runner that fails once on a
    program is not run on it again. The first runner (native unless it was left out) gives
    the reference output."""
    results = {}
    for name, path in programs:
        res = {r.name: {"status": "ok", "times": [], "cpu_times": [], "detail": ""}
               for r in runners}
        ferry_stats = []
        expected = None
        for rep in range(reps):
            for r in runners:
                cell = res[r.name]
                if cell["status"] != "ok":
                    continue
                log = os.path.join(logdir, f"{name}.{r.name}.{rep}.log")
                status, secs, cpu, out, detail = run_once(r.argv(path, log), timeout)
                if status == "ok":
                    if expected is None:
                        expected = out
                    elif out != expected:
                        status = "mismatch"
                        detail = (f"printed {out.strip()[:80]!r}, expected "
                                  f"{expected.strip()[:80]!r}")
                if status != "ok":
                    cell["status"], cell["detail"] = "FAIL", f"{status}: {detail}"
                    if r.name == runners[0].name and expected is None:
                        break
                    continue
                cell["times"].append(secs)
                cell["cpu_times"].append(cpu)
                if r.name == "ferry":
                    st = parse_ferry_stats(log)
                    if st:
                        ferry_stats.append(st)
                if verbose:
                    note(f"{name} {r.name} rep {rep + 1}/{reps}: {secs:.3f} s")
            if expected is None:        # the reference runner failed: nothing to check
                break
        for r in runners:
            cell = res[r.name]
            if cell["status"] == "ok" and not cell["times"]:
                cell["status"], cell["detail"] = "FAIL", "not run: no reference output"
            cell["median"] = statistics.median(cell["times"]) if cell["times"] else None
            if cell["status"] != "ok":
                note(f"{name}: {r.name} FAIL ({cell['detail']})")
        ref = res[runners[0].name]
        base = ref["median"] if runners[0].name == "native" and ref["status"] == "ok" else None
        for r in runners:
            cell = res[r.name]
            cell["ratio"] = (cell["median"] / base
                             if base and cell["status"] == "ok" and cell["median"] else None)
        entry = {"output": (expected or "").strip(), "runners": res}
        if ferry_stats:
            entry["ferry_stats"] = summarise_stats(ferry_stats)
        results[name] = entry
        line = "  ".join(
            f"{r.name} {res[r.name]['median']:.3f}s" if res[r.name]["status"] == "ok"
            else f"{r.name} FAIL" for r in runners)
        note(f"{name}: {line}")
    return results


def summarise_stats(runs):
    """Ferry's statistics over the repetitions: the counts of the last run (translation is
    deterministic) with the median translation time, plus the derived figures."""
    s = dict(runs[-1])
    t_ms = [r["translation_time_ms"] for r in runs if "translation_time_ms" in r]
    if t_ms:
        s["translation_time_ms"] = statistics.median(t_ms)
    insns = s.get("guest_instructions_translated")
    if insns and s.get("translation_time_ms"):
        s["throughput_insns_per_s"] = insns / (s["translation_time_ms"] / 1e3)
    code = s.get("host_code_bytes")
    if insns and code is not None:
        s["code_bytes_per_guest_insn"] = code / insns
    return s


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


# ---------------------------------------------------------------- output

def fmt_si(v, unit=""):
    if v is None:
        return "-"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= factor:
            return f"{v / factor:.2f}{prefix}{unit}"
    return f"{v:.0f}{unit}"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt_row = lambda r: "  ".join(
        (str(c).ljust(w) if i == 0 else str(c).rjust(w)) for i, (c, w) in enumerate(zip(r, widths)))
    lines = [fmt_row(header), "  ".join("-" * w for w in widths)]
    lines += [fmt_row(r) for r in rows]
    return "\n".join(lines)


def report(results, runners, geo):
    names = list(results)
    header = ["program"]
    for r in runners:
        header += [f"{r.name} s"] + ([f"{r.name} x"] if r.name != "native" else [])
    rows = []
    for n in names:
        row = [n]
        for r in runners:
            c = results[n]["runners"][r.name]
            ok = c["status"] == "ok"
            row.append(f"{c['median']:.3f}" if ok else "FAIL")
            if r.name != "native":
                row.append(f"{c['ratio']:.2f}" if ok and c["ratio"] else ("-" if ok else "FAIL"))
        rows.append(row)
    gm = ["geomean"]
    for r in runners:
        gm.append("")
        if r.name != "native":
            g = geo.get(r.name)
            gm.append(f"{g['value']:.2f}" + ("" if g["programs"] == len(names)
                                             else f" ({g['programs']}/{len(names)})")
                      if g and g["value"] else "-")
    rows.append(gm)
    print(table(rows, header))

    with_stats = [n for n in names if "ferry_stats" in results[n]]
    if with_stats:
        print()
        print("ferry translation (from -d stats; time is the median over the repetitions):")
        header = ["program", "blocks", "guest insns", "transl ms", "% of run", "insns/s",
                  "code bytes", "bytes/insn", "host/guest", "dispatches"]
        rows = []
        for n in with_stats:
            s = results[n]["ferry_stats"]
            wall = results[n]["runners"]["ferry"]["median"]
            t = s.get("translation_time_ms")
            rows.append([
                n,
                fmt_si(s.get("blocks_translated")),
                fmt_si(s.get("guest_instructions_translated")),
                f"{t:.1f}" if t is not None else "-",
                f"{100 * t / 1e3 / wall:.1f}" if t is not None and wall else "-",
                fmt_si(s.get("throughput_insns_per_s")),
                fmt_si(s.get("host_code_bytes"), "B"),
                f"{s['code_bytes_per_guest_insn']:.1f}" if "code_bytes_per_guest_insn" in s else "-",
                f"{s['host_insns_per_guest_insn']:.2f}" if "host_insns_per_guest_insn" in s else "-",
                fmt_si(s.get("blocks_executed_dispatches")),
            ])
        tot_insns = sum(results[n]["ferry_stats"].get("guest_instructions_translated", 0)
                        for n in with_stats)
        tot_ms = sum(results[n]["ferry_stats"].get("translation_time_ms", 0) for n in with_stats)
        rows.append(["all", fmt_si(sum(results[n]["ferry_stats"].get("blocks_translated", 0)
                                       for n in with_stats)),
                     fmt_si(tot_insns), f"{tot_ms:.1f}", "",
                     fmt_si(tot_insns / (tot_ms / 1e3)) if tot_ms else "-",
                     fmt_si(sum(results[n]["ferry_stats"].get("host_code_bytes", 0)
                                for n in with_stats), "B"), "", "", ""])
        print(table(rows, header))

    fails = [(n, r.name, results[n]["runners"][r.name]["detail"]) for n in names
             for r in runners if results[n]["runners"][r.name]["status"] != "ok"]
    if fails:
        print()
        print("failures:")
        for n, r, d in fails:
            print(f"  {n} under {r}: {d}")


def chart(results, runners, geo, path):
    """Grouped bars: per program (and the geometric mean), one bar per non-native runner,
    the slowdown against native on a log scale. Skipped with a message without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        note(f"matplotlib is not importable by {sys.executable}: no chart "
             "(Debian: apt-get install python3-matplotlib)")
        return False
    others = [r.name for r in runners if r.name != "native"]
    if not others or "native" not in [r.name for r in runners]:
        note("no chart: it needs the native runner and at least one other")
        return False
    names = list(results) + ["geomean"]
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(names) + 2), 4.5))
    width = 0.8 / len(others)
    for k, r in enumerate(others):
        vals = [(geo.get(r) or {}).get("value") if n == "geomean"
                else results[n]["runners"][r]["ratio"] for n in names]
        xs = [i + (k - (len(others) - 1) / 2) * width for i in range(len(names))]
        ax.bar(xs, [v if v else float("nan") for v in vals], width, label=r)
        for x, v in zip(xs, vals):
            ax.annotate(f"{v:.1f}" if v else "FAIL", (x, v if v else 1), ha="center",
                        va="bottom", fontsize=7, rotation=90 if len(names) > 6 else 0,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("slowdown vs native (median wall time, log scale)")
    ax.set_title("ferry benchmarks: slowdown against native")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="Run ferry's benchmarks natively and under "
                                 "ferry, qemu-x86_64 and valgrind --tool=none.")
    ap.add_argument("-n", "--reps", type=int, default=5, help="repetitions per runner (default 5)")
    ap.add_argument("--runners", default=",".join(ALL_RUNNERS),
                    help="comma-separated runners, from " + ",".join(ALL_RUNNERS) +
                    " (default all; native first is the reference)")
    ap.add_argument("--programs", default="", help="comma-separated programs (default all)")
    ap.add_argument("--build", default=os.path.relpath(os.path.join(HERE, os.pardir, "build")),
                    help="build directory (default: build/ at the top of the tree)")
    ap.add_argument("--ferry", default="", help="ferry program (default BUILD/ferry)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds before a run is killed and counted as FAIL (default 300)")
    ap.add_argument("--json", default="", help="results file (default BUILD/bench/results.json)")
    ap.add_argument("--png", default="", help="chart file (default BUILD/bench/results.png)")
    ap.add_argument("--keep-logs", action="store_true", help="keep ferry's -D logs (printed path)")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any run failed")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every run's time")
    args = ap.parse_args()
    if args.reps < 1:
        ap.error("-n must be at least 1")

    names = [r for r in args.runners.split(",") if r]
    if len(set(names)) != len(names):
        ap.error("a runner is named twice")
    # The native run is the reference for outputs and ratios: put it first.
    names.sort(key=lambda r: r != "native")
    runners = find_runners(names, args.build, args.ferry)
    if not runners:
        sys.exit("run.py: no runner to run")
    if runners[0].name != "native":
        note(f"no native runner: outputs are checked against {runners[0].name}'s, "
             "and there are no slowdowns")
    programs = programs_in(args.build, [p for p in args.programs.split(",") if p])
    if not programs:
        sys.exit("run.py: no program to run")

    outdir = os.path.join(args.build, "bench")
    os.makedirs(outdir, exist_ok=True)
    logdir = tempfile.mkdtemp(prefix="ferry-bench-")
    started = time.time()
    load = os.getloadavg()
    note(f"{len(programs)} programs x {len(runners)} runners x {args.reps} reps "
         f"(timeout {args.timeout:g} s, load average {load[0]:.2f})")
    try:
        results = run_suite(programs, runners, args.reps, args.timeout, logdir, args.verbose)
    finally:
        if args.keep_logs:
            note(f"ferry logs kept in {logdir}")
        else:
            shutil.rmtree(logdir, ignore_errors=True)

    geo = {}
    for r in runners:
        if r.name == "native":
            continue
        ratios = [results[n]["runners"][r.name]["ratio"] for n in results]
        ok = [v for v in ratios if v]
        geo[r.name] = {"value": geomean(ok), "programs": len(ok)}

    print()
    report(results, runners, geo)

    doc = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "host": {"machine": platform.machine(), "cpu": cpu_model(), "cpus": os.cpu_count(),
                 "load_average_at_start": load},
        "reps": args.reps,
        "timeout_s": args.timeout,
        "runners": {r.name: {"command": r.argv("PROGRAM", "LOG"), "version": r.version()}
                    for r in runners},
        "geomean_slowdown": geo,
        "programs": results,
    }
    json_path = args.json or os.path.join(outdir, "results.json")
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print()
    print(f"results: {json_path}")
    png_path = args.png or os.path.join(outdir, "results.png")
    if chart(results, runners, geo, png_path):
        print(f"chart:   {png_path}")
    failed = any(c["status"] != "ok" for e in results.values() for c in e["runners"].values())
    return 1 if failed and args.strict else 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


if __name__ == "__main__":
    sys.exit(main())

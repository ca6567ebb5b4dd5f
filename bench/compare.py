#!/usr/bin/env python3
"""Runs the CPython anchor and Actors.Bench on the same benches in one go and prints each metric
side by side with the ratio. Ratios taken in one run hold; absolute figures drift between runs.

    python3 bench/compare.py                       # every bench the anchor and Actors.Bench share
    python3 bench/compare.py pool_map_tiny imap    # a subset
    python3 bench/compare.py --anchor PATH/bench_mp.py --repeats 3
    python3 bench/compare.py --plain               # the plain build (dotnet run) instead of the ReadyToRun publish

Actors.Bench runs published ReadyToRun (dotnet publish -p:PublishReadyToRun=true), the way an app that cares about
start-up is deployed: its own and Akka's code arrive compiled, which cuts every fresh process's start (worker_startup
above all). Steady-state figures are the same either way (the JIT recompiles hot code at its top tier).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_ANCHOR = os.path.normpath(os.path.join(ROOT, "..", "shared", "anchors", "python", "bench_mp.py"))
DEFAULT_BENCHES = ["pool_map_tiny", "apply_async_latency", "imap", "cpu_speedup", "spawn_latency",
                  "queue_throughput", "pipe", "value_lock", "shared_memory", "manager_dict"]
LOWER_IS_BETTER = {"us", "s", "ms"}


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("header") or "metric" not in rec:
                continue
            rows[(rec["bench"], rec["metric"])] = rec
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("benches", nargs="*", default=DEFAULT_BENCHES)
    ap.add_argument("--anchor", default=DEFAULT_ANCHOR)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--plain", action="store_true", help="run the plain Release build, not the ReadyToRun publish")
    args = ap.parse_args()
    if not os.path.isfile(args.anchor):
        print(f"compare.py: the CPython anchor script was not found at {args.anchor}; pass its path with --anchor PATH/bench_mp.py "
              f"(it is shared/anchors/python/bench_mp.py, beside the project's clone by default)", file=sys.stderr)
        sys.exit(2)
    rep = ["--repeats", str(args.repeats)] if args.repeats else []
    py_out, cs_out = "/tmp/actors-compare-python.jsonl", "/tmp/actors-compare-dotnet.jsonl"

    print(f"# CPython anchor: {args.anchor}", file=sys.stderr)
    subprocess.run([sys.executable, args.anchor, *args.benches, "--out", py_out, *rep], check=True, stdout=subprocess.DEVNULL)
    print("# Actors.Bench", file=sys.stderr)
    project = os.path.join(HERE, "Actors.Bench")
    # Build first, then run without building: right after a build the dotnet CLI recompiles its own code in the
    # background for a second or so, on a core the benches would otherwise share with it.
    if args.plain:
        subprocess.run(["dotnet", "build", "-c", "Release", project], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        command = ["dotnet", "run", "--no-build", "-c", "Release", "--project", project, "--"]
    else:
        rid = {"x86_64": "linux-x64", "aarch64": "linux-arm64"}[os.uname().machine]
        out = os.path.join(project, "bin", "r2r")
        subprocess.run(["dotnet", "publish", "-c", "Release", "-r", rid, "--self-contained", "false", "-p:PublishReadyToRun=true",
                        "-o", out, project], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        command = ["dotnet", os.path.join(out, "Actors.Bench.dll")]
    print(f"# {' '.join(command)}", file=sys.stderr)
    subprocess.run([*command, *args.benches, "--out", cs_out, *rep], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)

    py, cs = load(py_out), load(cs_out)
    print(f"nproc={os.cpu_count()}  (medians; 'x better' = ours over CPython's, inverted where lower is better;")
    print("  speed-ups (unit x) are shown as they are, each against its own sequential run: compare the seq_* rows for that)")
    print(f"{'bench':22} {'metric':40} {'CPython':>14} {'Actors':>14} {'unit':>8} {'x better':>9}")
    for key in sorted(set(py) | set(cs)):
        p, c = py.get(key), cs.get(key)
        if p is None or c is None:
            continue
        pv, cv = p["value"], c["value"]
        if not isinstance(pv, (int, float)) or not isinstance(cv, (int, float)) or pv == 0 or cv == 0:
            continue
        if p["unit"] == "x":
            # A speed-up is relative to its own sequential run, and ours is many times faster than CPython's: a ratio of
            # two speed-ups reads as a loss where both pools do well. Shown as they are; the seq_* rows compare the bases.
            print(f"{key[0]:22} {key[1]:40} {pv:>14.6g} {cv:>14.6g} {p['unit']:>8} {'-':>9}")
            continue
        ratio = pv / cv if p["unit"] in LOWER_IS_BETTER else cv / pv
        print(f"{key[0]:22} {key[1]:40} {pv:>14.6g} {cv:>14.6g} {p['unit']:>8} {ratio:>9.2f}")
    one_side("CPython only (no counterpart of ours: CPython's fork and forkserver start methods, beside our warm one):",
             py, cs, args.benches, lambda v: f"{v:>14.6g} {'':>14}")
    one_side("ours only (no CPython counterpart; speedup_threads* is this machine's in-process ceiling, measured in the same run):",
             cs, py, args.benches, lambda v: f"{'':>14} {v:>14.6g}")


def one_side(title, have, other, benches, columns):
    """Prints the metrics of the benches run that only one side has."""
    keys = [key for key in sorted(have) if key not in other and key[0] in benches and isinstance(have[key]["value"], (int, float))]
    if keys:
        print("\n" + title)
        for key in keys:
            print(f"{key[0]:22} {key[1]:40} {columns(have[key]['value'])} {have[key]['unit']:>8}")


if __name__ == "__main__":
    main()

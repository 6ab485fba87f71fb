"""False failures: the clean campaign, run N times against the fault-free virtual charger, must
never end a case in fail, error or inconclusive. Not part of `make test` (N campaigns take N times
a campaign's wall time); run by hand or nightly:

    .venv/bin/python benches/repeat_campaigns.py --runs 20 --out out/repeat

Each run is a separate ``hilbench run`` process on its own output folder (the same isolation
``hilbench mutate`` gives each run): on ``rigs/sim.toml`` every block, and where ``--all-rigs``
is given the TLS cases on ``sim-sp3``, the password and upgrade cases on ``sim-sp2`` and the battery
swap cases on ``sim-swap`` too. It
writes ``OUT/repeat.json`` (per run its wall time and its non-passing verdicts; per case its
durations) and prints a summary; exit 1 on any false failure."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = {"sim": [], "sim-sp3": ["--tag", "tls"], "sim-sp2": ["--tag", "upgrade", "--tag", "password"],
        "sim-swap": ["--block", "S"]}


def one(rig: str, extra: list[str], out: Path) -> dict:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "hilbench", "run", "--rig", rig, "--out", str(out), *extra],
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    try:
        record = json.loads((out / "record.json").read_text())
    except (OSError, ValueError) as e:
        return {"rig": rig, "wall_s": wall, "exit": proc.returncode, "bad": [{"id": "?", "verdict": "error",
                                                                               "reason": f"no record: {e}"}], "cases": {}}
    bad = [{"id": c["id"], "verdict": c["verdict"], "reason": c["reason"]} for c in record["cases"]
           if c["verdict"] in ("fail", "error", "inconclusive")]
    return {"rig": rig, "wall_s": round(wall, 1), "exit": proc.returncode, "bad": bad,
            "cases": {c["id"]: c.get("duration_s") for c in record["cases"] if c["verdict"] != "skipped"}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out", type=Path, default=Path("out/repeat"))
    ap.add_argument("--all-rigs", action="store_true", help="also the profile 3 and profile 2 rigs' cases")
    args = ap.parse_args()
    rigs = RUNS if args.all_rigs else {"sim": RUNS["sim"]}
    results = []
    for n in range(args.runs):
        for rig, extra in rigs.items():
            r = one(rig, extra, args.out / f"{n:02d}-{rig}")
            results.append(r)
            print(f"run {n + 1}/{args.runs} {rig}: {r['wall_s']:.0f} s, "
                  + ("clean" if not r["bad"] else "; ".join(f"{b['id']} {b['verdict']}: {b['reason']}" for b in r["bad"])),
                  flush=True)
    durations: dict[str, list[float]] = {}
    for r in results:
        for case, d in r["cases"].items():
            if d is not None:
                durations.setdefault(case, []).append(d)
    per_case = {c: {"n": len(d), "median_s": round(statistics.median(d), 2), "max_s": round(max(d), 2)}
                for c, d in sorted(durations.items())}
    false = [dict(b, run=i) for i, r in enumerate(results) for b in r["bad"]]
    walls = [r["wall_s"] for r in results if r["rig"] == "sim"]
    summary = {"runs": args.runs, "rigs": list(rigs), "false_failures": false,
               "wall_s": {"median": statistics.median(walls), "max": max(walls)} if walls else None,
               "per_case": per_case, "results": results}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "repeat.json").write_text(json.dumps(summary, indent=1))
    print(f"{len(false)} false failures in {len(results)} campaigns; sim campaign wall time "
          f"median {summary['wall_s']['median'] if walls else '-'} s; details: {args.out / 'repeat.json'}")
    return 1 if false else 0


if __name__ == "__main__":
    sys.exit(main())

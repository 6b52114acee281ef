"""Benchmark: wall time and peak memory of ``neutrissimo reproduce`` and the seed-to-seed
movement of its regions and limits (issue: scans at paper resolution).

    python benchmarks/bench_reproduce.py [--masses N --couplings N --events N] [--workers 2]
        [--baseline-src OLD/src]

Runs ``neutrissimo reproduce`` (local Dask cluster) into a temporary folder and prints the wall
time, the peak memory of the main process and of the workers, and, from ``summary.json``, the
median shift (decades of d_mu) of every MiniBooNE region and MINERvA limit between the two
independent replicas, against one coupling-grid step. With ``--baseline-src`` the same command
also runs from another source tree (e.g. a checkout of the previous version) and both wall
times are printed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(src: Path | None, args: list[str], folder: Path) -> tuple[float, float]:
    """(wall time s, peak RSS MB of the children) of ``neutrissimo reproduce`` from ``src``."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = [sys.executable, "-m", "neutrissimo", "reproduce", "-o", str(folder), *args]
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def _convergence(summary: dict) -> list[str]:
    rows = []
    for fit, entry in summary["miniboone"].items():
        for observable, levels in entry.get("convergence", {}).items():
            for n, c in levels.items():
                rows.append(
                    f"  MiniBooNE {fit:16s} {observable:4s} {n} sigma: "
                    f"{c['median_shift_decades']:.4f} dec (step {c['grid_step_decades']:.4f})"
                    + ("  FLAGGED" if c["flagged"] else "")
                )
    for figure, entry in summary["minerva"].items():
        for sample, result in entry["samples"].items():
            c = result.get("convergence") or {}
            if c:
                rows.append(
                    f"  MINERvA {figure:6s} {sample:7s} limit: {c['median_shift_decades']:.4f} dec "
                    f"(step {c['grid_step_decades']:.4f})" + ("  FLAGGED" if c["flagged"] else "")
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masses", type=int)
    parser.add_argument("--couplings", type=int)
    parser.add_argument("--events", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-src", type=Path, help="src/ of the version to compare with")
    parser.add_argument("--keep", type=Path, help="write the reproduction here (kept) instead")
    options = parser.parse_args()
    args = ["--scheduler", "local", "--workers", str(options.workers)]
    for name in ("masses", "couplings", "events"):
        if getattr(options, name) is not None:
            args += [f"--{name}", str(getattr(options, name))]
    with tempfile.TemporaryDirectory() as tmp:
        new = options.keep if options.keep is not None else Path(tmp) / "new"
        wall, peak = _run(None, args, new)
        summary = json.loads((new / "summary.json").read_text())
        print(f"neutrissimo reproduce {' '.join(args)}")
        print(f"  this version: {wall / 60:6.2f} min wall, peak RSS of a process {peak:.0f} MB")
        if options.baseline_src is not None:
            old, old_peak = _run(options.baseline_src, args, Path(tmp) / "old")
            print(f"  baseline:     {old / 60:6.2f} min wall, peak RSS {old_peak:.0f} MB")
        settings = summary["settings"]
        print(
            f"grid: {settings['masses']} masses x {settings['couplings_miniboone']} / "
            f"{settings['couplings_minerva']} couplings, {settings['events_per_mass']} events per "
            f"mass in {settings['replicas']} replicas"
        )
        print("seed-to-seed movement (median over masses of the edge shift between replicas):")
        print("\n".join(_convergence(summary)))


if __name__ == "__main__":
    main()

"""Benchmark: peak memory of ``neutrissimo simulate`` to Parquet, streamed vs in memory.

    python benchmarks/bench_memory.py [--sizes 1e5 1e6 1e7] [--in-memory-sizes 1e5 1e6]
        [--mass 0.47] [--d-mu 1.25e-6] [--seed 1]

For each size, one fresh process (MiniBooNE, m_N = 0.47 GeV, d_mu = 1.25e-6 GeV^-1 by default)
runs ``python -m neutrissimo simulate ... -o <tmp>/events.parquet`` (the streamed path of this
version). For each of ``--in-memory-sizes``, another process runs the in-memory path of earlier
versions with the same arguments (``generate(...)`` then ``Events.to_parquet``), so both are in
one table. The peak resident set size (ru_maxrss of that process, from ``os.wait4``), the wall
time and the output size are printed. The in-memory path needs about 1 GB per 10^6 events: keep
10^7 out of ``--in-memory-sizes`` unless the machine has > 12 GB free. Run from the project
root with ``PYTHONPATH=src`` (or the package installed). Uses one core per process.

Measured (2-core machine shared with other jobs; streamed 10^7 from an earlier run of the same
script, in-memory 10^7 not run: about 10 GB by the 10^6 figure):

    events   path       wall (s)  peak RSS (MB)  output (MB)
    10^5     in-memory      16.3            304         24.2
    10^5     streamed       18.4            310         23.8
    10^6     in-memory      52.6           1047        199.5
    10^6     streamed       58.2            319        238.3
    10^7     streamed      827.7            341       2382.6   (under load)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IN_MEMORY = """
import sys
import numpy as np
from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.injection import generate
from neutrissimo.simulation.coupling_ranges import serving_range

mass, d_mu, events, seed, path = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), \\
    int(sys.argv[4]), sys.argv[5]
setup = load_setup("miniboone")
sample = generate(setup, DipoleModel(m_N=mass, d_mu=d_mu), events, np.random.default_rng(seed),
                  seed=seed, couplings=serving_range(d_mu))
sample.summary()
sample.to_parquet(path)
"""


def measure(command: list[str], output: Path) -> tuple[float, float, float]:
    """Run ``command``; return (wall time s, peak RSS MB, output size MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed ({status}):\n{error}")
    size = output.stat().st_size / 1e6 if output.exists() else float("nan")
    return wall, usage.ru_maxrss / 1024.0, size  # ru_maxrss is in kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--in-memory-sizes", nargs="*", type=float, default=[1e5, 1e6])
    parser.add_argument("--mass", type=float, default=0.47)
    parser.add_argument("--d-mu", type=float, default=1.25e-6)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = [(int(n), "streamed") for n in args.sizes]
    rows += [(int(n), "in-memory") for n in args.in_memory_sizes]
    rows.sort()
    print(f"{'events':>10} {'path':>10} {'wall (s)':>9} {'peak RSS (MB)':>14} {'output (MB)':>12}")
    with tempfile.TemporaryDirectory() as folder:
        for events, path in rows:
            output = Path(folder) / f"{path}-{events}.parquet"
            numbers = [str(args.mass), str(args.d_mu), str(events), str(args.seed)]
            if path == "streamed":
                command = [sys.executable, "-m", "neutrissimo", "simulate"]
                command += ["--experiment", "miniboone", "--mass", numbers[0]]
                command += ["--d-mu", numbers[1], "--events", numbers[2], "--seed", numbers[3]]
                command += ["--json", "-o", str(output)]
            else:
                command = [sys.executable, "-c", IN_MEMORY, *numbers, str(output)]
            wall, rss, size = measure(command, output)
            print(f"{events:>10} {path:>10} {wall:>9.1f} {rss:>14.0f} {size:>12.1f}", flush=True)
            output.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

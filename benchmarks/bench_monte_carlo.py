"""Benchmark: the weighted Monte Carlo (issue 3 performance targets).

    python benchmarks/bench_monte_carlo.py [--events N]

Prints, for MiniBooNE at the paper's benchmark masses: events generated per second (single
process, one core; target >= 1e5/s), reweighting throughput (target >= 1e7 events/s), the peak
memory per million events, and the effective sample size after reweighting one 1e6-event sample
at m_N = 0.1 GeV across d_mu in [1e-8, 1e-5] GeV^-1 (target > 1000 everywhere).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from neutrissimo import DipoleModel
from neutrissimo.experiments.setups import load_setup
from neutrissimo.simulation.injection import generate


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux: ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    n = parser.parse_args().events
    setup = load_setup("miniboone")
    generate(
        setup, DipoleModel(m_N=0.3, d_mu=1e-6), 1000, np.random.default_rng(0)
    )  # imports, caches
    base = peak_rss_mb()
    for m_n, d in ((0.47, 1.25e-6), (0.08, 1.7e-7), (0.1, 1e-6)):
        model = DipoleModel(m_N=m_n, d_mu=d)
        start = time.perf_counter()
        events = generate(setup, model, n, np.random.default_rng(1))
        elapsed = time.perf_counter() - start
        print(
            f"m_N = {m_n:5.2f} GeV: {n} events in {elapsed:6.1f} s = {n / elapsed:9.3g} events/s "
            f"(incl. {len(setup.detector.nuclei)}-nucleus table set-up); peak RSS "
            f"{peak_rss_mb() - base:7.0f} MB above baseline"
        )
    couplings = np.geomspace(1e-8, 1e-5, 31)
    start = time.perf_counter()
    for d in couplings:
        events.weights(DipoleModel(m_N=0.1, d_mu=d))
    rate = len(couplings) * len(events) / (time.perf_counter() - start)
    print(f"reweighting: {rate:.3g} events/s")
    print(
        f"ESS over d_mu in [1e-8, 1e-5] at m_N = 0.1 GeV ({n} events), "
        "photons in the fiducial volume:"
    )
    ess = [events.summary(DipoleModel(m_N=0.1, d_mu=d)).effective_size for d in couplings]
    for d, value in zip(couplings[::5], ess[::5], strict=True):
        print(f"  d_mu = {d:8.2e} GeV^-1: ESS = {value:8.0f}")
    print(f"  minimum ESS over the 31 couplings: {min(ess):.0f}")


if __name__ == "__main__":
    main()

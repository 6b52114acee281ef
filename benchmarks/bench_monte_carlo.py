"""Benchmark: Monte Carlo efficiency of the weighted simulation, old (legacy) vs new proposal.

    python benchmarks/bench_monte_carlo.py [--events N]
        [--grid-events M] [--seed S] [--skip-grid]

In one run, for the four points of the efficiency issue (photons converting in the fiducial
volume) and for the ``legacy`` proposal (``InjectionSettings.legacy()``: the proposal of earlier
versions, every trial kept) and the pilot-optimised ``mixture`` proposal, it prints the wall time
of the whole ``generate`` call (table set-up and pilot included), events per second, trials,
ESS = (sum w)^2 / sum w^2, ESS/N (N = events in the sample; each sample serves the couplings
``simulate`` gives it by default, :func:`neutrissimo.simulation.coupling_ranges.serving_range`), ESS
per trial, the zero-weight fraction, effective events per second and the ratio new/old of the
latter. Then, for a few masses of each scan grid (``paper.toml`` [scans.*]: MiniBooNE d_mu in
[1e-8, 1e-5], MINERvA ME FHC in [1e-8, 1e-4]), the minimum ESS/N over the grid couplings whose
expected signal is at least one event, for both proposals (``--grid-events`` per mass, samples
serving the whole grid, as a scan makes them).
Single process; the numbers are per core.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neutrissimo import DipoleModel, PhysicsDomainError
from neutrissimo.analyses.paper import paper_numbers
from neutrissimo.experiments.setups import load_setup
from neutrissimo.simulation.coupling_ranges import serving_range
from neutrissimo.simulation.injection import generate
from neutrissimo.simulation.setup import Setup

POINTS = (
    ("miniboone", 0.47, 1.25e-6),
    ("miniboone", 0.08, 1.7e-7),
    ("minerva-me-fhc", 0.47, 1.25e-6),
    ("minerva-me-fhc", 0.08, 1.7e-7),
)
GRIDS = {"miniboone": (1e-8, 1e-5), "minerva-me-fhc": (1e-8, 1e-4)}
GRID_MASSES = (0.02, 0.08, 0.2, 0.47, 1.0)  # GeV: the nearest masses of the scan grid


def run(
    setup: Setup,
    m_n: float,
    d: float,
    events: int,
    seed: int,
    legacy: bool,
    couplings: tuple[float, float],
):
    """One sample serving ``couplings`` (GeV^-1) and its wall time (s) of the whole generate
    call."""
    settings = setup.injection.legacy() if legacy else setup.injection
    start = time.perf_counter()
    sample = generate(
        setup,
        DipoleModel(m_N=m_n, d_mu=d),
        events,
        np.random.default_rng(seed),
        settings=settings,
        couplings=couplings,
    )
    return sample, time.perf_counter() - start


def points_table(events: int, seed: int) -> None:
    header = (
        f"{'point':<32} {'proposal':<8} {'wall s':>7} {'events/s':>9} {'trials':>9} {'ESS':>8} "
        f"{'ESS/N':>7} {'ESS/trial':>9} {'zero w':>7} {'ESS/s':>8} {'new/old':>7} "
        f"{'rate':>10} {'+-':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, m_n, d in POINTS:
        setup = load_setup(name)
        per_second = {}
        for legacy in (True, False):
            sample, wall = run(setup, m_n, d, events, seed, legacy, serving_range(d))
            summary = sample.summary()
            trials = sample.metadata["n_trials"]
            per_second[legacy] = summary.effective_size / wall
            ratio = "" if legacy else f"{per_second[False] / per_second[True]:7.1f}"
            print(
                f"{name + f' {m_n} {d:.3g}':<32} {'old' if legacy else 'new':<8} {wall:7.1f} "
                f"{len(sample) / wall:9.3g} {trials:9d} {summary.effective_size:8.0f} "
                f"{summary.ess_fraction:7.4f} {summary.effective_size / trials:9.4f} "
                f"{summary.zero_fraction:7.3f} {per_second[legacy]:8.0f} {ratio:>7} "
                f"{summary.rate:10.5g} {summary.error:7.3g}",
                flush=True,
            )
            del sample


def grid_table(events: int, seed: int) -> None:
    print(
        f"\nminimum ESS/N over the scan grid couplings with >= 1 expected event "
        f"({events} events per mass; ESS/trial in brackets)"
    )
    for name, (d_min, d_max) in GRIDS.items():
        setup = load_setup(name)
        scans = paper_numbers().scans
        grid = (scans.miniboone if name == "miniboone" else scans.minerva).grid()
        assert (grid.couplings[0], grid.couplings[-1]) == (d_min, d_max)
        masses = sorted({min(grid.masses, key=lambda m: abs(np.log(m / g))) for g in GRID_MASSES})
        for m_n in masses:
            cells = []
            for legacy in (True, False):
                try:
                    sample, _ = run(setup, m_n, 1e-6, events, seed, legacy, (d_min, d_max))
                except PhysicsDomainError:
                    cells.append("beyond the flux")
                    continue
                summaries = [sample.summary(DipoleModel(m_N=m_n, d_mu=d)) for d in grid.couplings]
                used = [s for s in summaries if s.rate >= 1.0]
                trials = sample.metadata["n_trials"]
                if used:
                    worst = min(used, key=lambda s: s.ess_fraction)
                    cells.append(
                        f"{worst.ess_fraction:.4f} ({worst.effective_size / trials:.4f}) over "
                        f"{len(used)} couplings"
                    )
                else:
                    cells.append("no coupling with >= 1 event")
            print(f"  {name:<15} m_N = {m_n:6.4f} GeV: old {cells[0]:<36} new {cells[-1]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--grid-events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-grid", action="store_true")
    args = parser.parse_args()
    generate(
        load_setup("miniboone"), DipoleModel(m_N=0.3, d_mu=1e-6), 1000, np.random.default_rng(0)
    )
    points_table(args.events, args.seed)
    if not args.skip_grid:
        grid_table(args.grid_events, args.seed)


if __name__ == "__main__":
    main()

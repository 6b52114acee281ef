"""Benchmark: sigma(E) tables and dsigma/dQ^2 throughput (issue 2 performance targets).

    python benchmarks/bench_cross_sections.py

Prints, per (target, m_N): the time to compute sigma(E) on 200 energies for both helicity
channels (target < 50 ms), the time to build a CrossSectionTable, and the dsigma/dQ^2
evaluation rate. DarkNews' time for the same 200-energy table is measured by
validation/darknews_timing.py (it needs DarkNews installed in a separate environment).
"""

from __future__ import annotations

import time

import numpy as np

from neutrissimo import dsigma_dq2, make_target, tabulate, total_cross_section
from neutrissimo.physics.kinematics import q2_range, threshold_energy


def best_of(func, *args, repeat: int = 5, **kwargs) -> float:
    """Smallest wall time of ``repeat`` calls of ``func(*args, **kwargs)``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return min(times)


def both_helicities(target, energy, m_n):
    """sigma(E) for the helicity-flipping and -conserving channels."""
    return [total_cross_section(target, energy, m_n, helicity=h) for h in ("flip", "conserve")]


def main() -> None:
    header = ("target", "m_N", "sigma(E) x200, 2 hel.", "table build", "dsigma/dQ2 rate")
    print("{:>8} {:>6} {:>22} {:>12} {:>16}".format(*header))
    for name, m_n in (("C12", 0.1), ("C12", 0.47), ("proton", 0.47), ("Pb208", 0.01)):
        target = make_target(name)
        e_th = float(threshold_energy(m_n, target.mass))
        energy = np.geomspace(e_th * 1.001, 20.0, 200)
        both_helicities(target, energy, m_n)  # warm up caches (quadrature nodes)
        t_sigma = best_of(both_helicities, target, energy, m_n)
        t_table = best_of(tabulate, target, m_n, e_max=20.0, repeat=3)
        lo, hi = q2_range(np.full(1_000_000, 2.0), m_n, target.mass)
        q2 = lo * np.exp(np.random.default_rng(1).random(lo.size) * np.log(hi / lo))
        t_diff = best_of(dsigma_dq2, target, 2.0, q2, m_n, helicity="flip", repeat=3)
        rate = q2.size / t_diff
        print(
            f"{name:>8} {m_n:6.3f} {1e3 * t_sigma:19.1f} ms {1e3 * t_table:9.0f} ms {rate:13.3g} /s"
        )


if __name__ == "__main__":
    main()

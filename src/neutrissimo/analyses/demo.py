"""``neutrissimo demo``: the paper's benchmark points, end to end, with plots.

Benchmarks (paper Sec. IV.C; ``[benchmarks.*]`` of ``analyses/paper.toml``): the Figs. 3-4
point of the global-no-mb fit and the Figs. 5-6 point of the mb-microboone fit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from neutrissimo.analyses.paper import paper_numbers
from neutrissimo.physics.cross_sections import make_target, total_cross_section
from neutrissimo.physics.model import DipoleModel

__all__ = ["benchmarks", "run_demo"]


def benchmarks() -> list[tuple[str, DipoleModel]]:
    """The paper's benchmark points as (label, model), from ``paper.toml``."""
    return [
        (f"{name} benchmark ({point.figures})", point.model)
        for name, point in paper_numbers().benchmarks.items()
    ]


def run_demo(output: Path, echo: Callable[[str], None] = print, events: int = 50_000) -> list[Path]:
    """Print lifetimes and cross sections at the benchmark points, simulate them at MiniBooNE
    (and the first one at MINERvA ME FHC), and write the figures to ``output``. Returns the
    paths written."""
    from neutrissimo.analyses.physics_figures import write_physics_figures
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.plotting.monte_carlo import (
        photon_distributions,
        production_regions,
        target_vertex_map,
    )
    from neutrissimo.plotting.save import save_figure
    from neutrissimo.simulation.injection import generate

    energies = np.array([0.5, 1.0, 2.0, 5.0])
    points = benchmarks()
    for label, hnl in points:
        echo(f"{label}: m_N = {hnl.m_N} GeV, d_mu = {hnl.d_mu:g} GeV^-1")
        echo(
            f"  Gamma = {hnl.width:.4g} GeV, c tau = {hnl.ctau:.4g} cm, "
            f"decay length at E_N = 1 GeV: {float(hnl.decay_length(max(1.0, hnl.m_N))):.4g} cm"
        )
        for name in ("C12", "proton"):
            target = make_target(name)
            sigma = total_cross_section(target, energies, hnl.m_N, hnl.d_mu)
            cells = ", ".join(f"{e:g} GeV: {s:.3e}" for e, s in zip(energies, sigma, strict=True))
            echo(f"  sigma(nu_mu {name}) [cm^2]  {cells}")
    written = write_physics_figures(output)
    samples = []
    for seed, (label, hnl) in enumerate(points, start=1):
        sample = generate(
            load_setup("miniboone"), hnl, events, np.random.default_rng(seed), seed=seed
        )
        summary = sample.summary()
        echo(
            f"MiniBooNE, {label}: {summary.rate:.4g} +- {summary.error:.2g} photons converting "
            f"in the fiducial volume at {sample.metadata['pot']:.3g} POT (before efficiency, "
            "cuts); " + ", ".join(f"{k} {v:.1%}" for k, v in sample.shares().items() if v >= 1e-3)
        )
        samples.append((f"m_N = {hnl.m_N} GeV, d = {hnl.d_mu:g}", sample))
    minerva = generate(
        load_setup("minerva-me-fhc"), points[0][1], events, np.random.default_rng(3), seed=3
    )
    written += [
        save_figure(photon_distributions(samples), output / "miniboone_photons.png"),
        save_figure(production_regions(samples), output / "miniboone_regions.png"),
        save_figure(
            target_vertex_map(minerva, ("Fe2", "Pb2"), "(MINERvA ME FHC)"),
            output / "fig2_minerva_target2.png",
        ),
    ]
    for path in written:
        echo(f"wrote {path}")
    return written

"""The physics-core figures of the paper's appendix: form factors (Fig. 13), sigma(E) per
helicity (Fig. 14) and the flux-averaged helicity ratio on carbon in the BNB (Fig. 15)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from neutrissimo.beams.flux import load_flux
from neutrissimo.physics.cross_sections import (
    flux_averaged_cross_section,
    make_target,
    total_cross_section,
)
from neutrissimo.physics.form_factors import FORM_FACTOR_KINDS, nuclear_form_factor
from neutrissimo.physics.kinematics import threshold_energy
from neutrissimo.physics.nuclei import nucleus
from neutrissimo.plotting.physics import (
    cross_sections_figure,
    form_factors_figure,
    helicity_ratio_figure,
)
from neutrissimo.plotting.save import save_figure

__all__ = ["write_physics_figures"]


def write_physics_figures(
    output: Path, masses: Sequence[float] = (0.01, 0.1, 0.4, 0.8), d: float = 1e-6
) -> list[Path]:
    """Figs. 13, 14 (sigma(E) at the HNL ``masses`` in GeV, coupling ``d`` in GeV^-1) and 15
    into ``output``; returns the files written."""
    q = np.geomspace(1e-3, 1.0, 600)
    carbon_nucleus = nucleus("C12")
    form_factors: dict[str, NDArray[np.float64]] = {
        k: nuclear_form_factor(carbon_nucleus, q, k) for k in FORM_FACTOR_KINDS
    }
    panels = {}
    for name, title in (("C12", "coherent C12"), ("proton", "proton elastic")):
        target = make_target(name)
        curves = {}
        for m_n in masses:
            e_th = float(threshold_energy(m_n, target.mass))
            energy = e_th + np.geomspace(1e-4 * e_th, 20.0 - e_th, 200)
            curves[m_n] = (
                energy,
                total_cross_section(target, energy, m_n, d, "flip"),
                total_cross_section(target, energy, m_n, d, "conserve"),
            )
        panels[title] = curves
    bnb = load_flux("bnb", "fhc", "numu")
    carbon = make_target("C12")
    ratio_masses = np.geomspace(0.01, 2.0, 24)
    ratio = np.array(
        [
            flux_averaged_cross_section(bnb, carbon, m, helicity="conserve")
            / flux_averaged_cross_section(bnb, carbon, m, helicity="flip")
            for m in ratio_masses
        ]
    )
    return [
        save_figure(form_factors_figure(q, form_factors, "C12"), output / "fig13_form_factors.png"),
        save_figure(cross_sections_figure(panels, d), output / "fig14_cross_sections.png"),
        save_figure(
            helicity_ratio_figure(ratio_masses, ratio), output / "fig15_helicity_ratio.png"
        ),
    ]

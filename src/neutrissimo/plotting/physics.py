"""Figures of the physics core: form factors (paper Fig. 13), upscattering cross sections
(Fig. 14) and the helicity-conserving / helicity-flipping ratio (Fig. 15)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import NDArray

from neutrissimo.io.atomic import atomic_path
from neutrissimo.physics.cross_sections import make_target, total_cross_section
from neutrissimo.physics.form_factors import FORM_FACTOR_KINDS, nuclear_form_factor
from neutrissimo.physics.kinematics import threshold_energy
from neutrissimo.physics.nuclei import nucleus

__all__ = [
    "fig13_form_factors",
    "fig14_cross_sections",
    "fig15_helicity_ratio",
    "save_figure",
    "write_physics_figures",
]

_FF_STYLE = {
    "fourier-bessel": ("Fourier-Bessel", "-", "tab:green"),
    "woods-saxon": ("FS Woods-Saxon", ":", "goldenrod"),
    "dipole": ("Dipole", "--", "tab:blue"),
    "helm": ("Helm", "-.", "tab:red"),
}


def save_figure(fig: plt.Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` atomically (temporary file, then rename) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path


def fig13_form_factors(name: str = "C12") -> plt.Figure:
    """|F(Q)| of ``name`` for the four parametrisations of Appendix A, Q in GeV."""
    q = np.geomspace(1e-3, 1.0, 600)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for kind in FORM_FACTOR_KINDS:
        label, style, color = _FF_STYLE[kind]
        ax.plot(
            q, np.abs(nuclear_form_factor(nucleus(name), q, kind)), style, color=color, label=label
        )
    ax.set(
        xscale="log", yscale="log", ylim=(1e-4, 1.5), xlabel="Q [GeV]", ylabel=f"|F(Q)| ({name})"
    )
    ax.legend(frameon=False)
    return fig


def fig14_cross_sections(
    masses: Sequence[float] = (0.01, 0.1, 0.4, 0.8), d: float = 1e-6
) -> plt.Figure:
    """sigma(E) on C12 (coherent) and on free protons, helicity-flip solid, -conserving dashed,
    for d = ``d`` GeV^-1."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, name, title in zip(
        axes, ("C12", "proton"), ("coherent C12", "proton elastic"), strict=True
    ):
        target = make_target(name)
        for i, m_n in enumerate(masses):
            e_th = float(threshold_energy(m_n, target.mass))
            energy = e_th + np.geomspace(1e-4 * e_th, 20.0 - e_th, 200)
            color = f"C{i}"
            for channel, style in (("flip", "-"), ("conserve", "--")):
                sigma = total_cross_section(target, energy, m_n, d, channel)  # type: ignore[arg-type]
                label = f"$m_N$ = {1e3 * m_n:g} MeV" if channel == "flip" else None
                ax.plot(energy, sigma, style, color=color, label=label)
        ax.set(
            xscale="log", yscale="log", xlabel=r"$E_\nu$ [GeV]", title=title, ylim=(1e-46, 1e-37)
        )
    axes[0].set_ylabel(rf"$\sigma$ [cm$^2$]  ($d$ = {d:g} GeV$^{{-1}}$)")
    axes[0].legend(frameon=False, title="solid: flip, dashed: conserve")
    return fig


def fig15_helicity_ratio(
    masses: NDArray[np.float64], ratio: NDArray[np.float64], label: str = "C12, BNB flux"
) -> plt.Figure:
    """Flux-averaged sigma_HC / sigma_HF against m_N (GeV)."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(masses, ratio, "-o", ms=3, label=label)
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$\sigma_{HC}/\sigma_{HF}$")
    ax.legend(frameon=False)
    return fig


def write_physics_figures(output: Path) -> list[Path]:
    """Figs. 13, 14 and 15 (flux-averaged HC/HF on C12 with the BNB nu_mu flux) into ``output``."""
    from neutrissimo.beams.flux import load_flux
    from neutrissimo.physics.cross_sections import flux_averaged_cross_section

    bnb = load_flux("bnb", "fhc", "numu")
    carbon = make_target("C12")
    masses = np.geomspace(0.01, 2.0, 24)
    ratio = np.array(
        [
            flux_averaged_cross_section(bnb, carbon, m, helicity="conserve")
            / flux_averaged_cross_section(bnb, carbon, m, helicity="flip")
            for m in masses
        ]
    )
    return [
        save_figure(fig13_form_factors(), output / "fig13_form_factors.png"),
        save_figure(fig14_cross_sections(), output / "fig14_cross_sections.png"),
        save_figure(fig15_helicity_ratio(masses, ratio), output / "fig15_helicity_ratio.png"),
    ]

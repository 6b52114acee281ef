"""Figures of the physics core from precomputed curves: form factors (paper Fig. 13),
upscattering cross sections (Fig. 14) and the helicity-conserving / -flipping ratio (Fig. 15).

The curves are computed by :mod:`neutrissimo.analyses.physics_figures`; these functions only draw.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

__all__ = ["cross_sections_figure", "form_factors_figure", "helicity_ratio_figure"]

FloatArray = NDArray[np.float64]

_FF_STYLE = {
    "fourier-bessel": ("Fourier-Bessel", "-", "tab:green"),
    "woods-saxon": ("FS Woods-Saxon", ":", "goldenrod"),
    "dipole": ("Dipole", "--", "tab:blue"),
    "helm": ("Helm", "-.", "tab:red"),
}


def form_factors_figure(q_gev: FloatArray, curves: Mapping[str, FloatArray], name: str) -> Figure:
    """|F(Q)| against Q (GeV), one line per form-factor parametrisation (keys as in
    :data:`neutrissimo.physics.form_factors.FORM_FACTOR_KINDS`)."""
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    for kind, values in curves.items():
        label, style, color = _FF_STYLE.get(kind, (kind, "-", None))
        ax.plot(q_gev, np.abs(values), style, color=color, label=label)
    ax.set(
        xscale="log", yscale="log", ylim=(1e-4, 1.5), xlabel="Q [GeV]", ylabel=f"|F(Q)| ({name})"
    )
    ax.legend(frameon=False)
    return fig


def cross_sections_figure(
    panels: Mapping[str, Mapping[float, tuple[FloatArray, FloatArray, FloatArray]]], d: float
) -> Figure:
    """sigma(E) in cm^2, one panel per target title, one colour per HNL mass (GeV): each entry is
    (E_nu [GeV], sigma_flip, sigma_conserve); helicity-flip solid, -conserving dashed."""
    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (title, curves) in zip(axes, panels.items(), strict=True):
        for i, (m_n, (energy, flip, conserve)) in enumerate(curves.items()):
            ax.plot(energy, flip, "-", color=f"C{i}", label=f"$m_N$ = {1e3 * m_n:g} MeV")
            ax.plot(energy, conserve, "--", color=f"C{i}")
        ax.set(
            xscale="log", yscale="log", xlabel=r"$E_\nu$ [GeV]", title=title, ylim=(1e-46, 1e-37)
        )
    axes[0].set_ylabel(rf"$\sigma$ [cm$^2$]  ($d$ = {d:g} GeV$^{{-1}}$)")
    axes[0].legend(frameon=False, title="solid: flip, dashed: conserve")
    return fig


def helicity_ratio_figure(
    masses: FloatArray, ratio: FloatArray, label: str = "C12, BNB flux"
) -> Figure:
    """Flux-averaged sigma_HC / sigma_HF against m_N (GeV)."""
    fig = Figure(figsize=(5.5, 4))
    ax = fig.subplots()
    ax.plot(masses, ratio, "-o", ms=3, label=label)
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$\sigma_{HC}/\sigma_{HF}$")
    ax.legend(frameon=False)
    return fig

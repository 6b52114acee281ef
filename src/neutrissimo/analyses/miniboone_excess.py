"""The MiniBooNE excess at a benchmark point (paper Figs. 4 and 6): predictions and the
background-subtracted data with their errors, as :class:`~neutrissimo.plotting.miniboone.
ExcessPanel` for the figure."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.analyses.miniboone_fit import mass_task
from neutrissimo.analyses.scan import MassPoint
from neutrissimo.experiments import miniboone
from neutrissimo.experiments.miniboone.likelihood import MiniBooNEEnergyLikelihood
from neutrissimo.experiments.miniboone.oscillations import AppearancePredictor
from neutrissimo.plotting.miniboone import ExcessPanel

__all__ = [
    "benchmark_excess",
    "benchmark_histograms",
    "cos_excess_panel",
    "eqe_excess_panel",
]


def benchmark_histograms(
    m_N: float, d_mu: float, events: int, seed: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """E_QE and cos(theta) histograms (events at the MiniBooNE POT) of one benchmark point with
    d_tau = 0, as in the paper's Figs. 4 and 6."""
    point = mass_task(MassPoint(m_N, (d_mu,), events), np.random.default_rng(seed))
    none = point.scenario("none")  # axes (1 replica, 1 coupling, bins)
    return none.eqe[0, 0], none.cos[0, 0]


def eqe_excess_panel(
    likelihood: MiniBooNEEnergyLikelihood,
    edges_gev: ArrayLike,
    dipole: ArrayLike,
    oscillation: ArrayLike,
) -> ExcessPanel:
    """E_QE panel: excess = data - nu_mu-constrained background over the fit bins.

    Errors: stat = sqrt(data); total = sqrt(data + diag(C_bkg)), C_bkg the constrained
    background covariance (systematics and the background's own statistical part).
    """
    bkg, cov = likelihood.constrained_background()
    keep = likelihood.fit_bins
    data = likelihood.nue_data[keep]
    e = np.asarray(edges_gev, dtype=float)
    lo, hi = np.flatnonzero(keep)[[0, -1]]
    return ExcessPanel(
        edges=e[lo : hi + 2],
        dipole=np.asarray(dipole, dtype=float)[keep],
        oscillation=np.asarray(oscillation, dtype=float)[keep],
        excess=data - bkg,
        stat_error=np.sqrt(data),
        total_error=np.sqrt(data + np.diag(cov)),
        xlabel=r"$E_\nu^{\rm QE}$ [GeV]",
        per_unit_x=1e3,
    )


def cos_excess_panel(
    edges: ArrayLike,
    data: ArrayLike,
    background: ArrayLike,
    dipole: ArrayLike,
    oscillation: ArrayLike,
    fractional_systematic: float,
) -> ExcessPanel:
    """cos(theta) panel: excess = data - background, syst = fractional * background."""
    d = np.asarray(data, dtype=float)
    b = np.asarray(background, dtype=float)
    return ExcessPanel(
        edges=np.asarray(edges, dtype=float),
        dipole=np.asarray(dipole, dtype=float),
        oscillation=np.asarray(oscillation, dtype=float),
        excess=d - b,
        stat_error=np.sqrt(np.maximum(d, 0.0)),
        total_error=np.sqrt(np.maximum(d, 0.0) + (fractional_systematic * b) ** 2),
        xlabel=r"$\cos\theta$",
    )


def benchmark_excess(
    m_N: float, d_mu: float, oscillation: str, events: int, seed: int
) -> tuple[ExcessPanel, ExcessPanel, str]:
    """(E_QE panel, cos panel, title) of the excess figure at the benchmark (m_N [GeV],
    d_mu [GeV^-1]) with the oscillation scenario's appearance component."""
    eqe, cos = benchmark_histograms(m_N, d_mu, events=events, seed=seed)
    predictor = AppearancePredictor.from_release()
    config = miniboone.load_config()
    data = miniboone.load_cos_theta_data()
    angle = miniboone.MiniBooNECosThetaLikelihood.from_release()
    return (
        eqe_excess_panel(
            MiniBooNEEnergyLikelihood.from_release(),
            config.eqe_edges_gev,
            eqe,
            predictor.scenario_eqe(oscillation),
        ),
        cos_excess_panel(
            config.cos_edges,
            data.data,
            data.background,
            cos,
            predictor.scenario_cos_theta(oscillation),
            angle.fractional_systematic,
        ),
        f"m_N = {m_N} GeV, d_mu = {d_mu:g} GeV^-1 ({oscillation})",
    )

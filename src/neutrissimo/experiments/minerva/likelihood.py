"""The MINERvA likelihood of a sample: HNL signal in the photon-like dE/dx bins against data and
background, profiled over the background normalisation (paper Sec. V.C).

Signal dE/dx shape: identical to the coherent + diffractive pi0 background (Sec. V.B),
digitized as ``Official_ME_dEdX_MCPI0.dat``. It is the lowest curve of the ME stack in every
bin, so whether the file is a stack top or a component, it is the pi0 layer itself; its shape
is used for all three samples (same detector). The signal in bins is
N_sel x [acc x shape_above / sum(shape_above), (1 - acc) x shape_below / sum(shape_below)],
N_sel being the weighted events passing cuts 1-3.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.minerva.config import MinervaConfig, _config
from neutrissimo.experiments.minerva.release import DedxHistogram, _stitched_counts
from neutrissimo.statistics.limits import (
    CouplingLimit,
    LimitCurve,
    coupling_limit,
    coupling_limits,
)
from neutrissimo.statistics.profile import THRESHOLD_95CL_ONE_SIDED

__all__ = [
    "coupling_limit_for_sample",
    "coupling_limits_for_sample",
    "dedx_signal_counts",
    "dedx_signal_shape",
    "photon_like_signal",
    "shape_acceptance",
]


def dedx_signal_shape(config: MinervaConfig | None = None) -> NDArray[np.float64]:
    """The photon-like (coherent + diffractive pi0) dE/dx shape: fractions per bin, sum 1."""
    cfg = _config(config)
    counts = _stitched_counts([cfg.dedx.signal_shape], cfg.dedx.bin_edges, "signal shape", "all")
    return counts / counts.sum()


def shape_acceptance(shape: ArrayLike, config: MinervaConfig | None = None) -> float:
    """Fraction of a dE/dx shape above the dE/dx cut (0.904 for the digitized pi0 shape)."""
    cfg = _config(config)
    p = np.asarray(shape, dtype=float)
    above = cfg.dedx.bin_edges[:-1] >= cfg.cuts.dedx_min - 1e-9
    return float(p[above].sum() / p.sum())


def dedx_signal_counts(
    n_selected: ArrayLike,
    sample: str,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> NDArray[np.float64]:
    """HNL signal per dE/dx bin, shape (..., n_bins), for N_sel selected events (cuts 1-3).

    A fraction ``dedx_acceptance`` (default: the sample's 0.93/0.91) lands above the cut,
    distributed like the pi0 shape there; the rest below it, likewise. With
    ``dedx_acceptance = shape_acceptance(dedx_signal_shape())`` this is N_sel x pi0 shape.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    acc = smp.dedx_cut_acceptance if dedx_acceptance is None else float(dedx_acceptance)
    if not 0.0 <= acc <= 1.0:
        raise ConfigurationError(f"dedx_acceptance must be in [0, 1], got {acc!r}.")
    shape = dedx_signal_shape(cfg)
    above = cfg.dedx.bin_edges[:-1] >= cfg.cuts.dedx_min - 1e-9
    per_event = np.where(
        above, acc * shape / shape[above].sum(), (1.0 - acc) * shape / shape[~above].sum()
    )
    n = np.asarray(n_selected, dtype=float)
    if np.any(~np.isfinite(n)) or np.any(n < 0):
        raise ConfigurationError("n_selected must be finite and >= 0 (events).")
    return n[..., None] * per_event


def photon_like_signal(
    histogram: DedxHistogram,
    n_selected: ArrayLike,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(signal (..., bins), data, background) in the photon-like dE/dx bins of a sample, for
    ``n_selected`` expected HNL events passing cuts 1-3 (any shape): the likelihood's inputs."""
    cfg = _config(config)
    mask = histogram.photon_like(cfg.cuts.dedx_min)
    signal = dedx_signal_counts(
        n_selected, histogram.sample, dedx_acceptance=dedx_acceptance, config=cfg
    )[..., mask]
    data, background = histogram.photon_like_counts(cfg.cuts.dedx_min)
    return signal, data, background


def coupling_limit_for_sample(
    histogram: DedxHistogram,
    couplings: ArrayLike,
    n_selected: ArrayLike,
    *,
    eta: float,
    dedx_acceptance: float | None = None,
    threshold: float = THRESHOLD_95CL_ONE_SIDED,
    m_N: float = math.nan,
    config: MinervaConfig | None = None,
) -> CouplingLimit:
    """95% CL excluded couplings at one mass from the photon-like dE/dx bins of a sample.

    Args:
        histogram: data and background (:func:`dedx_histogram`).
        couplings: increasing coupling grid d (GeV^-1).
        n_selected: expected HNL events passing cuts 1-3 at each coupling (before dE/dx).
        eta: background-normalisation uncertainty (0.3 nominal, 1.0 conservative).
        dedx_acceptance: override of the sample's dE/dx acceptance.
    """
    signal, data, background = photon_like_signal(
        histogram, n_selected, dedx_acceptance=dedx_acceptance, config=config
    )
    return coupling_limit(
        couplings, signal, data, background, eta=eta, threshold=threshold, m_N=m_N
    )


def coupling_limits_for_sample(
    histogram: DedxHistogram,
    masses: ArrayLike,
    couplings: ArrayLike,
    n_selected: ArrayLike,
    *,
    eta: float,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
    signal_uncertainty: ArrayLike | None = None,
) -> LimitCurve:
    """:func:`coupling_limit_for_sample` at every mass: ``n_selected`` has shape
    (masses, couplings) on one coupling grid (GeV^-1); masses in GeV. ``signal_uncertainty``
    (same shape): the relative uncertainty of N_sel (e.g. its Monte Carlo error), profiled as a
    signal-normalisation nuisance (:func:`neutrissimo.statistics.profile.q_statistic`)."""
    signal, data, background = photon_like_signal(
        histogram, n_selected, dedx_acceptance=dedx_acceptance, config=config
    )
    return coupling_limits(
        masses,
        couplings,
        list(signal),
        data,
        background,
        eta=eta,
        signal_uncertainty=(
            None
            if signal_uncertainty is None
            else list(np.asarray(signal_uncertainty, dtype=float))
        ),
    )

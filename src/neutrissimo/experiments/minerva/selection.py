"""The MINERvA nu-e elastic selection applied to HNL photons.

Kamp et al., arXiv:2206.07100, Sec. V: a photon from N -> nu gamma converts in the MINERvA
fiducial volume and looks like the single electromagnetic shower of nu e -> nu e scattering.
This module applies the selection to reconstructed showers; the samples and their numbers are
in :mod:`neutrissimo.experiments.minerva.config`.

Selection (Sec. V.B), on reconstructed quantities; theta_sh is the shower angle to the beam
(+z):

1. ``shower_energy``: E_sh > 0.8 GeV.
2. ``q2_qe``: Q^2_QE-reco = 2 m_n (E_nu^QE-reco - E_sh) < 0.02 GeV^2 with eq. (6),
   E_nu^QE-reco = (m_n E_sh - m_e^2/2) / (m_n - E_sh + p_e cos theta_sh). The shower is
   reconstructed as an electron of energy E_sh: p_e = sqrt(E_sh^2 - m_e^2), and m_n is the
   neutron mass (nu_e n -> e p hypothesis; the proton mass would change Q^2 by < 0.2%). A
   backward, energetic shower with m_n - E_sh + p_e cos theta <= 0 has no physical E_nu^QE:
   its Q^2 is set to +inf (it fails the cut).
3. ``e_theta2``: E_sh theta_sh^2 < 3.2 MeV rad^2.
4. dE/dx > 4.5 MeV/1.7cm: the MC has no dE/dx, so this cut enters as an acceptance factor.
   Default: the paper's numbers, 93% (FHC) and 91% (RHC) (Sec. V.B). Alternative: the
   fraction of the digitized coherent+diffractive pi0 dE/dx shape above 4.5,
   ``shape_acceptance(dedx_signal_shape())`` = 0.90 for ME FHC (the paper's 93% cannot be
   reproduced exactly from the digitized shape).

:func:`select` returns the per-cut masks, the weighted cumulative efficiencies (the efficiency
before the dE/dx cut is Fig. 8 bottom) and the final efficiency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.experiments.minerva.config import CUT_NAMES, MinervaConfig, _config
from neutrissimo.experiments.minerva.reconstruction import e_theta2, q2_qe_reco
from neutrissimo.experiments.minerva.response import detector_response
from neutrissimo.experiments.response import Reconstructed, check_photons

__all__ = ["Selection", "analyse_events", "select"]


@dataclass(frozen=True, eq=False)
class Selection:
    """Result of the MINERvA selection on weighted events.

    Attributes:
        masks: per-cut pass masks (``shower_energy``, ``q2_qe``, ``e_theta2``), each on its own.
        passed: events passing all kinematic cuts (the dE/dx cut is an acceptance).
        efficiency: cumulative weighted efficiencies after each cut, in the paper's order.
        efficiency_before_dedx: sum(w passed) / sum(w) (Fig. 8 bottom).
        dedx_acceptance: acceptance of dE/dx > 4.5 applied on top.
        efficiency_final: efficiency_before_dedx x dedx_acceptance.
        n_total, n_selected, n_final: sum of weights of all events, of the selected events
            before and after the dE/dx acceptance (expected events if w are).
        n_effective_selected: (sum w)^2 / sum w^2 of the selected events (MC statistics).
    """

    masks: Mapping[str, NDArray[np.bool_]]
    passed: NDArray[np.bool_]
    efficiency: Mapping[str, float]
    efficiency_before_dedx: float
    dedx_acceptance: float
    efficiency_final: float
    n_total: float
    n_selected: float
    n_final: float
    n_effective_selected: float


def select(
    reco: Reconstructed,
    weights: ArrayLike,
    sample: str,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> Selection:
    """Apply the Sec. V.B cuts to reconstructed showers.

    Args:
        reco: reconstructed showers (:func:`~neutrissimo.experiments.minerva.response.
            detector_response`).
        weights: event weights (>= 0), e.g. expected events at the sample's POT; multiplied by
            ``reco.efficiency``.
        sample: sample name (sets the default dE/dx acceptance: 0.93 FHC, 0.91 RHC).
        dedx_acceptance: override of the dE/dx-cut acceptance (e.g. ``shape_acceptance(...)``).
        config: configuration (default: packaged ``minerva.toml``).

    Raises:
        PhysicsDomainError: bad shower arrays (shapes, non-unit directions).
        ConfigurationError: negative or misshapen weights, zero total weight.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    e, u = check_photons(reco.energy_gev, reco.direction)
    w = np.asarray(weights, dtype=float)
    if w.shape != e.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ConfigurationError(
            f"weights must be finite, >= 0 and one per event ({e.size}); got shape {w.shape}."
        )
    w = w * reco.efficiency
    total = float(w.sum())
    if total <= 0:
        raise ConfigurationError("The events have zero total weight: no efficiency defined.")
    acceptance = smp.dedx_cut_acceptance if dedx_acceptance is None else float(dedx_acceptance)
    if not 0.0 <= acceptance <= 1.0:
        raise ConfigurationError(f"dedx_acceptance must be in [0, 1], got {acceptance!r}.")
    cos_theta = u[:, 2]
    masks = {
        "shower_energy": e > cfg.cuts.shower_energy_min,
        "q2_qe": q2_qe_reco(e, cos_theta) < cfg.cuts.q2_qe_max,
        "e_theta2": e_theta2(e, cos_theta) < cfg.cuts.e_theta2_max,
    }
    cumulative = np.ones(e.shape, dtype=bool)
    efficiency = {}
    for name in CUT_NAMES:
        cumulative = cumulative & masks[name]
        efficiency[name] = float(w[cumulative].sum()) / total
    selected_w = w[cumulative]
    n_selected = float(selected_w.sum())
    sum_w2 = float(np.sum(selected_w**2))
    return Selection(
        masks=masks,
        passed=cumulative,
        efficiency=efficiency,
        efficiency_before_dedx=n_selected / total,
        dedx_acceptance=acceptance,
        efficiency_final=n_selected / total * acceptance,
        n_total=total,
        n_selected=n_selected,
        n_final=n_selected * acceptance,
        n_effective_selected=n_selected**2 / sum_w2 if sum_w2 > 0 else 0.0,
    )


def analyse_events(
    energy: ArrayLike,
    direction: ArrayLike,
    weights: ArrayLike,
    sample: str,
    rng: np.random.Generator,
    *,
    dedx_acceptance: float | None = None,
    config: MinervaConfig | None = None,
) -> tuple[Reconstructed, Selection]:
    """True photons -> (:class:`Reconstructed`, :class:`Selection`): response, then cuts."""
    cfg = _config(config)
    reco = detector_response(energy, direction, rng, cfg)
    return reco, select(reco, weights, sample, dedx_acceptance=dedx_acceptance, config=cfg)

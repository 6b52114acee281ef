"""MiniBooNE reconstruction and binning: E_nu^QE of an electron-like shower, E_QE and cos(theta)
histograms in the binnings of the 2020 data release (paper Sec. IV.A).

4. E_nu^QE under the nu_e CCQE hypothesis (:func:`reconstruct_eqe`) and cos(theta) to the beam;
5. histograms in E_QE (official 11 bins, 200-3000 MeV) and in cos(theta) (20 bins of the
   digitized 2020 distribution, selected on 200 < E_QE < 1250 MeV), with sum(w^2) per bin.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import PhysicsDomainError
from neutrissimo.experiments.miniboone.config import MiniBooNEConfig, _config
from neutrissimo.experiments.response import Reconstructed, check_energies
from neutrissimo.physics.constants import M_ELECTRON, M_NEUTRON, M_PROTON
from neutrissimo.statistics.histogram import Histogram, fill_histogram

__all__ = ["eqe_of", "histogram_cos_theta", "histogram_eqe", "reconstruct_eqe"]


def reconstruct_eqe(
    e_vis_gev: ArrayLike, cos_theta: ArrayLike, binding_energy_gev: float = 0.034
) -> NDArray[np.float64]:
    """E_nu^QE (GeV) of an electron-like shower of visible (kinetic) energy E_vis at angle theta.

    MiniBooNE's CCQE formula (PRD 81, 092005 (2010), Eq. 1, lepton = electron):

        E_QE = [2 M' E_e - (M'^2 + m_e^2 - M_p^2)] / [2 (M' - E_e + p_e cos theta)],

    with M' = M_n - E_B, E_e = E_vis + m_e, p_e = sqrt(E_e^2 - m_e^2); M_n, M_p, m_e from
    :mod:`neutrissimo.physics.constants`, E_B = 34 MeV by default. Where the denominator is <= 0 (no
    CCQE solution) the result is +inf.
    """
    e_vis = check_energies(e_vis_gev, "visible energy")
    c = np.asarray(cos_theta, dtype=float)
    if np.any(np.abs(c) > 1 + 1e-12):
        raise PhysicsDomainError("cos(theta) must lie in [-1, 1].")
    mp = M_NEUTRON - binding_energy_gev
    e_e = e_vis + M_ELECTRON
    p_e = np.sqrt(np.maximum(e_e**2 - M_ELECTRON**2, 0.0))
    num = 2.0 * mp * e_e - (mp**2 + M_ELECTRON**2 - M_PROTON**2)
    den = 2.0 * (mp - e_e + p_e * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)


def eqe_of(reco: Reconstructed, config: MiniBooNEConfig | None = None) -> NDArray[np.float64]:
    """E_QE (GeV) of reconstructed showers: :func:`reconstruct_eqe` with the config's E_B."""
    return reconstruct_eqe(reco.energy_gev, reco.cos_theta, _config(config).binding_energy_gev)


def histogram_eqe(
    reco: Reconstructed, weight: ArrayLike, config: MiniBooNEConfig | None = None
) -> Histogram:
    """E_QE histogram (GeV edges of the official 11 bins) of ``weight * reco.efficiency``."""
    cfg = _config(config)
    w = np.asarray(weight, dtype=float) * reco.efficiency
    return fill_histogram(eqe_of(reco, cfg), w, cfg.eqe_edges_gev)


def histogram_cos_theta(
    reco: Reconstructed, weight: ArrayLike, config: MiniBooNEConfig | None = None
) -> Histogram:
    """cos(theta) histogram (20 bins) of events with E_QE in the window 200-1250 MeV."""
    cfg = _config(config)
    lo, hi = cfg.cos_eqe_window_gev
    eqe = eqe_of(reco, cfg)
    inside = (eqe >= lo) & (eqe < hi)
    w = np.asarray(weight, dtype=float) * reco.efficiency * inside
    return fill_histogram(reco.cos_theta, w, cfg.cos_edges)

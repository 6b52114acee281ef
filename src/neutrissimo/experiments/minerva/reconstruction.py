"""MINERvA shower kinematics under the nu_e CCQE hypothesis (paper Sec. V.B, eq. 6-7)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.physics.constants import M_ELECTRON, M_NEUTRON

__all__ = ["e_nu_qe_reco", "e_theta2", "q2_qe_reco"]


def e_nu_qe_reco(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """Paper eq. (6): E_nu^QE = (m_n E - m_e^2/2) / (m_n - E + p_e cos theta), GeV.

    The shower is an electron of energy E (p_e = sqrt(E^2 - m_e^2)); m_n = neutron mass.
    Exact for nu_e n -> e p on a free neutron at rest with m_p = m_n. +inf where the
    denominator is <= 0 (no physical solution).
    """
    e = np.asarray(energy, dtype=float)
    c = np.asarray(cos_theta, dtype=float)
    p_e = np.sqrt(np.maximum(e**2 - M_ELECTRON**2, 0.0))
    denominator = M_NEUTRON - e + p_e * c
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (M_NEUTRON * e - 0.5 * M_ELECTRON**2) / denominator
    return np.where(denominator > 0, value, np.inf)


def q2_qe_reco(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """Q^2_QE-reco = 2 m_n (E_nu^QE-reco - E) in GeV^2 (Sec. V.B); ~ (E theta)^2 forward (eq. 7)."""
    e = np.asarray(energy, dtype=float)
    return 2.0 * M_NEUTRON * (e_nu_qe_reco(e, cos_theta) - e)


def e_theta2(energy: ArrayLike, cos_theta: ArrayLike) -> NDArray[np.float64]:
    """E theta^2 in GeV rad^2, theta = arccos(cos_theta) the angle to the beam."""
    c = np.clip(np.asarray(cos_theta, dtype=float), -1.0, 1.0)
    return np.asarray(energy, dtype=float) * np.arccos(c) ** 2

"""Radiative decay N -> nu gamma: rest-frame photon angular distribution, sampling, boost.

In the HNL rest frame the photon has energy m_N/2 and, for an HNL of helicity h (spin along its
lab momentum), the distribution (A.B. Balantekin, A. de Gouvea, B. Kayser, Phys. Lett. B 789,
488 (2019))

    dGamma/dcos(theta*) = Gamma (1 + alpha cos(theta*)) / 2,

theta* measured from the HNL's direction of flight. Angular momentum along the photon direction
fixes alpha: a Dirac N decays to a left-handed nu, so the nu-gamma pair carries J = -1/2 along the
photon and alpha = -h; an anti-HNL Nbar decays to a right-handed nubar and alpha = +h. A Majorana
N decays to both with equal rates: alpha = 0.

For upscattering of a left-handed nu (right-handed nubar), the helicity-flipping channel makes
N with h = +1 (Nbar with h = -1), so in both beams

    helicity-flip:     alpha = -1   (photons preferentially backward: the paper's (1 - cos));
    helicity-conserve: alpha = +1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.kinematics import boost, rotate_from_z
from neutrissimo.physics.model import HNLNature

__all__ = [
    "decay_photons",
    "photon_angular_pdf",
    "photon_asymmetry",
    "photon_asymmetry_for_helicity",
    "sample_photon_cos",
]


def photon_asymmetry_for_helicity(helicity: int, antiparticle: bool, nature: HNLNature) -> float:
    """alpha for an HNL of helicity ``helicity`` (+1/-1): -h for N, +h for Nbar, 0 if Majorana."""
    if helicity not in (1, -1):
        raise ConfigurationError(f"HNL helicity must be +1 or -1, got {helicity!r}.")
    if nature == "majorana":
        return 0.0
    return float(helicity if antiparticle else -helicity)


def photon_asymmetry(channel: str, nature: HNLNature) -> float:
    """alpha for an HNL made in upscattering ``channel`` ("flip" or "conserve"), nu or nubar."""
    if channel not in ("flip", "conserve"):
        raise ConfigurationError(
            f"Upscattering channel must be 'flip' or 'conserve', got {channel!r}."
        )
    # nu beam: flip -> N with h = +1; the nubar beam (Nbar, h = -1) gives the same alpha.
    return photon_asymmetry_for_helicity(1 if channel == "flip" else -1, False, nature)


def photon_angular_pdf(cos_theta: ArrayLike, alpha: ArrayLike) -> NDArray[np.float64]:
    """(1 + alpha cos theta*) / 2 on [-1, 1], normalised to unit integral."""
    return np.asarray(0.5 * (1.0 + np.asarray(alpha, float) * np.asarray(cos_theta, float)))


def sample_photon_cos(rng: np.random.Generator, alpha: ArrayLike) -> NDArray[np.float64]:
    """Draw cos(theta*) from (1 + alpha cos)/2 by inverting its CDF.

    With v = 2u - 1 (u uniform), the root of alpha c^2 + 2c - (alpha + 2v) = 0 in [-1, 1] is
    c = (alpha + 2v) / (1 + sqrt(1 + alpha^2 + 2 alpha v)), stable for alpha -> 0 (c -> v).
    """
    alpha = np.asarray(alpha, dtype=float)
    v = 2.0 * rng.random(alpha.shape) - 1.0
    return (alpha + 2.0 * v) / (1.0 + np.sqrt(np.maximum(1.0 + alpha**2 + 2.0 * alpha * v, 0.0)))


def decay_photons(
    rng: np.random.Generator,
    hnl_momentum: NDArray[np.float64],
    m_N: float,
    alpha: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Photon four-momenta in the lab from N -> nu gamma.

    Args:
        rng: random generator.
        hnl_momentum: HNL lab three-momenta, shape (n, 3), GeV.
        m_N: HNL mass, GeV.
        alpha: rest-frame asymmetry per event (see module docstring).

    Returns:
        ``(photon_p4, cos_theta_star)``: lab four-momenta (n, 4) in GeV and the rest-frame
        cosine of each photon with respect to the HNL direction of flight.
    """
    hnl_momentum = np.asarray(hnl_momentum, dtype=float)
    n = hnl_momentum.shape[0]
    cos_star = sample_photon_cos(rng, np.broadcast_to(alpha, (n,)))
    phi = 2.0 * np.pi * rng.random(n)
    direction = rotate_from_z(cos_star, phi, hnl_momentum)
    rest = np.empty((n, 4))
    rest[:, 0] = 0.5 * m_N
    rest[:, 1:] = 0.5 * m_N * direction
    energy = np.sqrt(np.sum(hnl_momentum**2, axis=1) + m_N**2)
    return boost(rest, hnl_momentum / energy[:, None]), cos_star

"""Vectorised relativistic kinematics: 2 -> 2 upscattering limits, rotations and boosts.

Conventions: four-vectors are arrays of shape (..., 4) ordered (E, px, py, pz); three-vectors
(..., 3). Energies and momenta in GeV. The neutrino beam runs along +z.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "boost",
    "hnl_energy_and_angle",
    "orthonormal_basis",
    "q2_at_angle",
    "q2_range",
    "rotate_from_z",
    "threshold_energy",
]


def threshold_energy(m_N: ArrayLike, m_target: ArrayLike) -> NDArray[np.float64]:
    """Lowest neutrino energy (GeV) that can make an HNL of mass m_N on a target at rest:
    E_th = m_N + m_N^2 / (2 M)."""
    m_N = np.asarray(m_N, dtype=float)
    return m_N + m_N**2 / (2.0 * np.asarray(m_target, dtype=float))


def q2_range(
    energy: ArrayLike, m_N: float, m_target: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Kinematic limits (Q^2_min, Q^2_max) in GeV^2 of nu(E) + T -> N + T, T at rest.

    With s = M^2 + 2 M E and lambda = (s - M^2 - m^2)^2 - 4 M^2 m^2 (Kallen function):

        Q^2_min = 4 M^2 m^4 / [(s - M^2 - m^2 + sqrt(lambda)) (s - M^2 + m^2 + sqrt(lambda))],
        Q^2_max = (s - M^2)(s - M^2 + m^2 + sqrt(lambda)) / (2 s) - m^2,

    the first written without cancellation so that it stays accurate for m_N << E.
    Below threshold both limits are returned as 0 (an empty range).
    """
    energy = np.asarray(energy, dtype=float)
    m2, big = m_N**2, m_target**2
    s = big + 2.0 * m_target * energy
    lam = (s - big - m2) ** 2 - 4.0 * big * m2
    above = (energy > threshold_energy(m_N, m_target)) & (lam > 0)
    root = np.sqrt(np.where(above, lam, 0.0))
    q2_min = 4.0 * big * m2**2 / ((s - big - m2 + root) * (s - big + m2 + root))
    q2_max = (s - big) * (s - big + m2 + root) / (2.0 * s) - m2
    return np.where(above, q2_min, 0.0), np.where(above, q2_max, 0.0)


def q2_at_angle(
    energy: ArrayLike, cos_theta: ArrayLike, m_N: float, m_target: ArrayLike
) -> NDArray[np.float64]:
    """Q^2 (GeV^2) at which the HNL of nu(E) + T -> N + T (T of mass M at rest) leaves at
    cos(theta_N) in [0, 1] (forward hemisphere): the inverse of :func:`hnl_energy_and_angle`.

    With A = M E + m_N^2 / 2, energy and momentum conservation give
    (E + M) E_N - E cos(theta) p_N = A, whose forward root is
    E_N = (b + D^(1/2)) / a, a = (E + M)^2 - E^2 cos^2(theta), b = A (E + M),
    D = b^2 - a (A^2 + E^2 cos^2(theta) m_N^2). Then Q^2 = 2 M (E - E_N), written without
    cancellation (heavy nuclei, small angles) as

        Q^2 = 2 M (E^2 (E^2 - m_N^2) sin^2(theta) + m_N^4 / 4) / (a E - b + D^(1/2)),

    which is Q^2_min at theta = 0. Angles beyond the largest one the kinematics allow
    (m_N > M) give the Q^2 of that largest angle (D clipped at 0).
    """
    e = np.asarray(energy, dtype=float)
    mass = np.asarray(m_target, dtype=float)
    cos2 = np.asarray(cos_theta, dtype=float) ** 2
    big_a = mass * e + 0.5 * m_N**2
    a = (e + mass) ** 2 - e**2 * cos2
    b = big_a * (e + mass)
    root = np.sqrt(np.maximum(b**2 - a * (big_a**2 + e**2 * cos2 * m_N**2), 0.0))
    numerator = e**2 * (e**2 - m_N**2) * (1.0 - cos2) + 0.25 * m_N**4
    return np.asarray(2.0 * mass * numerator / (a * e - b + root), dtype=np.float64)


def hnl_energy_and_angle(
    energy: ArrayLike, q2: ArrayLike, m_N: float, m_target: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lab energy E_N (GeV) and cos(theta_N) w.r.t. the neutrino of the HNL at given Q^2.

    Elastic recoil: E_N = E - Q^2/(2M); Q^2 = -(k - k')^2 gives
    cos(theta_N) = (2 E E_N - m_N^2 - Q^2) / (2 E |k'|), clipped to [-1, 1] against rounding.
    """
    energy = np.asarray(energy, dtype=float)
    q2 = np.asarray(q2, dtype=float)
    e_n = energy - q2 / (2.0 * np.asarray(m_target, dtype=float))
    p_n = np.sqrt(np.maximum(e_n**2 - m_N**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = (2.0 * energy * e_n - m_N**2 - q2) / (2.0 * energy * p_n)
    return e_n, np.clip(np.nan_to_num(cos, nan=1.0), -1.0, 1.0)


def orthonormal_basis(
    axis: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Right-handed unit vectors (e1, e2, e3) with e3 along ``axis`` (shape (..., 3)).

    e1 is built from the coordinate axis least aligned with e3, so the construction is stable
    for every direction, including the beam axis itself.
    """
    e3 = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    helper = np.zeros_like(e3)
    smallest = np.argmin(np.abs(e3), axis=-1)
    np.put_along_axis(helper, smallest[..., None], 1.0, axis=-1)
    e1 = np.cross(helper, e3)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(e3, e1)
    return e1, e2, e3


def rotate_from_z(
    cos_theta: ArrayLike, phi: ArrayLike, axis: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Unit vectors at polar angle theta and azimuth phi about ``axis`` (shape (..., 3)).

    phi is measured from e1 of :func:`orthonormal_basis` (for ``axis`` = +z that is -y, not +x):
    use it with uniform phi; build lab-frame directions explicitly when phi has a meaning.
    """
    cos_theta = np.asarray(cos_theta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    sin_theta = np.sqrt(np.clip(1.0 - cos_theta**2, 0.0, 1.0))
    e1, e2, e3 = orthonormal_basis(axis)
    rotated: NDArray[np.float64] = (
        (sin_theta * np.cos(phi))[..., None] * e1
        + (sin_theta * np.sin(phi))[..., None] * e2
        + cos_theta[..., None] * e3
    )
    return rotated


def boost(p4: NDArray[np.float64], beta: NDArray[np.float64]) -> NDArray[np.float64]:
    """Lorentz-boost four-vectors ``p4`` (..., 4) by velocity ``beta`` (..., 3), |beta| < 1.

    E' = gamma (E + beta.p),  p' = p + [(gamma - 1)(beta.p)/beta^2 + gamma E] beta.
    A particle at rest in the moving frame ends up with velocity +beta.
    """
    b2 = np.sum(beta**2, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p4[..., 1:], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        coeff = np.where(b2 > 0, (gamma - 1.0) * bp / b2, 0.0) + gamma * p4[..., 0]
    out = np.empty(np.broadcast_shapes(p4.shape, (*beta.shape[:-1], 4)))
    out[..., 0] = gamma * (p4[..., 0] + bp)
    out[..., 1:] = p4[..., 1:] + coeff[..., None] * beta
    return out

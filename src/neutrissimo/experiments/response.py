"""The response contract shared by every experiment: true photons -> reconstructed showers.

Each experiment's ``response`` module provides the same five functions with the same argument
order, units, return types and errors:

==========================================================  ====================================
``detector_response(energy_gev, direction, rng, config)``   :class:`Reconstructed`
``smear_energy(energy_gev, rng, config)``                    reconstructed energies, GeV
``smear_direction(direction, energy_gev, rng, config)``      reconstructed unit vectors (n, 3)
``energy_resolution(energy_gev, config)``                    Gaussian width sigma_E, GeV
``angular_resolution(energy_gev, config)``                   Gaussian width sigma_theta, rad
==========================================================  ====================================

``energy_gev`` is the true photon energy (a photon's kinetic energy is its energy), shape (n,);
``direction`` the true unit directions, shape (n, 3), beam along +z; ``rng`` an explicit
:class:`numpy.random.Generator`; ``config`` the experiment's configuration (default: its
shipped TOML). Bad photon arrays raise :class:`~neutrissimo.exceptions.PhysicsDomainError`
(:func:`check_photons`). The response does not depend on event weights, so one response serves
every coupling of a reweighted scan: the reconstructed weight of an event is
``weight * reco.efficiency``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import PhysicsDomainError
from neutrissimo.physics.kinematics import rotate_from_z

__all__ = [
    "DetectorResponse",
    "Reconstructed",
    "check_energies",
    "check_photons",
    "kick_directions",
]


@dataclass(frozen=True, eq=False)
class Reconstructed:
    """Reconstructed showers, one per true photon (arrays aligned with the input).

    Attributes:
        energy_gev: reconstructed (visible) shower energy, GeV, shape (n,).
        direction: reconstructed unit direction, shape (n, 3), beam along +z.
        efficiency: probability that the photon is detected and passes the experiment's
            thresholds (0 for rejected photons; 1 where the experiment has no such factor).
    """

    energy_gev: NDArray[np.float64] = field(repr=False)
    direction: NDArray[np.float64] = field(repr=False)
    efficiency: NDArray[np.float64] = field(repr=False)

    @property
    def cos_theta(self) -> NDArray[np.float64]:
        """Cosine of the reconstructed angle to the beam (+z), clipped to [-1, 1]."""
        return np.clip(self.direction[:, 2], -1.0, 1.0)

    def __len__(self) -> int:
        return int(self.energy_gev.shape[0])


class DetectorResponse(Protocol):
    """What an experiment's ``detector_response`` is (see the module docstring)."""

    def __call__(
        self,
        energy_gev: ArrayLike,
        direction: ArrayLike,
        rng: np.random.Generator,
        config: Any = None,
    ) -> Reconstructed: ...


def check_energies(energy_gev: ArrayLike, what: str = "photon energy") -> NDArray[np.float64]:
    """``energy_gev`` as a float array (any shape) of finite values >= 0 (GeV).

    Raises:
        PhysicsDomainError: NaN, infinite or negative values (counted).
    """
    e = np.asarray(energy_gev, dtype=float)
    bad = ~np.isfinite(e) | (e < 0)
    if np.any(bad):
        raise PhysicsDomainError(
            f"{what} must be finite and >= 0 (GeV); {np.count_nonzero(bad)} of {e.size} "
            "values are not."
        )
    return e


def check_photons(
    energy_gev: ArrayLike, direction: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(energies, directions) checked: energies as :func:`check_energies`, directions unit
    vectors of shape (n, 3) (|u| = 1 within 1e-6), one per energy.

    Raises:
        PhysicsDomainError: a bad array, naming the problem and the fix.
    """
    e = check_energies(energy_gev)
    if e.ndim != 1:
        raise PhysicsDomainError(f"photon energy must be a 1-D array (GeV); got shape {e.shape}.")
    u = np.asarray(direction, dtype=float)
    if u.ndim != 2 or u.shape != (e.size, 3):
        raise PhysicsDomainError(
            f"Photon directions must have shape ({e.size}, 3), one per energy; got {u.shape}."
        )
    norm = np.linalg.norm(u, axis=1)
    bad = ~(np.abs(norm - 1.0) <= 1e-6)
    if np.any(bad):
        raise PhysicsDomainError(
            f"Photon directions must be finite unit vectors (|u| = 1 within 1e-6); "
            f"{np.count_nonzero(bad)} are not. Normalise them first."
        )
    return e, u


def kick_directions(
    direction: ArrayLike, sigma_rad: ArrayLike, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Unit vectors (n, 3) rotated by a polar angle delta ~ N(0, sigma_rad) about themselves at
    a uniform azimuth (the paper's Sec. V.A smearing recipe, used by both experiments): the
    result makes the angle |delta| with the input. Draws: n normals, then n uniforms."""
    d = np.asarray(direction, dtype=float)
    delta = rng.standard_normal(d.shape[0]) * np.asarray(sigma_rad, dtype=float)
    phi = rng.uniform(0.0, 2.0 * np.pi, d.shape[0])
    return rotate_from_z(np.cos(delta), phi, d)

"""The MINERvA detector response: true photons -> reconstructed showers.

Detector response (Sec. V.A), vectorised, with an explicit ``numpy.random.Generator``:

* energy: E_reco = E (1 + r sigma_E/E), r ~ N(0, 1), sigma_E/E = 5.9%/sqrt(E/GeV) + 3.4%
  evaluated at the true E; E_reco is clipped at 0 (reachable only far below the 0.8 GeV cut).
* direction: a polar angle delta ~ N(0, sigma_theta = 0.7 deg) and an azimuth phi ~ U[0, 2 pi)
  about the *true* photon direction (``kinematics.rotate_from_z(cos delta, phi, axis=true)``):
  the paper's "rotate by delta w.r.t. its momentum, assign phi, rotate back to the lab by the
  original polar angle". The sign of delta is immaterial (phi is uniform), so |delta| is
  half-normal. Draw order: energy normals, then delta, then phi.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.experiments.minerva.config import MinervaConfig, _config
from neutrissimo.experiments.response import (
    Reconstructed,
    check_energies,
    check_photons,
    kick_directions,
)

__all__ = [
    "angular_resolution",
    "detector_response",
    "energy_resolution",
    "smear_direction",
    "smear_energy",
]


def _fractional_resolution(e: NDArray[np.float64], cfg: MinervaConfig) -> NDArray[np.float64]:
    """sigma_E/E = a/sqrt(E/GeV) + b; infinite at E = 0 (no shower)."""
    res = cfg.response
    with np.errstate(divide="ignore"):
        return res.energy_stochastic / np.sqrt(e) + res.energy_constant


def energy_resolution(
    energy_gev: ArrayLike, config: MinervaConfig | None = None
) -> NDArray[np.float64]:
    """Gaussian width of the shower energy, GeV: sigma_E = E (a/sqrt(E/GeV) + b) (Sec. V.A;
    a = 5.9 %, b = 3.4 %)."""
    e = check_energies(energy_gev)
    return e * _fractional_resolution(e, _config(config))


def angular_resolution(
    energy_gev: ArrayLike, config: MinervaConfig | None = None
) -> NDArray[np.float64]:
    """Gaussian width of the shower direction, rad: 0.7 degrees at every energy (Sec. V.A)."""
    e = check_energies(energy_gev)
    return np.full(e.shape, _config(config).response.angle_sigma)


def smear_energy(
    energy_gev: ArrayLike, rng: np.random.Generator, config: MinervaConfig | None = None
) -> NDArray[np.float64]:
    """Reconstructed shower energies (GeV): E (1 + N(0,1) sigma_E/E), clipped at 0."""
    e = check_energies(energy_gev)
    z = rng.standard_normal(e.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        reco = e * (1.0 + z * _fractional_resolution(e, _config(config)))
    return np.where(e > 0, np.maximum(reco, 0.0), 0.0)


def smear_direction(
    direction: ArrayLike,
    energy_gev: ArrayLike,
    rng: np.random.Generator,
    config: MinervaConfig | None = None,
) -> NDArray[np.float64]:
    """Reconstructed shower directions: a Gaussian polar kick (sigma_theta) with uniform azimuth
    about each true direction (Sec. V.A); unit vectors of shape (n, 3)."""
    return kick_directions(direction, angular_resolution(energy_gev, config), rng)


def detector_response(
    energy_gev: ArrayLike,
    direction: ArrayLike,
    rng: np.random.Generator,
    config: MinervaConfig | None = None,
) -> Reconstructed:
    """Apply the MINERvA response (energy and angle smearing) to photons.

    The contract of :mod:`neutrissimo.experiments.response`; MINERvA has no efficiency factor
    beyond its cuts (:mod:`~neutrissimo.experiments.minerva.selection`), so ``efficiency`` is 1.
    Random draws: energy normals, then the polar angle, then the azimuth.
    """
    cfg = _config(config)
    e, u = check_photons(energy_gev, direction)
    return Reconstructed(
        smear_energy(e, rng, cfg), smear_direction(u, e, rng, cfg), np.ones(e.shape)
    )

"""Per-mass precomputation of the weighted Monte Carlo (:mod:`neutrissimo.simulation.injection`):
the scattering species and their number densities per volume, the cross-section tables, the
energy proposal in the flux quantile u, the cross sections of every species on a grid in u,
and the choice of target and helicity at a vertex."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.physics.cross_sections import Target
from neutrissimo.physics.kinematics import threshold_energy
from neutrissimo.simulation.cross_section_tables import (
    ChannelGrid,
    CrossSectionTable,
    channel_grid,
    tabulate,
)
from neutrissimo.simulation.production_proposals import energy_components
from neutrissimo.simulation.setup import Setup, Species, species_of

__all__ = ["Prepared", "choose_species", "prepare"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Prepared:
    """Per-mass precomputation: species, tables, densities, the energy proposal and the
    cross sections on a grid in the flux quantile."""

    setup: Setup
    m_N: float
    species: list[Species]
    tables: list[CrossSectionTable]  # parallel to species
    densities: FloatArray  # (V, S): species per cm^3 in each volume
    threshold: float  # lowest production threshold over the species, GeV
    flux_above: float  # I_th: nu / cm^2 / POT above threshold
    u_edges: FloatArray  # energy proposal: bins in the flux quantile u
    u_components: FloatArray  # (bins, 3): its mixture components' densities in u
    sigma_u: ChannelGrid  # sigma_{s,h}(E(u)) on 4097 points in u


@functools.lru_cache(maxsize=128)
def _table(target: Target, m_N: float, e_max: float) -> CrossSectionTable:
    """:func:`tabulate` of ``target`` at ``m_N`` up to ``e_max`` (GeV), kept for the next sample
    of the same mass in this process (scan replicas, pilot and main runs): a pure function of
    its arguments, and the most expensive part of setting up a sample."""
    return tabulate(target, m_N, e_max=e_max)


def prepare(setup: Setup, m_N: float) -> Prepared:
    """The per-mass precomputation of ``setup`` for an HNL of ``m_N`` (GeV).

    Raises:
        ConfigurationError: the setup has no scattering species.
        PhysicsDomainError: m_N above the kinematic reach of the flux.
    """
    species = species_of(setup)
    if not species:
        raise ConfigurationError(f"Setup '{setup.name}' has no scattering species.")
    detector = setup.detector
    densities = np.zeros((detector.n_volumes, len(species)))
    for s, sp in enumerate(species):
        column = detector.nuclei.index(sp.nucleus)
        densities[:, s] = detector.number_density[:, column] * sp.multiplicity
    threshold = min(float(threshold_energy(m_N, sp.target.mass)) for sp in species)
    e_max = float(setup.flux.e_max)
    if e_max <= threshold * (1 + 1e-6):
        raise PhysicsDomainError(
            f"m_N = {m_N} GeV is above the kinematic reach of '{setup.name}': it needs "
            f"E_nu > {threshold:.4g} GeV and the flux ends at {e_max:.4g} GeV."
        )
    tables = [_table(sp.target, m_N, e_max) for sp in species]
    # Energy proposal: sigma_ref = interaction rate per cm in the volume holding the fiducial
    # centre, on 512 bins uniform in the flux quantile u above threshold.
    low, high = detector.fiducial.bounding_box()
    reference = detector.locate(0.5 * (low + high)[None, :])[0]
    ref_densities = densities[max(int(reference), 0)]
    u_edges = np.linspace(0.0, 1.0, 513)
    u_mid = 0.5 * (u_edges[1:] + u_edges[:-1])
    energy = np.asarray(setup.flux.quantile(u_mid, e_min=threshold), dtype=float)
    g = sum(d * t.cross_section(energy) for d, t in zip(ref_densities, tables, strict=True))
    u_components = energy_components(u_edges, energy, np.asarray(g, dtype=float))
    flux_above = float(setup.flux.integral(e_min=threshold))
    u_grid = setup.flux.quantile(np.linspace(0.0, 1.0, 4097), e_min=threshold)
    sigma_u = channel_grid(tables, np.minimum(np.asarray(u_grid, dtype=float), e_max))
    return Prepared(
        setup, m_N, species, tables, densities, threshold, flux_above, u_edges, u_components,
        sigma_u,
    )  # fmt: skip


def choose_species(
    prep: Prepared, rng: np.random.Generator, volume: NDArray[np.intp], sigma_h: FloatArray
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
    """Species s and helicity h (0 flip, 1 conserve) with probability n_s sigma_{s,h} / lambda;
    returns them and the chosen sigma_{s,h} (table value, cm^2 at d = 1)."""
    n, n_species, _ = sigma_h.shape
    dens = prep.densities[np.maximum(volume, 0)]  # (n, S)
    rates = (dens[:, :, None] * sigma_h).reshape(n, 2 * n_species)
    cumulative = np.cumsum(rates, axis=1)
    level = rng.random(n) * cumulative[:, -1]
    pick = np.minimum((cumulative <= level[:, None]).sum(axis=1), 2 * n_species - 1)
    species, helicity = np.divmod(pick, 2)
    chosen = sigma_h.reshape(n, 2 * n_species)[np.arange(n), pick]
    return species, helicity, chosen

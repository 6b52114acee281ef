"""Materials: density, composition by nucleus, number densities and radiation lengths.

A :class:`Material` is a density rho (g/cm^3) and mass fractions w_i of nuclei named as
:func:`neutrissimo.physics.nuclei.nucleus` accepts them (``"C12"``, ``"O16"``, ``"Pb208"``; ``"H1"``
is hydrogen, whose nucleus is a free proton). From them:

* number density of nucleus i (nuclei/cm^3): ``n_i = rho w_i N_A / A_i`` with A_i the molar mass
  of the *atom* in g/mol, ``A_i = (M_nucleus + Z m_e) / u`` (AME2020 atomic mass; it differs from
  the bare nuclear mass over u by Z m_e / M < 3e-4). Mass fractions of a material are fractions
  of atoms (electrons included), so the atomic mass is the consistent choice.
* radiation length of element (Z, A) in g/cm^2, Tsai's formula as given in the PDG review
  "Passage of particles through matter" (R.L. Workman et al., PTEP 2022, 083C01, Sec. 34.4.1,
  eq. 34.25 and Table 34.2; Y.S. Tsai, Rev. Mod. Phys. 46, 815 (1974))::

      1/X0 = 4 alpha r_e^2 (N_A / A) { Z^2 [L_rad - f(Z)] + Z L'_rad },
      L_rad = ln(184.15 Z^-1/3), L'_rad = ln(1194 Z^-2/3)            (Z > 4; Table 34.2 below),
      f(Z) = a^2 [ (1 + a^2)^-1 + 0.20206 - 0.0369 a^2 + 0.0083 a^4 - 0.002 a^6 ],  a = alpha Z.

  This is the formula behind the PDG's tabulated X0 (water 36.08, carbon 42.70, iron 13.84,
  lead 6.37 g/cm^2); the compact fit of eq. 34.26, ``716.4 A / [Z (Z+1) ln(287/sqrt Z)]``, is
  :func:`radiation_length_compact` (within 2.5% of Tsai for Z > 2).
* mixtures: ``1/X0 = sum_i w_i / X0_i`` (PDG eq. 34.28), X0 in g/cm^2; in cm, X0 / rho.
* the high-energy pair-production mean free path of a photon, ``lambda_pair = 9/7 X0 / rho``
  (cm; PDG eq. 34.31, asymptotic in E_gamma), used for the photon-conversion step.

Mass fractions must sum to 1 within 1e-3 (rounded tables such as SIREN's ``materials.dat`` sum to
0.9997-1.0003); they are then renormalised to exactly 1 so that the nuclei carry the full density.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.constants import ALPHA_EM, AMU_GEV, AVOGADRO, HBARC_GEV_CM, M_ELECTRON
from neutrissimo.physics.nuclei import nucleus

__all__ = [
    "MASS_FRACTION_TOLERANCE",
    "Material",
    "atomic_mass",
    "radiation_length_compact",
    "radiation_length_element",
]

#: Largest allowed |sum of mass fractions - 1| before a material is rejected.
MASS_FRACTION_TOLERANCE: float = 1e-3

#: Classical electron radius r_e = alpha hbar c / m_e, in cm.
_R_E_CM: float = ALPHA_EM * HBARC_GEV_CM / M_ELECTRON
#: 4 alpha r_e^2 N_A in cm^2/mol (= 1 / 716.408 g^-1 cm^2 times g/mol), PDG Table 34.1.
_X0_PREFACTOR: float = 4.0 * ALPHA_EM * _R_E_CM**2 * AVOGADRO
#: (L_rad, L'_rad) for Z = 1..4 (PDG Table 34.2; Tsai 1974 Table B.2).
_LRAD_LIGHT: dict[int, tuple[float, float]] = {
    1: (5.31, 6.144),
    2: (4.79, 5.621),
    3: (4.74, 5.805),
    4: (4.71, 5.924),
}


def atomic_mass(name: str) -> float:
    """Molar mass of the neutral atom of nucleus ``name`` in g/mol: (M_nucleus + Z m_e) / u."""
    nuc = nucleus(name)
    return (nuc.mass + nuc.Z * M_ELECTRON) / AMU_GEV


def radiation_length_element(Z: int, A: float) -> float:
    """Radiation length X0 in g/cm^2 of an element of charge Z and molar mass A (g/mol), Tsai.

    PDG review "Passage of particles through matter", eq. 34.25 with Table 34.2 (module docstring).
    """
    if Z < 1 or A <= 0:
        raise ConfigurationError(f"Radiation length needs Z >= 1 and A > 0, got Z={Z}, A={A}.")
    if Z in _LRAD_LIGHT:
        l_rad, l_rad_prime = _LRAD_LIGHT[Z]
    else:
        l_rad = math.log(184.15 * Z ** (-1.0 / 3.0))
        l_rad_prime = math.log(1194.0 * Z ** (-2.0 / 3.0))
    a2 = (ALPHA_EM * Z) ** 2
    f_coulomb = a2 * (1.0 / (1.0 + a2) + 0.20206 - 0.0369 * a2 + 0.0083 * a2**2 - 0.002 * a2**3)
    return A / (_X0_PREFACTOR * (Z * Z * (l_rad - f_coulomb) + Z * l_rad_prime))


def radiation_length_compact(Z: int, A: float) -> float:
    """X0 in g/cm^2 from the compact fit 716.4 A / [Z (Z+1) ln(287/sqrt Z)] (PDG eq. 34.26)."""
    if Z < 1 or A <= 0:
        raise ConfigurationError(f"Radiation length needs Z >= 1 and A > 0, got Z={Z}, A={A}.")
    return 716.4 * A / (Z * (Z + 1) * math.log(287.0 / math.sqrt(Z)))


@functools.cache
def _element_radiation_length(name: str) -> float:
    return radiation_length_element(nucleus(name).Z, atomic_mass(name))


@dataclass(frozen=True)
class Material:
    """A homogeneous material.

    Attributes:
        name: label, e.g. ``"MINERAL_OIL"``.
        density: mass density in g/cm^3 (> 0).
        composition: ``((nucleus name, mass fraction), ...)``; a mapping is accepted and
            converted. Names are canonicalised (``"12c"`` -> ``"C12"``), fractions renormalised.

    Raises:
        ConfigurationError: non-positive density, a negative or zero fraction, a repeated
            nucleus, or fractions whose sum differs from 1 by more than 1e-3.
        UnknownNucleusError: a nucleus name not in the nuclear tables.
    """

    name: str
    density: float
    composition: tuple[tuple[str, float], ...]

    def __post_init__(self) -> None:
        items = (
            tuple(self.composition.items())
            if isinstance(self.composition, Mapping)
            else tuple((str(k), v) for k, v in self.composition)
        )
        if not (isinstance(self.density, int | float) and math.isfinite(self.density)):
            raise ConfigurationError(
                f"Material '{self.name}': density must be a number in g/cm^3, got {self.density!r}."
            )
        if self.density <= 0:
            raise ConfigurationError(
                f"Material '{self.name}': density must be > 0 g/cm^3, got {self.density}."
            )
        if not items:
            raise ConfigurationError(f"Material '{self.name}': empty composition.")
        canonical: list[tuple[str, float]] = []
        for key, frac in items:
            if not isinstance(frac, int | float) or not math.isfinite(frac) or frac <= 0:
                raise ConfigurationError(
                    f"Material '{self.name}': mass fraction of '{key}' must be a number > 0, "
                    f"got {frac!r}."
                )
            canonical.append((nucleus(key).name, float(frac)))
        names = [k for k, _ in canonical]
        if len(set(names)) != len(names):
            raise ConfigurationError(
                f"Material '{self.name}': a nucleus appears twice in the composition {names}."
            )
        total = sum(f for _, f in canonical)
        if abs(total - 1.0) > MASS_FRACTION_TOLERANCE:
            raise ConfigurationError(
                f"Material '{self.name}': mass fractions sum to {total:.6g}, not 1 "
                f"(tolerance {MASS_FRACTION_TOLERANCE:g}). Fix the fractions of {names}."
            )
        object.__setattr__(self, "density", float(self.density))
        object.__setattr__(self, "composition", tuple((k, f / total) for k, f in canonical))

    @property
    def nuclei(self) -> tuple[str, ...]:
        """Canonical nucleus names, in the order of the composition."""
        return tuple(k for k, _ in self.composition)

    @property
    def mass_fractions(self) -> NDArray[np.float64]:
        """Mass fractions w_i (sum to 1)."""
        return np.array([f for _, f in self.composition])

    @property
    def molar_masses(self) -> NDArray[np.float64]:
        """Atomic molar masses A_i in g/mol."""
        return np.array([atomic_mass(k) for k in self.nuclei])

    @property
    def number_densities(self) -> NDArray[np.float64]:
        """n_i = rho w_i N_A / A_i in nuclei per cm^3."""
        return self.density * self.mass_fractions * AVOGADRO / self.molar_masses

    def number_density(self, name: str) -> float:
        """Number density (cm^-3) of nucleus ``name``; 0 if the material does not contain it."""
        key = nucleus(name).name
        if key not in self.nuclei:
            return 0.0
        return float(self.number_densities[self.nuclei.index(key)])

    @property
    def radiation_length_g(self) -> float:
        """Radiation length X0 in g/cm^2: 1/X0 = sum_i w_i / X0_i (Tsai X0_i)."""
        inverse = sum(f / _element_radiation_length(k) for k, f in self.composition)
        return 1.0 / inverse

    @property
    def radiation_length(self) -> float:
        """Radiation length X0 / rho in cm."""
        return self.radiation_length_g / self.density

    @property
    def pair_length(self) -> float:
        """High-energy pair-production mean free path 9/7 X0 / rho in cm."""
        return 9.0 / 7.0 * self.radiation_length

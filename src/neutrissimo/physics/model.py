"""The dipole-portal model: an HNL N of mass m_N with transition magnetic moments d_alpha.

Lagrangian (paper eq. 2; Kamp et al., arXiv:2206.07100):

    L ⊃ d_alpha  nubar_alpha sigma_{mu nu} F^{mu nu} P_R N  +  h.c.,   d_alpha in GeV^-1.

From the same Lagrangian follow the upscattering vertex 2 d sigma^{mu nu} q_nu (see
:mod:`neutrissimo.physics.cross_sections`) and the radiative width (paper eq. 5)

    Gamma(N -> nu_alpha gamma) = |d_alpha|^2 m_N^3 / (4 pi)          (Dirac N),

i.e. (|mu|^2 + |eps|^2) m^3 / (8 pi) with mu = eps = d for the chiral vertex. A Majorana N also
decays to nubar_alpha gamma at the same rate, so its width is twice as large. The mapping onto
DarkNews' ``mu_tr_mu4`` is tabulated in ``docs/conventions.md``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.constants import HBAR_GEV_S, HBARC_GEV_CM

__all__ = ["FLAVOURS", "MAX_MASS_GEV", "DipoleModel", "Flavour", "HNLNature"]

Flavour = Literal["e", "mu", "tau"]
FLAVOURS: tuple[Flavour, ...] = ("e", "mu", "tau")
#: Largest HNL mass accepted, GeV: far above the reach of any accelerator neutrino beam.
MAX_MASS_GEV = 1000.0
HNLNature = Literal["dirac", "majorana"]


def _real(value: object, what: str, unit: str) -> float:
    """``value`` as a float; a bool, an array or a non-number raises with ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigurationError(f"{what} must be a single number in {unit}, got {value!r}.")
    return float(value)


@dataclass(frozen=True)
class DipoleModel:
    """A dipole-coupled HNL.

    Attributes:
        m_N: HNL mass in GeV (> 0).
        d_e, d_mu, d_tau: transition magnetic moments to nu_e, nu_mu, nu_tau in GeV^-1 (>= 0;
            only |d| enters any observable here, so the sign convention is d >= 0).
        nature: ``"dirac"`` (the paper's assumption) or ``"majorana"``.

    Raises:
        ConfigurationError: on a non-positive or non-finite mass, a negative or non-finite
            coupling, or an unknown nature.

    Example (the paper's Fig. 3-4 benchmark; Gamma = d^2 m_N^3 / (4 pi), eq. 5):

    >>> model = DipoleModel(m_N=0.47, d_mu=1.25e-6)
    >>> round(model.width / (1.25e-6**2 * 0.47**3 / (4 * 3.141592653589793)), 12)
    1.0
    >>> f"{model.ctau:.3g} cm"
    '1.53 cm'
    >>> model.with_couplings(d_mu=2.5e-6).ctau / model.ctau  # c tau ~ 1/d^2
    0.25
    """

    m_N: float
    d_e: float = 0.0
    d_mu: float = 0.0
    d_tau: float = 0.0
    nature: HNLNature = "dirac"

    def __post_init__(self) -> None:
        object.__setattr__(self, "m_N", _real(self.m_N, "HNL mass m_N", "GeV"))
        if not (math.isfinite(self.m_N) and 0 < self.m_N <= MAX_MASS_GEV):
            raise ConfigurationError(
                f"HNL mass m_N must be a positive number of GeV up to {MAX_MASS_GEV:g} GeV (above "
                f"any accelerator neutrino beam), got {self.m_N!r}."
            )
        for flavour in FLAVOURS:
            name = f"d_{flavour}"
            value = _real(getattr(self, name), f"Dipole coupling {name}", "GeV^-1")
            if not (math.isfinite(value) and value >= 0):
                raise ConfigurationError(
                    f"Dipole coupling {name} must be a finite number >= 0 in GeV^-1, got "
                    f"{value!r} (only |d| is physical: pass the magnitude)."
                )
            object.__setattr__(self, name, value)
        if self.nature not in ("dirac", "majorana"):
            raise ConfigurationError(
                f"HNL nature must be 'dirac' or 'majorana', got {self.nature!r}."
            )
        # Narrow width: production and decay factorise only if Gamma << m_N. Compared in
        # d^2 < 4 pi / m_N^2 (no overflow for any finite input).
        d2 = sum(self.coupling(f) ** 2 if self.coupling(f) < 1e150 else math.inf for f in FLAVOURS)
        factor = 2.0 if self.nature == "majorana" else 1.0
        if not factor * d2 * self.m_N**2 / (4.0 * math.pi) < 1.0:
            limit = math.sqrt(4.0 * math.pi / factor) / self.m_N
            ctau = HBARC_GEV_CM / (factor * d2 * self.m_N**3 / (4.0 * math.pi))
            raise ConfigurationError(
                f"Couplings sqrt(sum d^2) = {math.sqrt(d2):.3g} GeV^-1 give a width Gamma >= m_N "
                f"at m_N = {self.m_N:g} GeV (decay length c tau = {ctau:.3g} cm, below the "
                f"HNL's Compton wavelength {HBARC_GEV_CM / self.m_N:.3g} cm): the HNL is not a "
                "narrow particle and production and decay no longer factorise, so no sample "
                f"can represent it. Fix: use couplings below {limit:.3g} GeV^-1."
            )

    def coupling(self, flavour: Flavour) -> float:
        """d_alpha for ``flavour`` in GeV^-1."""
        return float(getattr(self, f"d_{flavour}"))

    def with_couplings(self, **couplings: float) -> DipoleModel:
        """The same HNL with some couplings changed, e.g. ``model.with_couplings(d_mu=1e-7)``."""
        return replace(self, **couplings)  # type: ignore[arg-type]

    def partial_width(self, flavour: Flavour) -> float:
        """Gamma(N -> nu_alpha gamma) in GeV: |d_alpha|^2 m_N^3 / (4 pi), x2 for Majorana
        (which adds N -> nubar_alpha gamma)."""
        factor = 2.0 if self.nature == "majorana" else 1.0
        return factor * self.coupling(flavour) ** 2 * self.m_N**3 / (4.0 * math.pi)

    @property
    def width(self) -> float:
        """Total width in GeV, paper eq. (5) (x2 for Majorana)."""
        return sum(self.partial_width(f) for f in FLAVOURS)

    @property
    def ctau(self) -> float:
        """Proper decay length c tau in cm (``inf`` when every coupling is zero)."""
        return HBARC_GEV_CM / self.width if self.width > 0 else math.inf

    @property
    def lifetime(self) -> float:
        """Proper lifetime tau in s."""
        return HBAR_GEV_S / self.width if self.width > 0 else math.inf

    def decay_length(self, energy: ArrayLike) -> NDArray[np.float64]:
        """Lab-frame mean decay length beta gamma c tau in cm for HNL energy ``energy`` (GeV).

        Raises:
            ConfigurationError: an energy below m_N (the HNL cannot have it).
        """
        energy = np.asarray(energy, dtype=float)
        if np.any(~np.isfinite(energy)) or np.any(energy < self.m_N):
            raise ConfigurationError(
                f"HNL energy must be >= m_N = {self.m_N} GeV, got min {np.min(energy)} GeV."
            )
        return np.sqrt(energy**2 - self.m_N**2) / self.m_N * self.ctau

r"""Dipole upscattering nu_alpha + T -> N + T, split by the helicity of N.

Amplitude. From L = d nubar sigma_{mu nu} F^{mu nu} P_R N + h.c. (paper eq. 2) the lepton vertex
is 2 d sigma^{mu nu} q_nu, q = k - k'. Between on-shell spinors (massless nu, HNL of mass m),

    J^mu_h = ubar_h(k') sigma^{mu nu} q_nu P_L u(k) = i ubar_h(k') [m gamma^mu - K^mu] P_L u(k),

K = k + k'. With one-photon exchange (propagator 1/q^2, q^2 = -Q^2) and the hadronic tensor

    H^{mu nu} = W_E P^mu P^nu - W_M (q^mu q^nu + Q^2 g^{mu nu}),   P = p + p',

    coherent nucleus (spin 0):  W_E = Z^2 F(Q)^2,       W_M = 0,
    free nucleon:               W_E = F1^2 + tau F2^2,   W_M = (F1 + F2)^2,   tau = Q^2/(4 M^2),

the squared amplitude for an HNL of lab-frame helicity h is

    |M_h|^2 = (16 pi alpha d^2 / Q^4) [ W_E |J_h.P|^2 - W_M Q^2 J_h.J_h^* ]

and dsigma/dQ^2 = |M_h|^2 / (16 pi (s - M^2)^2) = |M_h|^2 / (64 pi M^2 E^2) (one neutrino
helicity, unpolarised target at rest). Writing the spinors in the chiral basis with the HNL at
lab angle theta, s = sin(theta/2), c = cos(theta/2), R^2 = E_N + |k'| and a = K.P =
2 M (E + E_N) - m^2, the contractions are

    flip     (h = +1):  |J.P|^2 = 2E s^2 [a R^2 - m^2 (2M - R^2)]^2 / R^2
                        J.J^*   = 2E [R^2 s^2 Q^2 - 2 m^4 c^2 / R^2]
    conserve (h = -1):  |J.P|^2 = 8E M^2 m^2 c^2 (E - |k'|)^2 / R^2
                        J.J^*   = 2E m^2 [c^2 Q^2 / R^2 - 2 R^2 s^2]

free of cancellations: E - |k'| = Q^2/2M + m^2/R^2, and sin^2(theta) =
(2E + M)(Q^2 - Q^2_min)(Q^2_max - Q^2) / (4 M E^2 |k'|^2) near the forward direction. The
helicity-flipping channel (h opposite to the left-handed neutrino) vanishes in the forward
direction and carries everything as m -> 0; the helicity-conserving one is O(m^2). These forms
were derived by hand, agree with the covariant traces to 1e-9 where those are well
conditioned, and are checked in the tests against an explicit Dirac-matrix computation.

Helicity is frame dependent for a massive N. The default, ``frame="lab"`` (target rest
frame), is the one the Monte Carlo needs: the decay is boosted from the N rest frame along the
lab direction of flight, and the (1 -+ cos) decay distributions refer to lab helicity.
``frame="cm"`` uses helicity in the nu-target centre-of-mass frame, DarkNews' convention; it is
computed from the covariant traces with the spin vector of a general frame of four-velocity u,

    m s^mu = [(k'.u) k'^mu - m^2 u^mu] / sqrt((k'.u)^2 - m^2),
    |J_h.P|^2 = (S0 + h S1)/2,   J_h.J_h^* = (G0 + h G1)/2,
    S0 = 2 m^2 [2 (k'P)(kP) - (kk') P^2] - 4 a m^2 (kP) + 2 a^2 (kk'),
    S1 = -2 m^2 [2 (m s.P)(kP) - (m s.k) P^2] + 4 a [(kk')(m s.P) - (k'P)(m s.k)] + 2 a^2 (m s.k),
    G0 = (m^2 + Q^2)(Q^2 - 2 m^2),   G1 = 2 (m s.k)(2 m^2 + Q^2).

The sum over helicities does not depend on the frame. The spin density matrix of N also has
off-diagonal (transverse-polarisation) terms; like the paper, we keep helicity probabilities
only.

Checks: as m -> 0 and Q -> 0 the coherent rate is 4 alpha d^2 Z^2 F^2 / Q^2, the textbook
magnetic-moment result alpha mu^2 Z^2 / Q^2 with mu = 2 d. By CP, a right-handed antineutrino
upscattering to Nbar has the same helicity-flip and helicity-conserving cross sections (with
the helicities of Nbar reversed), so the functions here serve nu and nubar alike.

"What to use when": :func:`dsigma_dq2` for shapes and event weights, :func:`total_cross_section`
for sigma(E) at a few energies,
:class:`neutrissimo.simulation.cross_section_tables.CrossSectionTable` to evaluate sigma(E) many
times (Monte Carlo).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError, PhysicsDomainError
from neutrissimo.physics.constants import ALPHA_EM, GEV2_TO_CM2, M_NEUTRON, M_PROTON
from neutrissimo.physics.form_factors import (
    FORM_FACTOR_KINDS,
    FormFactorKind,
    nuclear_form_factor,
    nucleon_form_factors,
)
from neutrissimo.physics.kinematics import q2_range, threshold_energy
from neutrissimo.physics.model import MAX_MASS_GEV
from neutrissimo.physics.nuclei import Nucleus, nucleus

__all__ = [
    "HELICITIES",
    "Channel",
    "Helicity",
    "HelicityFrame",
    "Target",
    "dsigma_dq2",
    "dsigma_dq2_channels",
    "dsigma_dy",
    "flux_averaged_cross_section",
    "make_target",
    "total_cross_section",
    "total_cross_section_channels",
]

Channel = Literal["coherent", "proton", "neutron"]
HelicityFrame = Literal["lab", "cm"]
Helicity = Literal["flip", "conserve", "total"]
HELICITIES: tuple[str, ...] = ("flip", "conserve", "total")
_HELICITY_SIGN = {"flip": 1.0, "conserve": -1.0}


class FluxLike(Protocol):
    """What :func:`flux_averaged_cross_section` needs of a flux (:mod:`neutrissimo.beams.flux`)."""

    @property
    def e_max(self) -> float: ...

    def integral(
        self, e_min: ArrayLike | None = None, e_max: ArrayLike | None = None
    ) -> float | NDArray[np.float64]: ...

    def quantile(self, q: ArrayLike, e_min: float = 0.0) -> float | NDArray[np.float64]: ...


#: Gauss-Legendre nodes in ln Q^2 of the total cross section: converged to < 1e-6 relative
#: (checked in the tests against 8x as many nodes).
DEFAULT_QUADRATURE_NODES = 96


@dataclass(frozen=True)
class Target:
    """A scattering target: a nucleus (coherent) or a free nucleon (elastic).

    Attributes:
        name: ``"C12"``, ``"proton"``, ``"neutron"``...
        channel: ``"coherent"``, ``"proton"`` (elastic) or ``"neutron"`` (elastic).
        mass: target mass in GeV.
        nucleus: the nucleus, for coherent scattering.
        form_factor: nuclear form-factor parametrisation (coherent only).
    """

    name: str
    channel: Channel
    mass: float
    nucleus: Nucleus | None = None
    form_factor: FormFactorKind = "fourier-bessel"

    def hadronic_weights(self, q2: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(W_E, W_M) of the hadronic tensor at Q^2 (GeV^2); see the module docstring."""
        q2 = np.asarray(q2, dtype=float)
        if self.channel == "coherent":
            assert self.nucleus is not None
            f = nuclear_form_factor(self.nucleus, np.sqrt(q2), self.form_factor)
            return self.nucleus.Z**2 * f**2, np.zeros_like(q2)
        f1, f2 = nucleon_form_factors(q2, self.channel)
        tau = q2 / (4.0 * self.mass**2)
        return f1**2 + tau * f2**2, (f1 + f2) ** 2


@functools.cache
def make_target(name: str, form_factor: FormFactorKind = "fourier-bessel") -> Target:
    """The target called ``name``: ``"proton"`` (or ``"p"``, ``"H1"``), ``"neutron"`` (``"n"``)
    for elastic scattering on a free nucleon, otherwise a nucleus name for coherent scattering.

    Raises:
        UnknownNucleusError: ``name`` is neither a nucleon nor a known nucleus.
        ConfigurationError: unknown ``form_factor``.
    """
    if form_factor not in FORM_FACTOR_KINDS:
        raise ConfigurationError(
            f"Unknown nuclear form factor {form_factor!r}; choose one of "
            f"{', '.join(FORM_FACTOR_KINDS)}."
        )
    if not isinstance(name, str):
        raise ConfigurationError(
            f'A target is named by a string ("C12", "proton", ...), got {name!r}.'
        )
    key = name.strip().lower()
    if key in ("proton", "p", "h1", "1h", "hydrogen"):
        return Target("proton", "proton", M_PROTON)
    if key in ("neutron", "n"):
        return Target("neutron", "neutron", M_NEUTRON)
    nuc = nucleus(name)
    return Target(nuc.name, "coherent", nuc.mass, nuc, form_factor)


def _lepton_contractions(
    energy: NDArray[np.float64],
    q2: NDArray[np.float64],
    m: float,
    big_m: float,
    q2_lo: NDArray[np.float64],
    q2_hi: NDArray[np.float64],
    sign: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(|J.P|^2, J.J^*) of the module docstring for helicity ``sign`` (+1 flip, -1 conserve),
    at points inside the kinematic range."""
    m2 = m * m
    e_n = energy - q2 / (2.0 * big_m)
    p_n = np.sqrt(np.maximum(e_n**2 - m2, 1e-300))
    r2 = e_n + p_n
    cos = np.clip((2.0 * energy * e_n - m2 - q2) / (2.0 * energy * p_n), -1.0, 1.0)
    sin2 = (2.0 * energy + big_m) * (q2 - q2_lo) * (q2_hi - q2) / (4.0 * big_m * energy**2 * p_n**2)
    sin2 = np.clip(sin2, 0.0, 1.0)
    forward = cos >= 0.0
    c2 = np.where(forward, 0.5 * (1.0 + cos), 0.0)
    s2 = np.where(forward, sin2 / (4.0 * np.maximum(c2, 0.5)), 0.5 * (1.0 - cos))
    c2 = np.where(forward, c2, sin2 / (4.0 * np.maximum(s2, 0.5)))
    if sign > 0:
        a = 2.0 * big_m * (energy + e_n) - m2
        jp2 = 2.0 * energy * s2 * (a * r2 - m2 * (2.0 * big_m - r2)) ** 2 / r2
        jj = 2.0 * energy * (r2 * s2 * q2 - 2.0 * m2 * m2 * c2 / r2)
    else:
        e_minus_p = q2 / (2.0 * big_m) + m2 / r2
        jp2 = 8.0 * energy * big_m**2 * m2 * c2 * e_minus_p**2 / r2
        jj = 2.0 * energy * m2 * (c2 * q2 / r2 - 2.0 * r2 * s2)
    return jp2, jj


def _trace_contractions(
    energy: NDArray[np.float64], q2: NDArray[np.float64], m: float, big_m: float, sign: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(|J.P|^2, J.J^*) for helicity ``sign`` defined in the nu-target CM frame (covariant
    traces of the module docstring with u = (k + p)/sqrt(s))."""
    m2 = m * m
    e_n = energy - q2 / (2.0 * big_m)
    kk = 0.5 * (m2 + q2)
    kp = 2.0 * big_m * energy - kk
    kpp = 2.0 * big_m * e_n + 0.5 * (q2 - m2)
    a = kp + kpp
    p2 = 4.0 * big_m**2 + q2
    sqrt_s = np.sqrt(big_m**2 + 2.0 * big_m * energy)
    ku = big_m * energy / sqrt_s
    kpu = (kk + big_m * e_n) / sqrt_s
    pu = (kp + 2.0 * big_m**2 + 0.5 * q2) / sqrt_s
    p_u = np.sqrt(np.maximum(kpu**2 - m2, 1e-300))
    msk = (kpu * kk - m2 * ku) / p_u
    msp = (kpu * kpp - m2 * pu) / p_u
    s0 = 2.0 * m2 * (2.0 * kpp * kp - kk * p2) - 4.0 * a * m2 * kp + 2.0 * a * a * kk
    s1 = (
        -2.0 * m2 * (2.0 * msp * kp - msk * p2)
        + 4.0 * a * (kk * msp - kpp * msk)
        + 2.0 * a * a * msk
    )
    g0 = (m2 + q2) * (q2 - 2.0 * m2)
    g1 = 2.0 * msk * (2.0 * m2 + q2)
    return 0.5 * (s0 + sign * s1), 0.5 * (g0 + sign * g1)


def _check_inputs(m_N: float, d: float) -> None:
    if np.ndim(m_N) != 0 or np.ndim(d) != 0:
        raise ConfigurationError(
            f"m_N and d must be single numbers (GeV, GeV^-1); got shapes {np.shape(m_N)} and "
            f"{np.shape(d)}. Loop over masses, or reweight for couplings (sigma scales as d^2)."
        )
    if not (np.isfinite(m_N) and 0 < m_N <= MAX_MASS_GEV):
        raise ConfigurationError(
            f"HNL mass m_N must be a positive number of GeV up to {MAX_MASS_GEV:g}, got {m_N!r}."
        )
    if not (np.isfinite(d) and 0 <= d < 1e150):
        raise ConfigurationError(
            f"Dipole coupling d must be finite and >= 0 GeV^-1 with a finite d^2, got {d!r}."
        )


def _check_helicity(helicity: str) -> None:
    if helicity not in HELICITIES:
        raise ConfigurationError(
            f"Unknown helicity channel {helicity!r}; choose one of {', '.join(HELICITIES)}."
        )


def dsigma_dq2(
    target: Target,
    energy: ArrayLike,
    q2: ArrayLike,
    m_N: float,
    d: float = 1.0,
    helicity: Helicity = "total",
    frame: HelicityFrame = "lab",
) -> NDArray[np.float64]:
    """Differential cross section dsigma/dQ^2 in cm^2/GeV^2.

    Args:
        target: from :func:`make_target`.
        energy: neutrino energy E in GeV (broadcasts against ``q2``).
        q2: Q^2 = -(k - k')^2 in GeV^2.
        m_N: HNL mass in GeV.
        d: dipole coupling in GeV^-1 (the result scales as d^2).
        helicity: ``"flip"``, ``"conserve"`` or ``"total"``.
        frame: where the HNL helicity is defined: ``"lab"`` (default) or ``"cm"``.

    Returns:
        dsigma/dQ^2, exactly 0 outside the kinematic range (below threshold, or Q^2 outside
        [Q^2_min, Q^2_max]).
    """
    _check_helicity(helicity)
    if frame not in ("lab", "cm"):
        raise ConfigurationError(f"Helicity frame must be 'lab' or 'cm', got {frame!r}.")
    if helicity == "total":  # frame-independent: the lab channels' sum
        flip, conserve = dsigma_dq2_channels(target, energy, q2, m_N, d)
        return flip + conserve
    return dsigma_dq2_channels(target, energy, q2, m_N, d, frame, (helicity,))[0]


def dsigma_dq2_channels(
    target: Target,
    energy: ArrayLike,
    q2: ArrayLike,
    m_N: float,
    d: float = 1.0,
    frame: HelicityFrame = "lab",
    channels: tuple[Helicity, ...] = ("flip", "conserve"),
) -> list[NDArray[np.float64]]:
    """:func:`dsigma_dq2` (cm^2/GeV^2) of each helicity channel of ``channels`` (``"flip"``,
    ``"conserve"``) from one evaluation of the hadronic weights (the form factor), for tables
    that need every channel at the same points. In the lab frame the channels sum to
    ``helicity="total"``."""
    _check_inputs(m_N, d)
    for channel in channels:
        if channel not in _HELICITY_SIGN:
            raise ConfigurationError(
                f"Helicity channel must be 'flip' or 'conserve', got {channel!r}."
            )
    if frame not in ("lab", "cm"):
        raise ConfigurationError(f"Helicity frame must be 'lab' or 'cm', got {frame!r}.")
    energy, q2 = np.broadcast_arrays(np.asarray(energy, float), np.asarray(q2, float))
    q2_lo, q2_hi = q2_range(energy, m_N, target.mass)
    inside = (q2 >= q2_lo) & (q2 <= q2_hi) & (q2_hi > 0)
    e_in = np.where(inside, energy, 1.0)
    q_in = np.where(inside, q2, 1.0)
    w_e, w_m = target.hadronic_weights(q_in)
    scale = ALPHA_EM * d**2 / (4.0 * target.mass**2 * e_in**2 * q_in**2) * GEV2_TO_CM2
    out = []
    for channel in channels:
        sign = _HELICITY_SIGN[channel]
        if frame == "cm":
            jp2, jj = _trace_contractions(e_in, q_in, m_N, target.mass, sign)
        else:
            jp2, jj = _lepton_contractions(e_in, q_in, m_N, target.mass, q2_lo, q2_hi, sign)
        result = scale * (w_e * jp2 - w_m * q_in * jj)
        out.append(np.where(inside, np.maximum(result, 0.0), 0.0))
    return out


def dsigma_dy(
    target: Target,
    energy: ArrayLike,
    y: ArrayLike,
    m_N: float,
    d: float = 1.0,
    helicity: Helicity = "total",
) -> NDArray[np.float64]:
    """dsigma/dy in cm^2 with y = (E - E_N)/E; Q^2 = 2 M E y, so dsigma/dy = 2 M E dsigma/dQ^2."""
    energy, y = np.broadcast_arrays(np.asarray(energy, float), np.asarray(y, float))
    jac = 2.0 * target.mass * energy
    return jac * dsigma_dq2(target, energy, jac * y, m_N, d, helicity)


@functools.cache
def _gauss_legendre(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return np.polynomial.legendre.leggauss(n)


def total_cross_section(
    target: Target,
    energy: ArrayLike,
    m_N: float,
    d: float = 1.0,
    helicity: Helicity = "total",
    nodes: int = DEFAULT_QUADRATURE_NODES,
    frame: HelicityFrame = "lab",
) -> NDArray[np.float64]:
    """sigma(E) in cm^2: Gauss-Legendre quadrature of Q^2 dsigma/dQ^2 in ln Q^2.

    Returns exactly 0 at and below threshold. Vectorised over ``energy``. ``frame`` as in
    :func:`dsigma_dq2`.

    Raises:
        PhysicsDomainError: a non-finite or negative energy.

    Example: the paper's check (carbon, m_N = 50 MeV, d = 1e-6 GeV^-1, E = 1 GeV) with the
    measured Fourier-Bessel form factor (DarkNews gives 3.198e-39 cm^2, docs/validation.md):

    >>> carbon = make_target("C12")
    >>> sigma = total_cross_section(carbon, np.array([1.0]), 0.05, 1e-6)
    >>> f"{sigma[0]:.3g} cm^2"
    '3.2e-39 cm^2'
    >>> float(total_cross_section(carbon, np.array([0.05]), 0.05, 1e-6)[0])  # below threshold
    0.0
    """
    _check_inputs(m_N, d)
    _check_helicity(helicity)

    def density(e: NDArray[np.float64], q2: NDArray[np.float64]) -> list[NDArray[np.float64]]:
        return [dsigma_dq2(target, e, q2, m_N, d, helicity, frame)]

    return _log_q2_quadrature(target, energy, m_N, nodes, density)[0]


def total_cross_section_channels(
    target: Target,
    energy: ArrayLike,
    m_N: float,
    d: float = 1.0,
    nodes: int = DEFAULT_QUADRATURE_NODES,
    frame: HelicityFrame = "lab",
) -> list[NDArray[np.float64]]:
    """:func:`total_cross_section` (cm^2) of the helicity channels (``"flip"``, ``"conserve"``)
    from one quadrature, one form-factor evaluation per node (for tables); in the lab frame
    they sum to ``helicity="total"``.

    >>> carbon = make_target("C12")
    >>> flip, conserve = total_cross_section_channels(carbon, np.array([1.0]), 0.05, 1e-6)
    >>> total = total_cross_section(carbon, np.array([1.0]), 0.05, 1e-6)
    >>> bool(np.isclose(flip[0] + conserve[0], total[0], rtol=1e-12))
    True
    """
    _check_inputs(m_N, d)

    def density(e: NDArray[np.float64], q2: NDArray[np.float64]) -> list[NDArray[np.float64]]:
        return dsigma_dq2_channels(target, e, q2, m_N, d, frame)

    return _log_q2_quadrature(target, energy, m_N, nodes, density)


def _log_q2_quadrature(
    target: Target,
    energy: ArrayLike,
    m_N: float,
    nodes: int,
    density: Callable[[NDArray[np.float64], NDArray[np.float64]], list[NDArray[np.float64]]],
) -> list[NDArray[np.float64]]:
    """int dQ^2 of each of the ``density(E, Q^2)`` (cm^2/GeV^2): Gauss-Legendre in ln Q^2 over
    the kinematic range, exactly 0 at and below threshold."""
    energy = np.asarray(energy, dtype=float)
    if np.any(~np.isfinite(energy)) or np.any(energy < 0):
        raise PhysicsDomainError(f"Neutrino energies must be finite and >= 0 GeV, got {energy}.")
    q2_lo, q2_hi = q2_range(energy, m_N, target.mass)
    open_ = q2_hi > q2_lo
    lo = np.log(np.where(open_, q2_lo, 1.0))
    hi = np.log(np.where(open_, q2_hi, 1.0))
    x, w = _gauss_legendre(nodes)
    half = 0.5 * (hi - lo)
    q2 = np.exp((0.5 * (hi + lo))[..., None] + half[..., None] * x)
    above = open_ & (energy > threshold_energy(m_N, target.mass))
    return [
        np.where(above, half * np.sum(w * q2 * f, axis=-1), 0.0)
        for f in density(energy[..., None], q2)
    ]


def flux_averaged_cross_section(
    flux: FluxLike,
    target: Target,
    m_N: float,
    d: float = 1.0,
    helicity: Helicity = "total",
    frame: HelicityFrame = "lab",
    nodes: int = 256,
) -> float:
    """Flux-folded cross section  int Phi(E) sigma(E) dE  in cm^2 per (cm^2 POT), i.e. the
    number of upscatterings per target and per POT.

    Computed in the flux's own quantile variable u (exact for histogram and piecewise-linear
    fluxes): int_{E_th} Phi sigma dE = I_th int_0^1 sigma(E(u)) du, I_th the flux above
    threshold, E(u) its inverse CDF, with Gauss-Legendre nodes in u (256 nodes: < 1e-3
    relative accuracy, checked in the tests). Divide by ``flux.integral()`` for the
    flux-averaged cross section.

    Raises:
        PhysicsDomainError: m_N so heavy that no energy in the flux can produce it.
    """
    e_th = float(threshold_energy(m_N, target.mass))
    if float(flux.e_max) <= e_th:
        raise PhysicsDomainError(
            f"m_N = {m_N} GeV needs E_nu > {e_th:.4g} GeV on {target.name}, above the highest "
            f"flux energy {float(flux.e_max):.4g} GeV: no neutrino in this flux can produce it."
        )
    x, w = _gauss_legendre(nodes)
    energy = np.asarray(flux.quantile(0.5 * (x + 1.0), e_min=e_th), dtype=float)
    sigma = total_cross_section(target, energy, m_N, d, helicity, frame=frame)
    return float(flux.integral(e_min=e_th)) * 0.5 * float(np.sum(w * sigma))

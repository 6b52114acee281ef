"""Nuclear and nucleon electromagnetic form factors.

All functions take the momentum transfer Q = sqrt(-q^2) in GeV (arrays broadcast) and return
dimensionless form factors normalised to F(0) = 1 (nuclear charge) or to the nucleon charges and
magnetic moments.

Nuclear charge form factors (paper Appendix A; Kamp et al., arXiv:2206.07100):

- :func:`fourier_bessel` (eq. A1), from measured charge densities (De Vries et al. 1987). The
  paper's default wherever data exist.
- :func:`symmetrized_fermi` (eq. A2), the Fermi-symmetrized Woods-Saxon with a = 0.523 fm,
  r0 = 1.03 A^(1/3) fm. The paper's fallback for nuclei without Fourier-Bessel data (e.g. N14).
- :func:`dipole` (eq. A3), used by Vergani et al. (arXiv:2105.06470), for comparison only;
  with the paper's M_D it is effectively a point nucleus (see :func:`dipole_mass`).
- :func:`helm` (eq. A4), in the Lewin-Smith parametrisation, for comparison only.

Nucleon form factors (:func:`nucleon_form_factors`): Sachs G_E, G_M with the standard dipole
G_D = (1 + Q^2/0.71 GeV^2)^-2, G_E^p = G_D, G_M^{p,n} = mu_{p,n} G_D, Galster G_E^n, converted
to the Dirac and Pauli form factors F1 = (G_E + tau G_M)/(1 + tau), F2 = (G_M - G_E)/(1 + tau),
tau = Q^2/(4 M^2).

"What to use when": ``nuclear_form_factor(nucleus, Q)`` picks Fourier-Bessel where tabulated and
the symmetrized Fermi otherwise, exactly as the paper does; ask for a ``kind`` explicitly only
to compare parametrisations (paper Fig. 13).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.physics.constants import (
    FM_IN_INV_GEV,
    M_NEUTRON,
    M_PROTON,
    MU_NEUTRON,
    MU_PROTON,
    NUCLEON_DIPOLE_MASS2,
)
from neutrissimo.physics.nuclei import FourierBessel, Nucleus

__all__ = [
    "FORM_FACTOR_KINDS",
    "FormFactorKind",
    "dipole",
    "dipole_mass",
    "fourier_bessel",
    "helm",
    "helm_radius_fm",
    "nuclear_form_factor",
    "nucleon_form_factors",
    "symmetrized_fermi",
]

FormFactorKind = Literal["fourier-bessel", "woods-saxon", "dipole", "helm"]
FORM_FACTOR_KINDS: tuple[FormFactorKind, ...] = ("fourier-bessel", "woods-saxon", "dipole", "helm")

#: Surface diffuseness of the symmetrized Fermi (and Helm) distributions, fm (paper eq. A2).
SURFACE_DIFFUSENESS_FM = 0.523
#: Helm skin thickness s, fm (paper eq. A4).
HELM_SKIN_FM = 0.9


def _q_fm(q_gev: ArrayLike) -> NDArray[np.float64]:
    """Momentum transfer in fm^-1 from GeV: Q[fm^-1] = 5.068 Q[GeV]."""
    return np.abs(np.asarray(q_gev, dtype=np.float64)) * FM_IN_INV_GEV


def fourier_bessel(q: ArrayLike, density: FourierBessel) -> NDArray[np.float64]:
    """Fourier-Bessel charge form factor, paper eq. (A1).

    F(Q) = N j0(QR) sum_v (-1)^v a_v / (v^2 pi^2 - Q^2 R^2),
    1/N = sum_v (-1)^v a_v / (v^2 pi^2), so that F(0) = 1 exactly.

    One sine per momentum: j0(x) = sin(x)/x (its series 1 - x^2/6 + x^4/120 below x = 1e-3).
    The poles at x = QR = v pi are removable; within |x - v pi| < :data:`_POLE_WINDOW` of one
    the term is evaluated in the equivalent form -a_v sinc(x - v pi) / (x (x + v pi)) (sinc
    unnormalised), exact for x > 0. Agrees with evaluating every term in both forms (the
    earlier implementation) to 4e-11 relative on 1e-7 < Q < 5 GeV, poles included.

    Args:
        q: momentum transfer Q in GeV.
        density: the Fourier-Bessel coefficients (radius R in fm, a_v in e fm^-3).
    """
    shape = np.shape(q)
    x = (_q_fm(q) * density.radius_fm).ravel()
    n_terms = len(density.coefficients)
    v_pi = np.pi * np.arange(1, n_terms + 1)
    a = np.asarray(density.coefficients)
    signed = (-1.0) ** np.arange(1, n_terms + 1) * a
    norm = 1.0 / np.sum(signed / v_pi**2)
    small = x < 1e-3
    x_safe = np.where(small, 1.0, x)
    j0 = np.where(small, 1.0 - x**2 / 6.0 + x**4 / 120.0, np.sin(x_safe) / x_safe)
    denominator = v_pi**2 - (x * x)[:, None]
    # At most one pole lies within the window of each x: the nearest one, v = round(x / pi).
    pole = np.rint(x / np.pi).astype(np.intp)
    near = (pole >= 1) & (pole <= n_terms) & (np.abs(x - np.pi * pole) < _POLE_WINDOW)
    k = pole[near] - 1
    denominator[near, k] = np.inf  # that term is added below in the pole-free form
    xn = x[near]
    pole_terms = np.zeros_like(x)
    pole_terms[near] = -a[k] * np.sinc((xn - v_pi[k]) / np.pi) / (xn * (xn + v_pi[k]))
    form_factor = norm * (j0 * (signed / denominator).sum(axis=-1) + pole_terms)
    return np.asarray(form_factor.reshape(shape), dtype=np.float64)


#: Half-width in x = QR around each removable pole of :func:`fourier_bessel` where its terms
#: are evaluated in the pole-free form.
_POLE_WINDOW = 1e-2


def symmetrized_fermi(q: ArrayLike, mass_number: int) -> NDArray[np.float64]:
    """Fermi-symmetrized Woods-Saxon form factor, paper eq. (A2).

    F(Q) = 3 pi a / (r0^2 + pi^2 a^2) * [pi a coth(pi Q a) sin(Q r0) - r0 cos(Q r0)]
           / [Q r0 sinh(pi Q a)],
    with a = 0.523 fm and r0 = 1.03 A^(1/3) fm. Below Q = 1e-3 fm^-1 the Taylor expansion
    F = 1 - Q^2 <r^2>/6, <r^2> = 3/5 r0^2 + 7/5 pi^2 a^2, is used (relative error < 1e-12).
    """
    a = SURFACE_DIFFUSENESS_FM
    r0 = 1.03 * mass_number ** (1.0 / 3.0)
    qf = _q_fm(q)
    small = qf < 1e-3
    qs = np.where(small, 1.0, qf)  # placeholder where the series is used
    pqa = np.pi * qs * a
    with np.errstate(over="ignore"):
        exact = (
            3.0
            * np.pi
            * a
            / (r0**2 + np.pi**2 * a**2)
            * (np.pi * a / np.tanh(pqa) * np.sin(qs * r0) - r0 * np.cos(qs * r0))
            / (qs * r0 * np.sinh(pqa))
        )
    r2 = 0.6 * r0**2 + 1.4 * np.pi**2 * a**2
    return np.asarray(
        np.where(small, 1.0 - qf**2 * r2 / 6.0, np.nan_to_num(exact, nan=0.0)), dtype=np.float64
    )


def dipole_mass(mass_number: int) -> float:
    """Dipole mass M_D = 1.18 + 0.83 A^(1/3) in GeV (paper eq. A3, units not stated there).

    Read as a mass in GeV (3.08 GeV for C12), this form factor stays ~1 over the whole range of
    coherent momentum transfers (F(0.5 GeV) = 0.97 for C12): it behaves as a point nucleus,
    which is what the paper's Fig. 13 describes ("significantly overestimates the form factor
    at large Q") and what reproduces the sigma ~ 5e-39 cm^2 the paper quotes from Ref. [18].
    The source of the formula was not found (not in DarkNews 0.4.8); use it for comparison only.
    """
    return float(1.18 + 0.83 * mass_number ** (1.0 / 3.0))


def dipole(q: ArrayLike, mass_number: int) -> NDArray[np.float64]:
    """Dipole form factor, paper eq. (A3): F(Q) = 1 / (1 + Q^2 / M_D^2)."""
    q = np.asarray(q, dtype=float)
    return 1.0 / (1.0 + q**2 / dipole_mass(mass_number) ** 2)


def helm_radius_fm(mass_number: int) -> float:
    """Helm box radius R, fm, in the Lewin-Smith parametrisation.

    R^2 = c^2 + 7/3 pi^2 a^2 - 5 s^2, c = 1.23 A^(1/3) - 0.60 fm, a = 0.523 fm, s = 0.9 fm
    (J.D. Lewin and P.F. Smith, Astropart. Phys. 6, 87 (1996), eq. 4.11). This gives the
    R = 3.9 fm the paper quotes for A = 40; for C12 it gives 2.8 fm.
    """
    c = 1.23 * mass_number ** (1.0 / 3.0) - 0.60
    return float(
        np.sqrt(c**2 + 7.0 / 3.0 * np.pi**2 * SURFACE_DIFFUSENESS_FM**2 - 5 * HELM_SKIN_FM**2)
    )


def helm(q: ArrayLike, mass_number: int) -> NDArray[np.float64]:
    """Helm form factor, paper eq. (A4): F(Q) = 3 j1(QR)/(QR) exp(-Q^2 s^2 / 2), s = 0.9 fm.

    R from :func:`helm_radius_fm`. 3 j1(x)/x is evaluated by its series below x = 1e-3.
    """
    x = _q_fm(q) * helm_radius_fm(mass_number)
    xs = np.where(x < 1e-3, 1.0, x)
    j1_over_x = (np.sin(xs) / xs**2 - np.cos(xs) / xs) / xs
    three_j1 = np.where(x < 1e-3, 1.0 - x**2 / 10.0, 3.0 * j1_over_x)
    return three_j1 * np.exp(-((_q_fm(q) * HELM_SKIN_FM) ** 2) / 2.0)


def nuclear_form_factor(
    target: Nucleus, q: ArrayLike, kind: FormFactorKind = "fourier-bessel"
) -> NDArray[np.float64]:
    """Charge form factor of ``target`` at momentum transfer ``q`` (GeV).

    ``kind="fourier-bessel"`` (default) uses the measured density when the nucleus has one and
    falls back to the symmetrized Fermi (eq. A2) otherwise, as in the paper.

    Raises:
        ConfigurationError: ``kind`` is not one of :data:`FORM_FACTOR_KINDS`.
    """
    if kind == "fourier-bessel":
        if target.fourier_bessel is not None:
            return fourier_bessel(q, target.fourier_bessel)
        return symmetrized_fermi(q, target.A)
    if kind == "woods-saxon":
        return symmetrized_fermi(q, target.A)
    if kind == "dipole":
        return dipole(q, target.A)
    if kind == "helm":
        return helm(q, target.A)
    raise ConfigurationError(
        f"Unknown nuclear form factor {kind!r}; choose one of {', '.join(FORM_FACTOR_KINDS)}."
    )


def nucleon_form_factors(
    q2: ArrayLike, nucleon: Literal["proton", "neutron"]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Dirac and Pauli form factors (F1, F2) of a free nucleon at Q^2 (GeV^2).

    G_D = (1 + Q^2/0.71)^-2; proton: G_E = G_D, G_M = mu_p G_D; neutron: G_M = mu_n G_D and
    Galster G_E = -mu_n tau G_D / (1 + 5.6 tau) (S. Galster et al., Nucl. Phys. B32, 221 (1971)).
    F1 = (G_E + tau G_M)/(1 + tau), F2 = (G_M - G_E)/(1 + tau), tau = Q^2/(4 M^2);
    F1(0) = charge, F2(0) = anomalous magnetic moment.
    """
    q2 = np.asarray(q2, dtype=float)
    g_dipole = 1.0 / (1.0 + q2 / NUCLEON_DIPOLE_MASS2) ** 2
    if nucleon == "proton":
        tau = q2 / (4.0 * M_PROTON**2)
        g_e, g_m = g_dipole, MU_PROTON * g_dipole
    elif nucleon == "neutron":
        tau = q2 / (4.0 * M_NEUTRON**2)
        g_e, g_m = -MU_NEUTRON * tau * g_dipole / (1.0 + 5.6 * tau), MU_NEUTRON * g_dipole
    else:
        raise ConfigurationError(f"Unknown nucleon {nucleon!r}; choose 'proton' or 'neutron'.")
    return (g_e + tau * g_m) / (1.0 + tau), (g_m - g_e) / (1.0 + tau)

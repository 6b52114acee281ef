"""Nuclear and nucleon form factors (paper Appendix A)."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError, nuclear_form_factor, nucleon_form_factors, nucleus
from neutrissimo.physics.form_factors import (
    FORM_FACTOR_KINDS,
    fourier_bessel,
    helm_radius_fm,
    symmetrized_fermi,
)
from neutrissimo.physics.nuclei import fourier_bessel_nuclei

FM = 5.067730716  # GeV^-1 per fm


@pytest.mark.parametrize("kind", FORM_FACTOR_KINDS)
@pytest.mark.parametrize("name", ["C12", "O16", "N14", "Fe56", "Pb208"])
def test_normalised_at_zero(kind, name):
    f = nuclear_form_factor(nucleus(name), np.array([0.0, 1e-9]), kind)
    np.testing.assert_allclose(f, 1.0, atol=1e-12)


def test_every_fourier_bessel_set_is_normalised():
    for name in fourier_bessel_nuclei():
        fb = nucleus(name).fourier_bessel
        assert fourier_bessel(np.array([0.0]), fb)[0] == pytest.approx(1.0, abs=1e-14)


def test_carbon_charge_radius():
    # F = 1 - Q^2 <r^2>/6: the De Vries C12 density has r_rms = 2.469 fm (ADNDT 36, 495).
    q = 1e-3
    f = nuclear_form_factor(nucleus("C12"), np.array([q]))[0]
    r_rms = np.sqrt(6 * (1 - f)) / (q * FM)
    assert r_rms == pytest.approx(2.469, abs=0.01)


def test_fourier_bessel_is_smooth_across_its_removable_poles():
    fb = nucleus("C12").fourier_bessel
    for v in (1, 2, 3):
        q_pole = v * np.pi / fb.radius_fm / FM
        q = q_pole * (1 + np.array([-1e-7, 0.0, 1e-7]))
        f = fourier_bessel(q, fb)
        assert np.all(np.isfinite(f))
        assert np.ptp(f) < 1e-6


def test_symmetrized_fermi_series_joins_exact_form():
    # Both sides of the switch at Q = 1e-3 fm^-1 agree with 1 - Q^2 <r^2>/6 (+ O(Q^4) ~ 1e-11).
    q = np.array([0.999e-3, 1.001e-3])
    r0 = 1.03 * 12 ** (1 / 3)
    taylor = 1 - q**2 * (0.6 * r0**2 + 1.4 * np.pi**2 * 0.523**2) / 6
    np.testing.assert_allclose(symmetrized_fermi(q / FM, 12), taylor, rtol=0, atol=1e-10)


def test_woods_saxon_radius_matches_its_parameters():
    # <r^2> of the symmetrized Fermi = 3/5 r0^2 + 7/5 pi^2 a^2 with r0 = 1.03 A^1/3, a = 0.523.
    r0 = 1.03 * 56 ** (1 / 3)
    expected = np.sqrt(0.6 * r0**2 + 1.4 * np.pi**2 * 0.523**2)
    q = 2e-3
    f = symmetrized_fermi(np.array([q / FM]), 56)[0]
    assert np.sqrt(6 * (1 - f)) / q == pytest.approx(expected, rel=1e-5)


def test_helm_radius_quoted_in_paper_is_argon():
    assert helm_radius_fm(40) == pytest.approx(3.9, abs=0.01)


def test_realistic_form_factors_agree_and_dipole_overestimates_at_large_q():
    # Fig. 13: FB, Woods-Saxon and Helm agree at small Q; the dipole is far above them at large Q.
    c12 = nucleus("C12")
    small = np.array([0.05])
    fb, ws, helm = (
        nuclear_form_factor(c12, small, k)[0] for k in ("fourier-bessel", "woods-saxon", "helm")
    )
    assert ws == pytest.approx(fb, rel=0.02)
    assert helm == pytest.approx(fb, rel=0.02)
    large = np.linspace(0.25, 0.6, 8)
    fb_large = np.abs(nuclear_form_factor(c12, large, "fourier-bessel"))
    dipole_large = nuclear_form_factor(c12, large, "dipole")
    assert np.all(dipole_large > 3 * fb_large)


def test_unknown_form_factor_is_named():
    with pytest.raises(ConfigurationError, match="form factor"):
        nuclear_form_factor(nucleus("C12"), np.array([0.1]), "gaussian")


def test_nucleon_charges_and_moments():
    f1p, f2p = nucleon_form_factors(np.array([0.0]), "proton")
    f1n, f2n = nucleon_form_factors(np.array([0.0]), "neutron")
    assert (f1p[0], f2p[0]) == pytest.approx((1.0, 1.792847344))
    assert (f1n[0], f2n[0]) == pytest.approx((0.0, -1.91304273))


def test_nucleon_sachs_form_factors_follow_the_dipole():
    q2 = np.array([0.5])
    tau = q2 / (4 * 0.93827208816**2)
    f1, f2 = nucleon_form_factors(q2, "proton")
    g_d = 1 / (1 + q2 / 0.71) ** 2
    np.testing.assert_allclose(f1 - tau * f2, g_d, rtol=1e-12)  # G_E
    np.testing.assert_allclose(f1 + f2, 2.792847344 * g_d, rtol=1e-12)  # G_M

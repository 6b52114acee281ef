"""N -> nu gamma: rest-frame angular distributions, sampling and the boost to the lab."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neutrissimo import ConfigurationError, decay_photons, photon_asymmetry, sample_photon_cos
from neutrissimo.physics.decay import photon_angular_pdf, photon_asymmetry_for_helicity


def test_asymmetries_follow_angular_momentum():
    # Dirac N of helicity +1 -> (1 - cos); Nbar of helicity -1 -> (1 - cos); Majorana flat.
    assert photon_asymmetry_for_helicity(+1, False, "dirac") == -1.0
    assert photon_asymmetry_for_helicity(-1, True, "dirac") == -1.0
    assert photon_asymmetry_for_helicity(-1, False, "dirac") == 1.0
    assert photon_asymmetry_for_helicity(+1, False, "majorana") == 0.0
    assert photon_asymmetry("flip", "dirac") == -1.0  # the paper's dGamma/dcos ~ (1 - cos)
    assert photon_asymmetry("conserve", "dirac") == 1.0
    with pytest.raises(ConfigurationError):
        photon_asymmetry("total", "dirac")


@pytest.mark.parametrize("alpha", [-1.0, -0.3, 0.0, 1.0])
def test_sampled_angles_follow_the_pdf(rng, alpha):
    cos = sample_photon_cos(rng, np.full(100_000, alpha))

    def cdf(c):
        return (1 + c) / 2 + alpha * (c**2 - 1) / 4

    assert stats.kstest(cos, cdf).pvalue > 1e-3
    assert cos.mean() == pytest.approx(
        alpha / 3, abs=4 * np.sqrt((1 / 3 - alpha**2 / 9) / cos.size)
    )
    grid = np.linspace(-1, 1, 2001)
    assert np.trapezoid(photon_angular_pdf(grid, alpha), grid) == pytest.approx(1.0)


def test_lab_photons_conserve_four_momentum(rng):
    m_n = 0.47
    p = rng.normal(size=(1000, 3))
    p[:, 2] = np.abs(p[:, 2]) + 1.0
    photons, cos_star = decay_photons(rng, p, m_n, -1.0)
    e_n = np.sqrt(np.sum(p**2, axis=1) + m_n**2)
    neutrino = np.column_stack([e_n, p]) - photons
    # Both daughters massless: E^2 = |p|^2 (GeV^2), to rounding.
    np.testing.assert_allclose(
        photons[:, 0] ** 2 - np.sum(photons[:, 1:] ** 2, axis=1), 0, atol=1e-12
    )
    np.testing.assert_allclose(
        neutrino[:, 0] ** 2 - np.sum(neutrino[:, 1:] ** 2, axis=1), 0, atol=1e-12
    )
    # Doppler: E_gamma = gamma m/2 (1 + beta cos theta*).
    beta = np.linalg.norm(p, axis=1) / e_n
    np.testing.assert_allclose(photons[:, 0], e_n / 2 * (1 + beta * cos_star), rtol=1e-12)


def test_flip_channel_photons_are_softer_in_the_lab(rng):
    # Backward-peaked rest-frame emission (alpha = -1) gives <E_gamma> = E_N/2 (1 - beta/3).
    p = np.tile([0.0, 0.0, 2.0], (200_000, 1))
    photons, _ = decay_photons(rng, p, 0.47, -1.0)
    e_n = np.sqrt(4 + 0.47**2)
    beta = 2 / e_n
    assert photons[:, 0].mean() == pytest.approx(e_n / 2 * (1 - beta / 3), rel=3e-3)

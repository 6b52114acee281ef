"""MINERvA recast: configuration, detector response, reconstruction, selection and dE/dx."""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pytest
from scipy import stats

from neutrissimo import ConfigurationError, DataFileError, PhysicsDomainError
from neutrissimo.experiments import minerva as mv
from neutrissimo.experiments.response import Reconstructed
from neutrissimo.io.data import load_table
from neutrissimo.physics.constants import M_ELECTRON, M_NEUTRON
from neutrissimo.physics.kinematics import orthonormal_basis
from neutrissimo.statistics.profile import signal_upper_limit

EDGES = np.array([1.5, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20])
ME = "minerva_nue/ME_FHC_Valencia2019/"


# ---------------------------------------------------------------------------- configuration


def test_samples_exposures_and_flux_names():
    cfg = mv.load_config()
    assert cfg.sample_names == ("le_fhc", "me_fhc", "me_rhc")
    le, me, rhc = (cfg.sample(n) for n in cfg.sample_names)
    assert (le.pot, me.pot, rhc.pot) == (3.43e20, 1.16e21, 1.22e21)  # paper Sec. V.A
    assert (le.beam, le.mode, le.flavour) == ("numi-le", "fhc", "numu")
    assert (me.beam, me.mode, me.flavour) == ("numi-me", "fhc", "numu")
    assert (rhc.beam, rhc.mode, rhc.flavour) == ("numi-me", "rhc", "numubar")
    assert (le.dedx_cut_acceptance, rhc.dedx_cut_acceptance) == (0.93, 0.91)
    assert cfg.samples_with_public_dedx == ("le_fhc", "me_fhc")
    assert not rhc.has_public_dedx


def test_paper_resolution_and_cuts():
    cfg = mv.load_config()
    # sigma_E/E = 5.9%/sqrt(E) + 3.4%, not the csv's swapped (3.4%, 5.9%) form
    assert mv.energy_resolution([1.0, 4.0], cfg) == pytest.approx([0.093, 4 * 0.0635])
    assert cfg.response.angle_sigma == pytest.approx(math.radians(0.7))
    assert cfg.cuts.e_theta2_max == pytest.approx(3.2e-3)
    assert np.array_equal(cfg.dedx.bin_edges, EDGES)


def _toml_text() -> str:
    return (
        resources.files("neutrissimo.experiments.minerva")
        .joinpath("minerva-analysis.toml")
        .read_text()
    )


@pytest.mark.parametrize(
    ("good", "bad", "suggestion"),
    [
        ("shower_energy_min = 0.8", "shower_energy_mn = 0.8", "shower_energy_min"),
        ("pot = 1.16e21", "pott = 1.16e21", "pot"),
        ("[dedx]", "[dedxx]", None),
    ],
)
def test_misspelled_key_is_rejected_by_name(tmp_path, good, bad, suggestion):
    text = _toml_text()
    assert good in text
    path = tmp_path / "minerva.toml"
    path.write_text(text.replace(good, bad, 1))
    key = bad.strip("[]").split()[0]
    with pytest.raises(ConfigurationError, match=f"unknown key '{key}'") as info:
        mv.load_config(path)
    assert str(path) in str(info.value)
    if suggestion:
        assert f"did you mean '{suggestion}'" in str(info.value)


def test_bad_values_are_rejected(tmp_path):
    path = tmp_path / "minerva.toml"
    path.write_text(_toml_text().replace('mode = "rhc"', 'mode = "rhx"'))
    with pytest.raises(ConfigurationError, match="rhx"):
        mv.load_config(path)
    path.write_text(_toml_text().replace("dedx_min = 4.5", "dedx_min = 4.7"))
    with pytest.raises(ConfigurationError, match="bin_edges"):
        mv.load_config(path)
    path.write_text("[response\n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        mv.load_config(path)
    with pytest.raises(ConfigurationError, match="Did you mean 'me_rhc'"):
        mv.load_config().sample("me_rch")


# ---------------------------------------------------------------------------- response


def test_energy_smearing_has_the_paper_resolution():
    rng = np.random.default_rng(11)
    energy = np.full(200_000, 2.0)
    ratio = mv.smear_energy(energy, rng) / energy - 1.0
    sigma = 0.059 / math.sqrt(2.0) + 0.034
    assert ratio.mean() == pytest.approx(0.0, abs=4 * sigma / math.sqrt(ratio.size))
    assert ratio.std() == pytest.approx(sigma, rel=0.01)
    assert mv.smear_energy(np.array([0.0]), rng)[0] == 0.0


def test_angular_smearing_is_gaussian_polar_uniform_azimuth_about_true_direction():
    rng = np.random.default_rng(5)
    n = 50_000
    theta0 = math.radians(25.0)
    true = np.tile([math.sin(theta0), 0.0, math.cos(theta0)], (n, 1))
    reco = mv.smear_direction(true, np.full(n, 2.0), rng)
    assert np.linalg.norm(reco, axis=1) == pytest.approx(np.ones(n), abs=1e-12)
    e1, e2, e3 = orthonormal_basis(true)
    kick = np.arccos(np.clip(np.sum(reco * e3, axis=1), -1, 1))
    sigma = math.radians(0.7)
    # |delta| of a N(0, sigma) kick is half-normal
    assert stats.kstest(kick, stats.halfnorm(scale=sigma).cdf).pvalue > 0.01
    azimuth = np.mod(np.arctan2(np.sum(reco * e2, axis=1), np.sum(reco * e1, axis=1)), 2 * np.pi)
    assert stats.kstest(azimuth, stats.uniform(0, 2 * np.pi).cdf).pvalue > 0.01
    # the smearing is about the photon, not the beam: the mean vector stays along the photon
    mean = reco.mean(axis=0)
    offset = np.arccos(np.dot(mean / np.linalg.norm(mean), true[0]))
    assert offset < 4 * sigma / math.sqrt(n)


def test_response_is_reproducible_and_validates_input():
    energy = np.array([1.0, 2.0])
    direction = np.array([[0, 0, 1.0], [0.6, 0, 0.8]])
    a = mv.detector_response(energy, direction, np.random.default_rng(1))
    b = mv.detector_response(energy, direction, np.random.default_rng(1))
    assert np.array_equal(a.energy_gev, b.energy_gev)
    assert np.array_equal(a.direction, b.direction)
    assert np.array_equal(a.efficiency, np.ones(2))
    with pytest.raises(PhysicsDomainError, match="unit vectors"):
        mv.detector_response(energy, 2 * direction, np.random.default_rng(1))
    with pytest.raises(PhysicsDomainError, match="shape"):
        mv.detector_response(energy, direction[:1], np.random.default_rng(1))
    with pytest.raises(PhysicsDomainError, match="energy"):
        mv.detector_response([1.0, np.nan], direction, np.random.default_rng(1))


# ---------------------------------------------------------------------------- reconstruction


def test_qe_energy_is_exact_for_two_body_ccqe_kinematics():
    # nu_e n -> e p on a free neutron at rest with m_p = m_n: W^2 = m_n^2 fixes the energy
    # transfer omega = Q^2 / (2 m_n); Q^2 = -m_e^2 + 2 E_nu (E_e - p_e cos theta).
    e_nu = np.array([0.9, 2.0, 5.0, 10.0])
    q2 = np.array([0.05, 0.3, 0.01, 1.2])
    e_e = e_nu - q2 / (2 * M_NEUTRON)
    p_e = np.sqrt(e_e**2 - M_ELECTRON**2)
    cos = (2 * e_nu * e_e - M_ELECTRON**2 - q2) / (2 * e_nu * p_e)
    assert np.all(np.abs(cos) <= 1)
    assert mv.e_nu_qe_reco(e_e, cos) == pytest.approx(e_nu, rel=1e-12)
    assert mv.q2_qe_reco(e_e, cos) == pytest.approx(q2, rel=1e-9)


def test_q2_approximates_e_theta_squared_forward_and_fails_backward():
    energy, theta = 2.0, 0.005
    assert mv.q2_qe_reco(energy, math.cos(theta)) == pytest.approx((energy * theta) ** 2, rel=0.01)
    assert mv.e_theta2(energy, math.cos(theta)) == pytest.approx(energy * theta**2, rel=1e-9)
    # E (1 - cos) >= m_n: no physical E_nu^QE, Q^2 = inf
    assert mv.q2_qe_reco(3.0, -1.0) == np.inf


def _events(angles_energies):
    energy = np.array([e for e, _ in angles_energies])
    theta = np.array([t for _, t in angles_energies])
    direction = np.stack([np.sin(theta), np.zeros_like(theta), np.cos(theta)], axis=1)
    return Reconstructed(energy, direction, np.ones(energy.size))


def test_selection_masks_and_weighted_efficiencies():
    # (E [GeV], theta [rad]): pass all; fail energy; fail E theta^2 only; fail Q^2 and E theta^2
    reco = _events([(2.0, 0.01), (0.5, 0.01), (2.0, 0.05), (2.0, 0.08)])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    sel = mv.select(reco, weights, "me_fhc")
    assert sel.masks["shower_energy"].tolist() == [True, False, True, True]
    assert sel.masks["q2_qe"].tolist() == [True, True, True, False]
    assert sel.masks["e_theta2"].tolist() == [True, True, False, False]
    assert sel.passed.tolist() == [True, False, False, False]
    assert sel.efficiency == pytest.approx({"shower_energy": 0.8, "q2_qe": 0.4, "e_theta2": 0.1})
    assert sel.efficiency_before_dedx == pytest.approx(0.1)
    assert sel.efficiency_final == pytest.approx(0.1 * 0.93)
    assert sel.n_final == pytest.approx(0.93)
    rhc = mv.select(reco, weights, "me_rhc")
    assert rhc.efficiency_final == pytest.approx(0.1 * 0.91)
    override = mv.select(reco, weights, "me_fhc", dedx_acceptance=0.5)
    assert override.n_final == pytest.approx(0.5)


def test_selection_rejects_bad_weights():
    reco = _events([(2.0, 0.01)])
    with pytest.raises(ConfigurationError, match="weights"):
        mv.select(reco, [-1.0], "le_fhc")
    with pytest.raises(ConfigurationError, match="zero total weight"):
        mv.select(reco, [0.0], "le_fhc")


def test_analyse_events_chains_response_and_selection():
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    reco = _events([(1.5, 0.02), (3.0, 0.001), (0.9, 0.03)])
    weights = np.ones(3)
    true = reco
    got, sel = mv.analyse_events(true.energy_gev, true.direction, weights, "le_fhc", rng_a)
    again = mv.detector_response(true.energy_gev, true.direction, rng_b)
    assert np.array_equal(got.energy_gev, again.energy_gev)
    assert np.array_equal(got.direction, again.direction)
    assert sel.n_selected == mv.select(again, weights, "le_fhc").n_selected


# ---------------------------------------------------------------------------- dE/dx


def test_digitized_me_bin_edges_agree_with_the_standard_binning():
    digitized = load_table(ME + "Official_ME_dEdX_binedges.dat")[:, 0]
    assert digitized == pytest.approx(EDGES, abs=0.03)


def test_histograms_convert_density_to_counts_per_bin():
    me = mv.dedx_histogram("me_fhc")
    assert me.data[1] == pytest.approx(531.434434 * 0.5)  # [2.5, 3]: 0.5 MeV/1.7cm wide
    assert me.background[11] == pytest.approx(57.3166815 * 2.0)  # [10, 12] from MCtotal
    le = mv.dedx_histogram("le_fhc")
    assert le.background[5] == pytest.approx(37.64 * 0.5)  # [4.5, 5]: stack top MCsignal
    assert le.background[11] == pytest.approx(6.17 * 2.0)  # [10, 12]: MCbkg beyond 9.5
    assert le.data.sum() == pytest.approx(
        float(
            mv.density_to_counts(
                load_table("minerva_nue/LE_FHC_Park2016/dEdX_paper_data.dat")[:, 1], EDGES
            ).sum()
        )
    )
    data, background = me.photon_like_counts()
    assert data.size == background.size == 11
    assert me.photon_like().sum() == 11


def test_me_stack_ordering_and_nue_elastic_layer():
    def density(name):
        return load_table(ME + name)[:, 1]

    pi0, bkg = density("Official_ME_dEdX_MCPI0.dat"), density("Official_ME_dEdX_MCbkg.dat")
    nue, total = density("Official_ME_dEdX_MCnue_e.dat"), density("Official_ME_dEdX_MCtotal.dat")
    # cumulative stack tops, within the digitization error of the flat high-dE/dx tail
    assert np.all(pi0 <= bkg)
    assert np.all(bkg <= nue * 1.001)
    assert np.all(nue <= total * 1.08)
    sm = mv.dedx_histogram("me_fhc")
    without = mv.dedx_histogram("me_fhc", background="without_nue")
    layer = (sm.background - without.background) / sm.widths
    # nu-e elastic showers are single electrons: the layer peaks at minimum ionisation
    assert EDGES[np.argmax(layer)] < 4.5
    assert 800 < np.sum(sm.background - without.background) < 1100


def test_rhc_has_no_public_histogram_but_accepts_user_files(tmp_path):
    with pytest.raises(DataFileError, match=r"PROVENANCE.md sec. 8.*data_file="):
        mv.dedx_histogram("me_rhc")
    centres = 0.5 * (EDGES[1:] + EDGES[:-1])
    density = np.linspace(10, 1, centres.size)
    np.savetxt(tmp_path / "data.dat", np.column_stack([centres, density]))
    np.savetxt(tmp_path / "bkg.dat", np.column_stack([centres, 0.9 * density]))
    hist = mv.dedx_histogram(
        "me_rhc", data_file=tmp_path / "data.dat", background_file=tmp_path / "bkg.dat"
    )
    assert hist.data == pytest.approx(density * np.diff(EDGES))
    assert hist.background == pytest.approx(0.9 * density * np.diff(EDGES))
    np.savetxt(tmp_path / "short.dat", np.column_stack([centres[:-1], density[:-1]]))
    with pytest.raises(DataFileError, match="no point in bin"):
        mv.dedx_histogram(
            "me_rhc", data_file=tmp_path / "short.dat", background_file=tmp_path / "bkg.dat"
        )
    with pytest.raises(DataFileError, match="neither a registered"):
        mv.dedx_histogram("me_rhc", data_file="nope.dat", background_file=tmp_path / "bkg.dat")


def test_signal_shape_and_dedx_acceptance():
    shape = mv.dedx_signal_shape()
    raw = load_table(ME + "Official_ME_dEdX_MCPI0.dat")[:, 1] * np.diff(EDGES)
    assert shape == pytest.approx(raw / raw.sum())
    assert mv.shape_acceptance(shape) == pytest.approx(raw[5:].sum() / raw.sum())
    assert mv.shape_acceptance(shape) == pytest.approx(0.904, abs=0.002)
    counts = mv.dedx_signal_counts(np.array([100.0, 10.0]), "me_fhc")
    assert counts.shape == (2, 16)
    assert counts.sum(axis=1) == pytest.approx([100.0, 10.0])
    assert counts[0, 5:].sum() == pytest.approx(93.0)  # paper's FHC acceptance
    assert mv.dedx_signal_counts(100.0, "me_rhc")[5:].sum() == pytest.approx(91.0)
    # above the cut the signal follows the pi0 shape
    assert counts[0, 5:] / counts[0, 5:].sum() == pytest.approx(raw[5:] / raw[5:].sum())


def test_sample_limit_equals_signal_count_limit():
    # With a coupling-independent dE/dx shape, d is excluded exactly where
    # 0.93 N_sel(d) exceeds the upper limit on the photon-like signal count.
    hist = mv.dedx_histogram("me_fhc")
    data, background = hist.photon_like_counts()
    shape = mv.dedx_signal_shape()[hist.photon_like()]
    n_up = signal_upper_limit(shape, data, background, eta=0.3)
    grid = np.geomspace(1e-8, 1e-5, 300)
    n_selected = 2e3 * (grid / 1e-6) ** 2
    result = mv.coupling_limit_for_sample(hist, grid, n_selected, eta=0.3, m_N=0.1)
    expected = 1e-6 * math.sqrt(n_up / 0.93 / 2e3)
    assert result.lower == pytest.approx(expected, rel=1e-3)
    assert result.upper is None
    loose = mv.coupling_limit_for_sample(hist, grid, n_selected, eta=1.0)
    assert loose.lower > result.lower

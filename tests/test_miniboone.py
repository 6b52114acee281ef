"""MiniBooNE response, reconstruction, histograms and data-release loaders."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize
from scipy import stats as sps

from neutrissimo.exceptions import ConfigurationError, DataFileError, PhysicsDomainError
from neutrissimo.experiments import miniboone as mb
from neutrissimo.physics.constants import M_ELECTRON, M_NEUTRON, M_PROTON
from neutrissimo.statistics.histogram import fill_histogram


@pytest.fixture(scope="module")
def cfg():
    return mb.load_config()


# ---------------------------------------------------------------- E_QE reconstruction


@pytest.mark.parametrize(
    ("e_vis", "cos", "expected"),
    [
        # 30-digit evaluation of [2M'E_e - (M'^2 + m_e^2 - M_p^2)] / [2(M' - E_e + p_e cos)],
        # M' = M_n - 0.034 GeV, E_e = E_vis + m_e (PDG 2022 masses)
        (0.3, 0.9, 0.345265927406453842719536808394),
        (0.6, 0.5, 0.948199985068561953662189390997),
        (0.2, -0.5, 0.350080770818224560539091395713),
    ],
)
def test_eqe_hand_computed(e_vis, cos, expected):
    assert mb.reconstruct_eqe(e_vis, cos, 0.034) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("binding", [0.0, 0.034])
@pytest.mark.parametrize(("e_nu", "cos"), [(0.3, 0.95), (0.8, 0.3), (1.5, -0.2), (0.5, -0.9)])
def test_eqe_inverts_two_body_kinematics(e_nu, cos, binding):
    """nu + n' -> e + p on a nucleon of mass M_n - E_B at rest: E_QE returns the true E_nu."""
    m_target = M_NEUTRON - binding

    def invariant_mass_mismatch(e_e):
        p_e = np.sqrt(e_e**2 - M_ELECTRON**2)
        e_p = e_nu + m_target - e_e
        p_p2 = e_nu**2 + p_e**2 - 2 * e_nu * p_e * cos
        return e_p**2 - p_p2 - M_PROTON**2

    e_e = optimize.brentq(invariant_mass_mismatch, M_ELECTRON * 1.0001, e_nu, xtol=1e-15)
    assert mb.reconstruct_eqe(e_e - M_ELECTRON, cos, binding) == pytest.approx(e_nu, rel=1e-9)


def test_eqe_without_solution_is_inf_not_nan():
    e = mb.reconstruct_eqe(np.array([2.0, 0.3]), np.array([-1.0, 0.5]))
    assert np.isinf(e[0])
    assert np.isfinite(e[1])


def test_eqe_rejects_bad_input():
    with pytest.raises(PhysicsDomainError, match="cos"):
        mb.reconstruct_eqe(0.3, 1.5)
    with pytest.raises(PhysicsDomainError, match=">= 0"):
        mb.reconstruct_eqe(-0.1, 0.5)


# ---------------------------------------------------------------- efficiency


def test_linear_efficiency_fit_follows_table(cfg):
    table = mb.efficiency_table()
    a, b = mb.linear_efficiency_fit(cfg.efficiency_fit_range_gev)
    assert b < 0  # "linearly decreasing" (paper Sec. IV.A)
    lo, hi = cfg.efficiency_fit_range_gev
    rows = (table.energy_gev >= lo) & (table.energy_gev <= hi)
    dev = np.abs(a + b * table.energy_gev[rows] - table.efficiency[rows])
    assert dev.max() < 0.01  # absolute; the table's own systematic errors are 0.004-0.021
    assert np.all(dev < 2.5 * table.error[rows])  # worst: last row (2 GeV), 2.2 sigma
    # the line is what photon_efficiency uses by default
    t = np.array([0.3, 1.0, 1.9])
    assert np.allclose(mb.photon_efficiency(t, cfg), a + b * t)
    assert np.all(mb.photon_efficiency(np.array([10.0]), cfg) == 0.0)  # clipped beyond zero


def test_table_efficiency_interpolates_rows(cfg):
    table = mb.efficiency_table()
    tab_cfg = mb.load_config(efficiency_model="table")
    assert np.allclose(mb.photon_efficiency(table.energy_gev, tab_cfg), table.efficiency)
    mid = 0.5 * (table.energy_gev[2] + table.energy_gev[3])
    assert mb.photon_efficiency(mid, tab_cfg) == pytest.approx(
        0.5 * (table.efficiency[2] + table.efficiency[3])
    )
    assert mb.photon_efficiency(0.0, tab_cfg) == 0.0


# ---------------------------------------------------------------- smearing


def test_resolutions_have_the_papers_typical_values(cfg):
    """Sec. IV.A: typical 10% and 3 degrees for photons of this model (0.3-0.7 GeV)."""
    t = np.array([0.3, 0.5, 0.7])
    rel = mb.energy_resolution(t, cfg) / t
    assert np.all((rel > 0.08) & (rel < 0.13))
    deg = np.rad2deg(mb.angular_resolution(t, cfg))
    assert np.all((deg > 2.5) & (deg < 4.0))
    # resolution improves with energy and never worsens above the parabola's vertex
    grid = np.linspace(0.14, 3.0, 50)
    assert np.all(np.diff(mb.angular_resolution(grid, cfg)) <= 1e-15)
    assert np.all(np.diff(mb.energy_resolution(grid, cfg) / grid) < 0)


def test_energy_smearing_matches_gaussian_width(cfg, rng):
    t = np.full(200_000, 0.5)
    e = mb.smear_energy(t, rng, cfg)
    sigma = mb.energy_resolution(0.5, cfg)
    n = t.size
    assert e.mean() == pytest.approx(0.5, abs=5 * sigma / np.sqrt(n))
    assert e.std() == pytest.approx(sigma, rel=5 / np.sqrt(2 * n))
    assert sps.kstest((e - 0.5) / sigma, "norm").pvalue > 1e-3


def test_direction_smearing_matches_gaussian_width(cfg, rng):
    n = 200_000
    true = np.array([0.3, -0.4, np.sqrt(1 - 0.25)])
    d = np.broadcast_to(true, (n, 3))
    t = np.full(n, 0.4)
    smeared = mb.smear_direction(d, t, rng, cfg)
    assert np.allclose(np.linalg.norm(smeared, axis=1), 1.0)
    angle = np.arccos(np.clip(smeared @ true, -1, 1))
    sigma = float(mb.angular_resolution(0.4, cfg))
    # |delta| is half-normal: E[delta^2] = sigma^2, E|delta| = sigma sqrt(2/pi)
    assert np.sqrt(np.mean(angle**2)) == pytest.approx(sigma, rel=5 / np.sqrt(2 * n))
    assert angle.mean() == pytest.approx(sigma * np.sqrt(2 / np.pi), rel=0.01)
    assert sps.kstest(angle / sigma, sps.halfnorm.cdf).pvalue > 1e-3
    # azimuth about the true direction is uniform
    from neutrissimo.physics.kinematics import orthonormal_basis

    e1, e2, _ = orthonormal_basis(true[None, :])
    phi = np.arctan2(smeared @ e2[0], smeared @ e1[0])
    assert sps.kstest((phi + np.pi) / (2 * np.pi), "uniform").pvalue > 1e-3


def test_response_threshold_and_alignment(cfg, rng):
    t = np.array([0.1, 0.139, 0.141, 0.5, 1.2])
    d = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    reco = mb.detector_response(t, d, rng, cfg)
    assert reco.efficiency.shape == t.shape
    assert np.all(reco.efficiency[:2] == 0.0)
    assert np.allclose(reco.efficiency[2:], mb.photon_efficiency(t[2:], cfg))
    # same seed, same answer; the response never depends on weights
    again = mb.detector_response(t, d, np.random.default_rng(20230303), cfg)
    first = mb.detector_response(t, d, np.random.default_rng(20230303), cfg)
    assert np.array_equal(mb.eqe_of(again, cfg), mb.eqe_of(first, cfg))
    # threshold on the reconstructed energy instead
    reco_cfg = mb.load_config(threshold_applies_to="reconstructed")
    r2 = mb.detector_response(t, d, np.random.default_rng(1), reco_cfg)
    assert np.all((r2.efficiency > 0) == (r2.energy_gev >= 0.14))


def test_response_rejects_bad_directions(cfg, rng):
    with pytest.raises(PhysicsDomainError, match="unit"):
        mb.detector_response(np.array([0.5]), np.array([[0.0, 0.0, 2.0]]), rng, cfg)
    with pytest.raises(PhysicsDomainError, match="shape"):
        mb.detector_response(np.array([0.5]), np.array([0.0, 0.0, 1.0]), rng, cfg)


# ---------------------------------------------------------------- histograms


def test_histogram_keeps_sum_of_squared_weights():
    h = fill_histogram([0.1, 0.15, 0.7, 5.0], [2.0, 3.0, 0.5, 100.0], [0.0, 0.5, 1.0])
    assert np.allclose(h.sumw, [5.0, 0.5])
    assert np.allclose(h.sumw2, [13.0, 0.25])
    assert np.allclose(h.effective_entries, [25 / 13, 1.0])
    assert np.allclose(h.scaled(2.0).sumw2, [52.0, 1.0])


def test_histograms_in_official_binnings(cfg, rng):
    n = 50_000
    t = rng.uniform(0.15, 1.5, n)
    cos = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    sin = np.sqrt(1 - cos**2)
    d = np.stack([sin * np.cos(phi), sin * np.sin(phi), cos], axis=1)
    w = rng.uniform(0.5, 1.5, n)
    reco = mb.detector_response(t, d, rng, cfg)
    h = mb.histogram_eqe(reco, w, cfg)
    assert h.edges.size == 12
    assert h.edges[0] == pytest.approx(0.2)
    assert h.edges[-1] == pytest.approx(3.0)
    eqe = mb.eqe_of(reco, cfg)
    inside = (eqe >= 0.2) & (eqe <= 3.0)
    assert h.sumw.sum() == pytest.approx(np.sum((w * reco.efficiency)[inside]))
    assert h.sumw2.sum() == pytest.approx(np.sum((w * reco.efficiency)[inside] ** 2))
    hc = mb.histogram_cos_theta(reco, w, cfg)
    assert hc.edges.size == 21
    window = (eqe >= 0.2) & (eqe < 1.25)
    assert hc.sumw.sum() == pytest.approx(np.sum((w * reco.efficiency)[window]))
    assert hc.sumw.sum() < h.sumw.sum()


# ---------------------------------------------------------------- data release


def test_release_contents():
    rel = mb.load_numode_release()
    assert rel.nue_data.sum() == pytest.approx(3202)
    assert rel.nue_data[:9].sum() == pytest.approx(2870)  # 200-1250 MeV
    assert rel.nue_background[:9].sum() == pytest.approx(2322.7, abs=0.1)
    assert rel.numu_data.size == rel.numu_prediction.size == 8
    assert rel.numu_edges_gev.size == 9
    f = rel.fractional_covariance
    assert f.shape == (30, 30)
    assert np.allclose(f, f.T)
    assert np.linalg.eigvalsh(f).min() > 0  # the official fractional matrix is PD
    assert sum(n for _, n in mb.COVARIANCE_BLOCKS) == 30
    with pytest.raises(ValueError, match="read-only"):
        rel.nue_data[0] = 0.0


def test_fullosc_ntuple_normalisation():
    nt = mb.load_fullosc_ntuple()
    assert nt.weight.size == 17204
    assert nt.weight.sum() == pytest.approx(3.051e5, rel=1e-3)  # PROVENANCE 1a
    assert 400e2 < np.median(nt.baseline_cm) < 600e2  # decay pipe + 541 m baseline, in cm
    assert np.all(nt.etrue_gev > 0)


def test_cos_theta_data():
    c = mb.load_cos_theta_data()
    assert c.edges.size == 21
    assert c.data.sum() == pytest.approx(2884.6, abs=0.5)  # digitized; true count is 2870
    assert c.background.sum() == pytest.approx(2324.3, abs=0.5)
    assert c.beam_nue_template.sum() == pytest.approx(657, abs=2)
    assert np.all(c.beam_nue_template >= 0)
    assert c.beam_nue_template[-5:].sum() > c.beam_nue_template[:5].sum()  # forward peaked


def test_bad_release_files_are_rejected(tmp_path):
    short = tmp_path / "nuedata.txt"
    short.write_text("1 2 3 4 5 6 7 8 9 10\n")
    with pytest.raises(DataFileError, match="10 numbers, expected 11"):
        mb.read_vector(short, 11)
    text = tmp_path / "text.txt"
    text.write_text("1 2 three\n")
    with pytest.raises(DataFileError, match="not a numeric table"):
        mb.read_vector(text, 3)
    asym = tmp_path / "cov.txt"
    m = np.eye(30)
    m[0, 1] = 0.5
    np.savetxt(asym, m)
    with pytest.raises(DataFileError, match="not symmetric"):
        mb.read_covariance(asym, 30)
    small = tmp_path / "cov29.txt"
    np.savetxt(small, np.eye(29))
    with pytest.raises(DataFileError, match="29x29, expected 30x30"):
        mb.read_covariance(small, 30)
    ntuple = tmp_path / "ntuple.txt"
    np.savetxt(ntuple, np.ones((5, 3)))
    with pytest.raises(DataFileError, match="3 columns, expected 4"):
        mb.read_fullosc_ntuple(ntuple)
    dig = tmp_path / "dig.dat"
    np.savetxt(dig, np.column_stack([np.linspace(-0.95, 0.95, 20) + 0.05, np.ones(20)]))
    with pytest.raises(DataFileError, match="do not match the bin centres"):
        mb.read_digitized(dig, np.linspace(-0.95, 0.95, 20))


def test_config_errors(tmp_path):
    with pytest.raises(ConfigurationError, match="model"):
        mb.load_config(efficiency_model="cubic")
    with pytest.raises(ConfigurationError, match="override"):
        mb.load_config(no_such_field=1)
    with pytest.raises(ConfigurationError, match="bin edges"):
        mb.load_config(fit_eqe_range_gev=(0.25, 3.0))
    bad = tmp_path / "mb.toml"
    bad.write_text("[exposure]\npot = 1\n")
    with pytest.raises(ConfigurationError, match=r"missing key 'efficiency'"):
        mb.load_config(bad)

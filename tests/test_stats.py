"""MiniBooNE chi^2 (covariance, nu_mu constraint), cos(theta) chi^2, Wilks, contours, CSV."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from neutrissimo.analyses.scan_csv import (
    CONTOUR_COLUMNS,
    GRID_COLUMNS,
    read_contour_csvs,
    read_grid_csv,
    write_contour_csvs,
    write_grid_csv,
    write_scan_csvs,
)
from neutrissimo.exceptions import ConfigurationError, DataFileError, PhysicsDomainError
from neutrissimo.experiments.miniboone.config import load_config
from neutrissimo.experiments.miniboone.likelihood import (
    MiniBooNECosThetaLikelihood,
    MiniBooNEEnergyLikelihood,
    chi2_cos_theta,
    collapse_signal_background,
)
from neutrissimo.experiments.miniboone.oscillations import AppearancePredictor
from neutrissimo.experiments.miniboone.release import load_numode_release
from neutrissimo.statistics.contours import contour_paths, wilks_regions
from neutrissimo.statistics.gaussian import (
    absolute_covariance,
    chi2_covariance,
    conditional_gaussian,
)
from neutrissimo.statistics.wilks import (
    delta_chi2_threshold,
    sigma_to_probability,
    standard_thresholds,
)


@pytest.fixture(scope="module")
def lik():
    return MiniBooNEEnergyLikelihood.from_release()


@pytest.fixture(scope="module")
def osc():
    return AppearancePredictor.from_release()


def _signals(osc):
    return np.array(
        [
            np.zeros(11),
            osc.scenario_eqe("global-no-mb"),
            osc.scenario_eqe("mb-microboone"),
            osc.eqe(0.0391607, 0.842639),
            np.linspace(300.0, 0.0, 11),
        ]
    )


# ---------------------------------------------------------------- E_QE chi^2


def test_background_only_chi2_by_hand(lik):
    """19x19 covariance assembled element by element; chi^2 by explicit inversion."""
    rel = load_numode_release()
    f = rel.fractional_covariance
    b, m = rel.nue_background, rel.numu_prediction
    cov = np.zeros((19, 19))
    for i in range(19):
        for j in range(19):
            if i < 11 and j < 11:
                cov[i, j] = f[11 + i, 11 + j] * b[i] * b[j]
            elif i < 11:
                cov[i, j] = f[11 + i, 22 + j - 11] * b[i] * m[j - 11]
            elif j < 11:
                cov[i, j] = f[22 + i - 11, 11 + j] * m[i - 11] * b[j]
            else:
                cov[i, j] = f[22 + i - 11, 22 + j - 11] * m[i - 11] * m[j - 11]
    r = np.concatenate([rel.nue_data - b, rel.numu_data - m])
    by_hand = r @ np.linalg.inv(cov) @ r
    assert float(lik.chi2(np.zeros(11))) == pytest.approx(by_hand, rel=1e-9)
    assert by_hand == pytest.approx(31.80, abs=0.01)
    sign, logdet = np.linalg.slogdet(cov)
    assert sign > 0
    assert float(lik.chi2(np.zeros(11), log_det=True)) == pytest.approx(by_hand + logdet, rel=1e-9)


def test_no_oscillation_matches_official_surface(lik, osc):
    """Official -2lnL at (dm2 = 0.01, s22t = 3e-4), effectively no signal: 215.747."""
    value = float(lik.chi2(osc.eqe(0.01, 3e-4), log_det=True))
    assert value == pytest.approx(215.747, abs=0.01)


def test_signal_with_stat_term_by_hand(lik):
    """Non-zero signal: covariance from the recipe written out with numpy blocks."""
    rel = load_numode_release()
    f = rel.fractional_covariance
    s = np.linspace(50.0, 5.0, 11)
    n = np.concatenate([s, rel.nue_background, rel.numu_prediction])
    m = f * np.outer(n, n) + np.diag(np.concatenate([s, np.zeros(19)]))
    c = np.zeros((19, 19))
    c[:11, :11] = m[:11, :11] + m[:11, 11:22] + m[11:22, :11] + m[11:22, 11:22]
    c[:11, 11:] = m[:11, 22:] + m[11:22, 22:]
    c[11:, :11] = c[:11, 11:].T
    c[11:, 11:] = m[22:, 22:]
    assert np.allclose(lik.covariance(s), c, rtol=1e-12)
    r = np.concatenate([rel.nue_data - s - rel.nue_background, rel.numu_data - rel.numu_prediction])
    assert float(lik.chi2(s)) == pytest.approx(r @ np.linalg.solve(c, r), rel=1e-10)


def test_zero_dipole_gives_the_no_hnl_chi2(lik, osc):
    for name in ("global-no-mb", "mb-microboone"):
        oscillation = osc.scenario_eqe(name)
        dipole = np.zeros(11)
        assert lik.chi2(oscillation + dipole) == lik.chi2(oscillation)
    cos_bkg = np.full(20, 100.0)
    cos_osc = np.linspace(1.0, 10.0, 20)
    data = cos_bkg + 2 * cos_osc
    f = load_config().cos_fractional_systematic
    assert chi2_cos_theta(data, cos_bkg + cos_osc + 0.0, fractional_systematic=f) == chi2_cos_theta(
        data, cos_bkg + cos_osc, fractional_systematic=f
    )


def test_conditional_and_joint_forms_agree(lik, osc):
    signals = _signals(osc)
    joint = lik.chi2(signals)
    cond = lik.chi2_conditional(signals)
    assert np.allclose(joint - cond, lik.numu_chi2(), rtol=1e-9, atol=1e-9)
    joint_l = lik.chi2(signals, log_det=True)
    cond_l = lik.chi2_conditional(signals, log_det=True)
    assert np.allclose(joint_l - cond_l, lik.numu_chi2(log_det=True), rtol=1e-9, atol=1e-8)
    # hence identical Delta chi^2 between any two hypotheses
    assert np.allclose(np.diff(joint), np.diff(cond), atol=1e-8)


def test_constrained_background(lik):
    bkg, cov = lik.constrained_background()
    sub = slice(0, 9)  # 200-1250 MeV
    # the nu_mu data pull the background up; the error shrinks from 256 to 124 events
    # (2020 paper: 2309.4 +- 119.6 from the collaboration's internal fit)
    assert bkg[sub].sum() == pytest.approx(2359.0, abs=1.0)
    assert np.sqrt(cov[sub, sub].sum()) == pytest.approx(124.2, abs=0.5)
    unconstrained = absolute_covariance(
        load_numode_release().fractional_covariance[11:22, 11:22],
        load_numode_release().nue_background,
    )
    assert np.sqrt(cov[sub, sub].sum()) < 0.6 * np.sqrt(unconstrained[sub, sub].sum())


def test_covariances_stay_positive_definite(lik, osc):
    rel = load_numode_release()
    for s in _signals(osc):
        n = np.concatenate([s, rel.nue_background, rel.numu_prediction])
        m = absolute_covariance(rel.fractional_covariance, n)
        m[np.arange(11), np.arange(11)] += s
        if np.all(s > 0):
            assert np.linalg.eigvalsh(m).min() > 0  # 30x30 with stat term
        assert np.linalg.eigvalsh(collapse_signal_background(m)).min() > 0  # 19x19
        assert np.linalg.eigvalsh(lik.covariance(s)).min() > 0
        _, cond = lik.conditional(s)
        assert np.linalg.eigvalsh(cond).min() > 0  # nu_e given nu_mu
    narrow = MiniBooNEEnergyLikelihood.from_release(
        config=load_config(fit_eqe_range_gev=(0.2, 1.25))
    )
    for s in _signals(osc):
        c = narrow.covariance(s)
        assert c.shape == (17, 17)
        assert np.linalg.eigvalsh(c).min() > 0
        assert np.linalg.eigvalsh(narrow.conditional(s)[1]).min() > 0


def test_narrow_range_is_the_marginal(lik, osc):
    narrow = MiniBooNEEnergyLikelihood.from_release(
        config=load_config(fit_eqe_range_gev=(0.2, 1.25))
    )
    s = osc.scenario_eqe("mb-microboone")
    keep = np.r_[np.arange(9), np.arange(11, 19)]
    full_cov = lik.covariance(s)
    assert np.allclose(narrow.covariance(s), full_cov[np.ix_(keep, keep)])
    r = lik.residual(s)[keep]
    assert float(narrow.chi2(s)) == pytest.approx(
        r @ np.linalg.solve(full_cov[np.ix_(keep, keep)], r)
    )


def test_bad_signal_and_bad_covariance_raise(lik):
    with pytest.raises(PhysicsDomainError, match=">= 0"):
        lik.chi2(-np.ones(11))
    with pytest.raises(PhysicsDomainError, match="11 E_QE bins"):
        lik.chi2(np.ones(9))
    with pytest.raises(PhysicsDomainError, match="positive definite"):
        chi2_covariance(np.ones(2), np.array([[1.0, 2.0], [2.0, 1.0]]))


def test_chi2_covariance_batched_and_conditional_gaussian():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 5, 5))
    cov = a @ np.swapaxes(a, 1, 2) + 5 * np.eye(5)
    r = rng.normal(size=(4, 5))
    batched = chi2_covariance(r, cov, log_det=True)
    for k in range(4):
        ref = r[k] @ np.linalg.inv(cov[k]) @ r[k] + np.log(np.linalg.det(cov[k]))
        assert batched[k] == pytest.approx(ref, rel=1e-10)
    # conditional of a 2-D Gaussian by hand
    c = np.array([[4.0, 1.2], [1.2, 1.0]])
    mean, var = conditional_gaussian(np.array([1.0, 2.0]), c, 1, np.array([3.0]))
    assert mean[0] == pytest.approx(1.0 + 1.2 / 1.0 * (3.0 - 2.0))
    assert var[0, 0] == pytest.approx(4.0 - 1.2**2 / 1.0)


# ---------------------------------------------------------------- cos(theta)


def test_cos_theta_chi2_by_hand():
    data = np.array([10.0, 20.0, 5.0])
    pred = np.array([12.0, 15.0, 5.0])
    expected = sum((d - p) ** 2 / (p + (0.13 * p) ** 2) for d, p in zip(data, pred, strict=True))
    assert chi2_cos_theta(data, pred, fractional_systematic=0.13) == pytest.approx(expected)
    neyman = sum((d - p) ** 2 / (d + (0.13 * p) ** 2) for d, p in zip(data, pred, strict=True))
    assert chi2_cos_theta(data, pred, fractional_systematic=0.13, stat="neyman") == pytest.approx(
        neyman
    )
    both = chi2_cos_theta(data, np.stack([pred, data]), fractional_systematic=0.13)
    assert np.allclose(both, [expected, 0.0])
    with pytest.raises(ConfigurationError):
        chi2_cos_theta(data, pred, fractional_systematic=0.13, stat="cnp-ish")


def test_cos_theta_likelihood_uses_background_plus_signal(osc):
    cos_lik = MiniBooNECosThetaLikelihood.from_release()
    sig = osc.scenario_cos_theta("mb-microboone")
    ref = chi2_cos_theta(cos_lik.data, cos_lik.background + sig, fractional_systematic=0.13)
    assert float(cos_lik.chi2(sig)) == pytest.approx(float(ref))
    # the oscillation component improves the no-signal fit of the forward excess
    assert cos_lik.chi2(sig) < cos_lik.chi2(np.zeros(20))
    with pytest.raises(PhysicsDomainError, match="20 bins"):
        cos_lik.chi2(np.zeros(11))


# ---------------------------------------------------------------- Wilks


def test_wilks_thresholds_follow_chi2_ppf():
    th = standard_thresholds(dof=2)
    for n in (1, 2, 3):
        p = math.erf(n / math.sqrt(2))
        assert th[f"{n}sigma"] == pytest.approx(sps.chi2.ppf(p, 2), rel=1e-12)
        assert th[f"{n}sigma"] == pytest.approx(
            -2 * math.log(1 - p), rel=1e-10
        )  # 2 dof closed form
    assert th["90%"] == pytest.approx(4.605, abs=1e-3)
    assert th["95%"] == pytest.approx(5.991, abs=1e-3)
    assert th["1sigma"] == pytest.approx(2.30, abs=0.01)
    assert th["2sigma"] == pytest.approx(6.18, abs=0.01)
    assert th["3sigma"] == pytest.approx(11.83, abs=0.01)
    assert float(delta_chi2_threshold(sigma=1, dof=1)) == pytest.approx(1.0, rel=1e-10)
    assert float(sigma_to_probability(2)) == pytest.approx(0.9544997, rel=1e-6)
    with pytest.raises(ConfigurationError):
        delta_chi2_threshold(1.2)


# ---------------------------------------------------------------- contours


def _area(path):
    x, y = path[:, 0], path[:, 1]
    return 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def test_contour_of_a_paraboloid_is_the_circle():
    x = np.linspace(-2, 2, 161)
    y = np.linspace(-1.5, 2.5, 141)
    xx, yy = np.meshgrid(x, y, indexing="ij")
    z = (xx - 0.2) ** 2 + (yy - 0.4) ** 2  # paraboloid, minimum at (0.2, 0.4)
    paths = contour_paths(x, y, z, 1.0)
    assert len(paths) == 1
    p = paths[0]
    assert np.array_equal(p[0], p[-1])
    radius = np.hypot(p[:, 0] - 0.2, p[:, 1] - 0.4)
    assert np.allclose(radius, 1.0, atol=2e-3)
    assert _area(p) == pytest.approx(np.pi, rel=2e-3)


def test_contour_log_axes_and_edges():
    x = np.logspace(-2, 0, 121)
    y = np.logspace(-8, -5, 151)
    lx, ly = np.meshgrid(np.log10(x), np.log10(y), indexing="ij")
    z = ((lx + 1) / 0.5) ** 2 + ((ly + 6.5) / 0.8) ** 2  # ellipse in log space
    (p,) = contour_paths(x, y, z, 1.0, log_x=True, log_y=True)
    u, v = (np.log10(p[:, 0]) + 1) / 0.5, (np.log10(p[:, 1]) + 6.5) / 0.8
    assert np.allclose(np.hypot(u, v), 1.0, atol=3e-3)
    # a region cut by the grid edge is closed along the edge
    (cut,) = contour_paths(x, y, z, 9.0, log_x=True, log_y=True)
    assert np.array_equal(cut[0], cut[-1])
    assert np.isclose(cut[:, 0].min(), x[0]) or np.isclose(cut[:, 1].min(), y[0])
    assert contour_paths(x, y, z, -1.0) == []
    with pytest.raises(ConfigurationError, match="shape"):
        contour_paths(x, y, z.T, 1.0)


# ---------------------------------------------------------------- CSV


def test_grid_and_contour_csv_roundtrip(tmp_path):
    m = np.array([0.01, 0.1, 1.0])
    d = np.array([1e-7, 1e-6])
    chi2 = np.array([[5.0, 3.0], [2.5, 4.0], [np.nan, 9.0]])
    path = write_grid_csv(tmp_path / "scan.csv", m, d, chi2)
    lines = path.read_text().splitlines()
    assert lines[0] == "m_N [GeV],d_mu [GeV^-1],chi2,delta_chi2"
    assert len(lines) == 7
    back = read_grid_csv(path)
    assert list(back) == list(GRID_COLUMNS)
    assert np.allclose(back["m_N [GeV]"], [0.01, 0.01, 0.1, 0.1, 1.0, 1.0])
    assert np.allclose(back["delta_chi2"], (chi2 - 2.5).ravel(), equal_nan=True)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError, match="header"):
        read_grid_csv(bad)

    circle = np.column_stack(
        [np.cos(np.linspace(0, 2 * np.pi, 9)), np.sin(np.linspace(0, 2 * np.pi, 9))]
    )
    files = write_contour_csvs(tmp_path, "eqe_2sigma", [circle, circle * 0.5, circle * 0.2])
    assert [f.name for f in files] == [f"eqe_2sigma_path{k}.csv" for k in range(3)]
    assert files[0].read_text().splitlines()[0] == ",".join(CONTOUR_COLUMNS)
    assert np.allclose(np.loadtxt(files[1], delimiter=",", skiprows=1), circle * 0.5)
    # rewriting with fewer paths removes the stale files
    write_contour_csvs(tmp_path, "eqe_2sigma", [circle])
    assert sorted(p.name for p in tmp_path.glob("eqe_2sigma_path*.csv")) == ["eqe_2sigma_path0.csv"]


def test_scan_csvs_hold_the_wilks_regions(tmp_path):
    m = np.logspace(-3, 1, 80)  # wide enough to hold the 3 sigma ellipse
    d = np.logspace(-8, -5, 70)
    lm, ld = np.meshgrid(np.log10(m), np.log10(d), indexing="ij")
    chi2 = 40.0 + ((lm + 1) / 0.3) ** 2 + ((ld + 6.5) / 0.4) ** 2
    files = write_scan_csvs(tmp_path, "eqe", m, d, chi2, wilks_regions(m, d, chi2))
    assert set(files) == {"grid", "1sigma", "2sigma", "3sigma"}
    grid = read_grid_csv(files["grid"][0])
    assert grid["delta_chi2"].min() == pytest.approx(0.0, abs=1e-12)
    for n in (1, 2, 3):
        (path,) = files[f"{n}sigma"]
        pts = np.loadtxt(path, delimiter=",", skiprows=1)
        r2 = ((np.log10(pts[:, 0]) + 1) / 0.3) ** 2 + ((np.log10(pts[:, 1]) + 6.5) / 0.4) ** 2
        # the analytic minimum lies between grid points: compare with the gridded minimum
        shift = chi2.min() - 40.0
        assert np.allclose(r2, delta_chi2_threshold(sigma=n) + shift, rtol=0.02)
        np.testing.assert_array_equal(read_contour_csvs(tmp_path, f"eqe_{n}sigma")[0], pts)

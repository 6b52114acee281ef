"""Events: exact reweighting in the couplings and Parquet round trips (synthetic samples)."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError, DataFileError, DipoleModel
from neutrissimo.simulation.events import Events, WeightSummary, read_events


def synthetic(rng, n=200_000, m_n=0.1):
    """Decay distances drawn log-uniformly on [1e-3, 1e5] cm (q = 1/(x ln 1e8)); every event has
    production weight 1 and |p| = 1 GeV, so sum(w) estimates P(decay in [1e-3, 1e5])."""
    x = 10 ** rng.uniform(-3, 5, n)
    columns = {
        "decay_distance": x,
        "decay_proposal": 1 / (x * np.log(1e8)),
        "hnl_momentum": np.full(n, 1.0),
        "weight_production": np.full(n, 1.0 / n),
        "vertex": rng.normal(size=(n, 3)),
        "region": np.where(rng.random(n) < 0.5, "dirt", "detector"),
    }
    return Events(DipoleModel(m_N=m_n, d_mu=1.0), columns, {"experiment": "toy", "seed": 1})


@pytest.mark.parametrize("d_mu", [1e-7, 1e-6, 1e-5])
def test_reweighting_gives_the_exact_decay_probability(rng, d_mu):
    events = synthetic(rng)
    model = DipoleModel(m_N=0.1, d_mu=d_mu)
    length = 1.0 / 0.1 * model.ctau
    exact = d_mu**2 * (np.exp(-1e-3 / length) - np.exp(-1e5 / length))
    summary = events.summary(model)
    assert summary.rate == pytest.approx(exact, abs=4 * summary.error)
    assert summary.effective_size > 1000


def test_tau_coupling_only_shortens_the_lifetime(rng):
    events = synthetic(rng)
    mu_only = DipoleModel(m_N=0.1, d_mu=1e-7)
    with_tau = DipoleModel(m_N=0.1, d_mu=1e-7, d_tau=1e-7 * 1.77686 / 0.1056583755)
    ratio = with_tau.width / mu_only.width
    length = 10 * mu_only.ctau
    x = events["decay_distance"]
    expected = np.exp(-x * ratio / length) * ratio / np.exp(-x / length)
    np.testing.assert_allclose(
        events.weights(with_tau), events.weights(mu_only) * expected, rtol=1e-12
    )


def test_reweighting_to_another_mass_is_refused(rng):
    with pytest.raises(ConfigurationError, match="cannot be reweighted"):
        synthetic(rng).weights(DipoleModel(m_N=0.2, d_mu=1e-6))


def test_zero_couplings_give_zero_weights_not_nan(rng):
    weights = synthetic(rng, n=100).weights(DipoleModel(m_N=0.1))
    assert np.all(weights == 0.0)


def test_parquet_round_trip_keeps_columns_model_and_metadata(rng, tmp_path):
    events = synthetic(rng, n=1000).reweight(DipoleModel(m_N=0.1, d_mu=2e-7))
    path = events.to_parquet(tmp_path / "sub" / "events.parquet")
    back = read_events(path)
    assert back.model == events.model
    assert back.metadata == events.metadata
    for name, column in events.columns.items():
        np.testing.assert_array_equal(back[name], column)
    assert not list(path.parent.glob(".*.tmp"))  # atomic write leaves no temporary file


def test_reading_a_foreign_file_is_a_named_error(tmp_path):
    bogus = tmp_path / "not_events.parquet"
    bogus.write_text("not parquet")
    with pytest.raises(DataFileError, match="not a neutrissimo event file"):
        read_events(bogus)
    with pytest.raises(DataFileError, match="does not exist"):
        read_events(tmp_path / "missing.parquet")


def test_summary_of_equal_weights():
    summary = WeightSummary.of(np.full(400, 0.5))
    assert (summary.rate, summary.error, summary.effective_size) == pytest.approx(
        (200.0, 10.0, 400.0)
    )


def test_summary_reports_efficiency_and_zero_weights():
    """ESS/N is 1 for equal weights; one heavy event among N gives ESS ~ 1; zeros are counted."""
    weights = np.concatenate([np.full(300, 0.5), np.zeros(100)])
    summary = WeightSummary.of(weights)
    assert summary.n_events == 400
    assert summary.zero_fraction == pytest.approx(0.25)
    assert summary.ess_fraction == pytest.approx(300 / 400)
    heavy = WeightSummary.of(np.concatenate([[1e6], np.full(999, 1e-6)]))
    assert heavy.effective_size == pytest.approx(1.0, rel=1e-6)
    assert heavy.ess_fraction == pytest.approx(1e-3, rel=1e-6)
    assert WeightSummary.of(np.zeros(0)).ess_fraction == 0.0


def test_block_weights_equal_the_closed_form_bit_for_bit(rng):
    """DecayReweighting.rows of any block of events equals w = w_prod d_mu^2 exp(-a / c tau)
    m_N / (|p_N| c tau q) evaluated for all events at once, bit for bit: the couplings at which
    every event of a block has decayed (exp(-a / c tau) = 0) are skipped, a stable HNL gives
    0. Layout: (couplings, events) from decay_weights, (events, couplings) from rows."""
    from neutrissimo.simulation.events import UNDERFLOW, DecayReweighting, decay_weights

    assert np.exp(-UNDERFLOW) == 0.0
    events = synthetic(rng, n=3000)
    columns = events.columns
    d_mu = np.geomspace(1e-8, 1e-4, 40)
    ctau = np.concatenate([np.geomspace(1e5, 1e-6, 39), [np.inf]])
    per_mass = 0.1 / columns["hnl_momentum"]
    with np.errstate(under="ignore"):
        exact = np.exp(np.multiply.outer(columns["decay_distance"] * per_mass, -1.0 / ctau))
    exact *= (columns["weight_production"] * per_mass / columns["decay_proposal"])[:, None]
    exact *= d_mu**2 * (1.0 / ctau)
    assert (exact == 0).mean() > 0.1
    assert exact[:, -1].max() == 0.0
    reweighting = DecayReweighting.of(columns, 0.1, d_mu, ctau)
    np.testing.assert_array_equal(decay_weights(columns, 0.1, d_mu, ctau), exact.T)
    order = np.argsort(columns["decay_distance"])
    for block in np.array_split(order, 50):
        np.testing.assert_array_equal(reweighting.rows(block), exact[block])

"""Streaming generation: the file written batch by batch equals the in-memory sample's, the
summary accumulated on the fly equals the in-memory one, and nothing is left behind on error."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from neutrissimo import DipoleModel, PhysicsDomainError
from neutrissimo.experiments.setups import load_setup
from neutrissimo.simulation import trials
from neutrissimo.simulation.events import WeightSummary, read_events
from neutrissimo.simulation.injection import generate
from neutrissimo.simulation.streaming import require_representable, simulate_to_file

MODEL = DipoleModel(m_N=0.47, d_mu=1.25e-6)
EVENTS = 2500


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 1000 trials, so that a small sample spans several of them."""
    monkeypatch.setattr(trials, "BATCH_SIZE", 1000)


def _same_sample(path_a, path_b):
    a, b = read_events(path_a), read_events(path_b)
    assert a.model == b.model
    assert a.columns.keys() == b.columns.keys()
    for name in a.columns:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)  # to the last bit
    meta_a, meta_b = dict(a.metadata), dict(b.metadata)
    assert meta_a.pop("wall_time_s") > 0
    assert meta_b.pop("wall_time_s") > 0
    assert meta_a == meta_b
    schema_a, schema_b = pq.read_schema(path_a), pq.read_schema(path_b)
    assert schema_a.equals(schema_b, check_metadata=False)
    for key in (b"neutrissimo.model", b"neutrissimo.units"):
        assert schema_a.metadata[key] == schema_b.metadata[key]


@pytest.mark.parametrize("legacy", [False, True])
def test_streamed_file_equals_the_in_memory_sample(tmp_path, small_batches, legacy):
    setup = load_setup("miniboone")
    settings = setup.injection.legacy() if legacy else None
    memory = generate(setup, MODEL, EVENTS, np.random.default_rng(7), seed=7, settings=settings)
    memory.to_parquet(tmp_path / "memory.parquet")
    streamed = simulate_to_file(
        setup, MODEL, EVENTS, np.random.default_rng(7), tmp_path / "s.parquet", seed=7,
        settings=settings,
    )  # fmt: skip
    assert pq.ParquetFile(tmp_path / "s.parquet").num_row_groups > 1  # one per batch
    _same_sample(tmp_path / "memory.parquet", tmp_path / "s.parquet")
    expected = memory.summary()
    got = streamed.summary
    assert got.n_events == expected.n_events == EVENTS
    assert got.zero_fraction == expected.zero_fraction
    for name in ("rate", "error", "effective_size"):
        assert getattr(got, name) == pytest.approx(getattr(expected, name), rel=1e-13)
    shares = memory.shares("region")
    assert streamed.region_shares == pytest.approx(shares, rel=1e-12)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.parquet", "s.parquet"]


def test_streamed_hepmc3_equals_the_in_memory_one(tmp_path, small_batches):
    setup = load_setup("miniboone")
    memory = generate(setup, MODEL, 400, np.random.default_rng(3), seed=3)
    memory.to_hepmc3(tmp_path / "memory.hepmc3")
    simulate_to_file(setup, MODEL, 400, np.random.default_rng(3), tmp_path / "s.hepmc3", seed=3)
    text_a = (tmp_path / "memory.hepmc3").read_text()
    text_b = (tmp_path / "s.hepmc3").read_text()
    assert text_a.count("\nE ") == text_b.count("\nE ") > 0
    assert text_a == text_b
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.hepmc3", "s.hepmc3"]


def test_a_failing_check_leaves_no_file(tmp_path, small_batches):
    def refuse(summary: WeightSummary, beta_gamma: float) -> None:
        assert summary.n_events == 300
        assert beta_gamma > 1
        raise PhysicsDomainError("refused")

    with pytest.raises(PhysicsDomainError, match="refused"):
        simulate_to_file(
            load_setup("miniboone"), MODEL, 300, np.random.default_rng(1),
            tmp_path / "x.parquet", check=refuse,
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []  # neither the output nor the scratch file


def test_a_sample_whose_every_weight_underflows_is_refused_naming_the_decay_length():
    zero = WeightSummary(0.0, 0.0, 0.0, 1000, 1.0)
    model = DipoleModel(m_N=0.1, d_mu=1.0)
    with pytest.raises(PhysicsDomainError, match=r"decay length beta gamma c tau = 2\.48e-09 cm"):
        require_representable(model, zero, 10.0)
    require_representable(model, WeightSummary(1.0, 0.1, 100.0, 1000, 0.5), 10.0)  # fine
    require_representable(DipoleModel(m_N=0.1, d_mu=0.0, d_e=1e-6), zero, 10.0)  # no production

"""NuHepMC export: read the file back with pyhepmc and recover weights, four-momenta, vertices
and the inputs of the reweighting formula."""

from __future__ import annotations

import math

import numpy as np
import pyhepmc
import pytest

from neutrissimo.experiments.setups import load_setup
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.hepmc import HNL_PDG, PAIR_PDG, PARTICLE_STATUS, REMNANT_PDG
from neutrissimo.simulation.injection import generate

MODEL = DipoleModel(m_N=0.47, d_mu=1.25e-6)


@pytest.fixture(scope="module")
def sample():
    return generate(load_setup("miniboone"), MODEL, 3000, np.random.default_rng(7), seed=7)


@pytest.fixture(scope="module")
def written(sample, tmp_path_factory):
    path = tmp_path_factory.mktemp("hepmc") / "events.hepmc3"
    assert sample.to_hepmc3(path) == path
    with pyhepmc.open(path) as reader:
        events = list(reader)
    return path, events


def _attr(holder, key, kind=float):
    return kind(str(holder.attributes[key]))


def _p4(particle):
    m = particle.momentum
    return np.array([m.e, m.px, m.py, m.pz])


def test_run_info_declares_the_nuhepmc_requirements(written, sample):
    _, events = written
    info = events[0].run_info
    assert info.tools[0].name == "neutrissimo"
    assert info.tools[0].version
    assert info.weight_names == ["CV"]
    version = [_attr(info, f"NuHepMC.Version.{k}", int) for k in ("Major", "Minor", "Patch")]
    assert version == [1, 0, 0]
    assert _attr(info, "NuHepMC.Exposure.POT") == pytest.approx(sample.metadata["pot"])
    statuses = {int(s) for s in str(info.attributes["NuHepMC.ParticleStatusIDs"]).split()}
    assert statuses == set(PARTICLE_STATUS)
    for code in statuses:
        assert str(info.attributes[f"NuHepMC.ParticleStatusInfo[{code}].Name"])
    processes = {int(s) for s in str(info.attributes["NuHepMC.ProcessIDs"]).split()}
    assert {_attr(e, "signal_process_id", int) for e in events} <= processes
    extra = {int(s) for s in str(info.attributes["NuHepMC.AdditionalParticleNumbers"]).split()}
    assert {HNL_PDG, PAIR_PDG} <= extra
    assert _attr(info, "neutrissimo.Model.d_mu_GeVinv") == MODEL.d_mu


def test_weights_and_event_numbers_round_trip(written, sample):
    _, events = written
    keep = np.flatnonzero(sample["weight_production"] > 0)
    assert len(events) == keep.size > 100
    assert [e.event_number for e in events] == keep.tolist()
    weights = np.array([e.weights[0] for e in events])
    np.testing.assert_allclose(weights, sample.weights()[keep], rtol=1e-12)
    assert weights.sum() == pytest.approx(sample.summary().rate, rel=1e-12)
    for event in events:
        assert event.momentum_unit == pyhepmc.Units.MEV
        assert event.length_unit == pyhepmc.Units.MM


def test_four_momenta_and_vertices_round_trip(written, sample):
    _, events = written
    for event in events[:200]:
        i = event.event_number
        by_status = {}
        for particle in event.particles:
            by_status.setdefault(particle.status, []).append(particle)
        (beam,) = by_status[4]
        (target,) = by_status[20]
        assert beam.pid == 14
        e_nu = 1e3 * sample["energy_nu"][i]
        np.testing.assert_allclose(_p4(beam), [e_nu, 0, 0, e_nu], rtol=1e-12)
        (hnl,) = [p for p in event.particles if p.pid == HNL_PDG]
        p_n = 1e3 * sample["hnl_momentum"][i] * sample["hnl_direction"][i]
        np.testing.assert_allclose(_p4(hnl)[1:], p_n, rtol=1e-10, atol=1e-9)
        assert hnl.generated_mass == pytest.approx(470.0)
        (photon,) = [p for p in event.particles if p.pid == 22]
        p_g = 1e3 * sample["photon_energy"][i] * sample["photon_direction"][i]
        np.testing.assert_allclose(_p4(photon)[1:], p_g, rtol=1e-10, atol=1e-9)
        # energy-momentum conservation at every vertex
        for vertex in event.vertices:
            total_in = sum(_p4(p) for p in vertex.particles_in)
            total_out = sum(_p4(p) for p in vertex.particles_out)
            np.testing.assert_allclose(total_in, total_out, rtol=1e-9, atol=1e-6)
        positions = {v.status: v.position for v in event.vertices}
        np.testing.assert_allclose(
            [positions[1].x, positions[1].y, positions[1].z], 10 * sample["vertex"][i], rtol=1e-12
        )
        decay = positions[31]
        np.testing.assert_allclose([decay.x, decay.y, decay.z], 10 * sample["decay_point"][i])
        beta = sample["hnl_momentum"][i] / math.hypot(sample["hnl_momentum"][i], 0.47)
        assert decay.t == pytest.approx(10 * sample["decay_distance"][i] / beta, rel=1e-12)
        conversion = positions[32]
        np.testing.assert_allclose(
            [conversion.x, conversion.y, conversion.z], 10 * sample["conversion_point"][i]
        )
        assert conversion.t > decay.t
        # final state: recoil, neutrino, conversion pseudoparticle (and remnant if bound)
        finals = {p.pid for p in by_status[1]}
        assert PAIR_PDG in finals
        assert 14 in finals
        if "@C12" in str(sample["target"][i]):
            assert REMNANT_PDG in finals
            assert target.pid == 1000060120


def test_reweighting_inputs_give_the_weight_at_other_couplings(written, sample):
    """A reader recomputes the weight at new couplings from the file alone."""
    _, events = written
    other = MODEL.with_couplings(d_mu=3e-7, d_tau=5e-6)
    expected = sample.weights(other)
    for event in events[:300]:
        (hnl,) = [p for p in event.particles if p.pid == HNL_PDG]
        p = np.linalg.norm(_p4(hnl)[1:]) / 1e3
        length_mm = p / other.m_N * other.ctau * 10
        x = _attr(event, "neutrissimo.decay_distance_mm")
        q = _attr(event, "neutrissimo.decay_proposal_per_mm")
        w_prod = _attr(event, "neutrissimo.weight_production")
        weight = w_prod * other.d_mu**2 * math.exp(-x / length_mm) / (length_mm * q)
        assert weight == pytest.approx(expected[event.event_number], rel=1e-9)


def test_wrong_mass_is_refused(sample, tmp_path):
    from neutrissimo.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="cannot be reweighted"):
        sample.to_hepmc3(tmp_path / "x.hepmc3", DipoleModel(m_N=0.1, d_mu=1e-6))
    assert not (tmp_path / "x.hepmc3").exists()


def test_cli_simulate_writes_nuhepmc(tmp_path):
    import json

    from typer.testing import CliRunner

    from neutrissimo.cli import app

    out = tmp_path / "events.hepmc3"
    args = ["simulate", "--experiment", "miniboone", "--mass", "0.47", "--d-mu", "1.25e-6"]
    result = CliRunner().invoke(app, [*args, "--events", "2000", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    rate = json.loads(result.stdout)["photons_in_fiducial"]
    with pyhepmc.open(out) as reader:
        total = sum(event.weights[0] for event in reader)
    assert total == pytest.approx(rate, rel=1e-12)

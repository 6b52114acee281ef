"""Both experiments implement the one response contract of neutrissimo.experiments.response."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from neutrissimo import PhysicsDomainError
from neutrissimo.experiments.minerva import response as minerva_response
from neutrissimo.experiments.miniboone import response as miniboone_response
from neutrissimo.experiments.response import Reconstructed

CONTRACT = (
    "detector_response",
    "smear_energy",
    "smear_direction",
    "energy_resolution",
    "angular_resolution",
)
MODULES = (miniboone_response, minerva_response)


@pytest.mark.parametrize("name", CONTRACT)
def test_same_names_and_argument_order(name):
    params = [list(inspect.signature(getattr(m, name)).parameters) for m in MODULES]
    assert params[0] == params[1]


@pytest.mark.parametrize("module", MODULES)
def test_response_returns_reconstructed_showers_near_the_truth(module):
    rng = np.random.default_rng(3)
    n = 20_000
    energy = np.full(n, 1.5)
    direction = np.tile([0.0, 0.0, 1.0], (n, 1))
    reco = module.detector_response(energy, direction, rng)
    assert isinstance(reco, Reconstructed)
    assert len(reco) == n
    assert np.allclose(np.linalg.norm(reco.direction, axis=1), 1.0)
    assert np.all((reco.efficiency >= 0) & (reco.efficiency <= 1))
    # widths in GeV and rad for both experiments: the sample spread matches them within 3 %
    sigma_e = float(module.energy_resolution(np.array([1.5]))[0])
    assert reco.energy_gev.std() == pytest.approx(sigma_e, rel=0.03)
    sigma_theta = float(module.angular_resolution(np.array([1.5]))[0])
    polar = np.arccos(reco.cos_theta)
    # |delta| of a N(0, sigma) kick: <delta^2> = sigma^2
    assert np.sqrt(np.mean(polar**2)) == pytest.approx(sigma_theta, rel=0.03)


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize(
    ("energy", "direction", "match"),
    [
        ([1.0, np.nan], [[0, 0, 1.0], [0, 0, 1.0]], "finite"),
        ([1.0, -0.5], [[0, 0, 1.0], [0, 0, 1.0]], "finite"),
        ([1.0, 1.0], [[0, 0, 2.0], [0, 0, 1.0]], "unit"),
        ([1.0, 1.0], [[0, 0, 1.0]], "shape"),
    ],
)
def test_same_error_for_the_same_bad_input(module, energy, direction, match):
    with pytest.raises(PhysicsDomainError, match=match):
        module.detector_response(
            np.asarray(energy), np.asarray(direction), np.random.default_rng(0)
        )

"""Other limits in the (m_N, d) plane: unit conversions checked by hand on single rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neutrissimo import ConfigurationError
from neutrissimo.experiments.existing_limits import (
    EXISTING_LIMITS,
    PUBLISHED_MINERVA_LIMITS,
    load_existing_limit,
    load_published_minerva_limit,
    paper_existing_limits,
)


def test_nomad_is_rescaled_by_sqrt2_and_converted_from_mev():
    nomad = load_existing_limit("nomad")
    # first row of NOMAD.txt: 5.000 MeV, 6.929e-5 GeV^-1
    assert nomad.m_N[0] == pytest.approx(5.0e-3)
    assert nomad.d[0] == pytest.approx(6.929e-5 * math.sqrt(2))
    assert nomad.excludes == "above"


def test_charm_ii_magnetic_moment_units():
    charm = load_existing_limit("charm_ii")
    # row "0.002 2.812e-9": m already in GeV; 2.812e-9 x 93.4376 GeV^-1
    row = np.flatnonzero(np.isclose(charm.m_N, 0.002))[0]
    assert charm.d[row] == pytest.approx(2.812e-9 * 93.4376)
    assert charm.d[row] == pytest.approx(2.6275e-7, rel=1e-4)


def test_borexino_and_super_k_are_converted_from_per_mev():
    borexino = load_existing_limit("borexino")
    assert (borexino.m_N[0], borexino.d[0]) == pytest.approx((4.99085e-3, 3.77164e-8))
    sk = load_existing_limit("super_k")
    assert (sk.m_N[0], sk.d[0]) == pytest.approx((5.07546472e-3, 4.75193781e-7))
    # closed region: lower branch by mass, then the upper branch walked back to the start
    assert sk.m_N.max() == pytest.approx(9.78756256e-2)
    assert np.all(np.diff(sk.m_N[:20]) > 0)
    assert np.all(np.diff(sk.d[20:]) >= 0)
    assert sk.d[-1] == pytest.approx(1e-5)
    assert sk.m_N[-1] == pytest.approx(sk.m_N[0])
    assert sk.excludes == "inside"


def test_sn1987a_excludes_below_and_t2k_spurious_row_is_dropped():
    sn = load_existing_limit("sn1987a")
    assert (sn.m_N[0], sn.d[0]) == pytest.approx((1.179e-3, 6.244e-8))
    assert sn.excludes == "below"
    t2k = load_existing_limit("t2k_nd280")
    assert t2k.m_N.size == 29
    assert np.all(t2k.m_N > 0)
    assert (t2k.m_N[0], t2k.d[0]) == pytest.approx((0.010, 1.83150993434e-6))


def test_every_curve_loads_in_gev():
    for name in EXISTING_LIMITS:
        curve = load_existing_limit(name)
        assert curve.m_N.shape == curve.d.shape
        assert np.all((curve.m_N > 5e-5) & (curve.m_N < 3.0)), name
        assert np.all((curve.d > 1e-11) & (curve.d < 1e-1)), name


def test_published_minerva_curves_agree_with_each_other():
    exact = load_published_minerva_limit("me_rhc_nominal")
    assert exact.m_N.size == 204
    assert (exact.m_N[0], exact.d[0]) == pytest.approx((0.010, 1.6517265926630156e-6))
    digitized = load_published_minerva_limit("me_rhc_digitized")
    inside = (exact.m_N > digitized.m_N.min()) & (exact.m_N < digitized.m_N.max())
    interpolated = np.exp(
        np.interp(np.log(exact.m_N[inside]), np.log(digitized.m_N), np.log(digitized.d))
    )
    ratio = interpolated / exact.d[inside]
    assert np.median(np.abs(ratio - 1)) < 0.05
    assert set(PUBLISHED_MINERVA_LIMITS) == {
        "me_rhc_nominal",
        "me_rhc_digitized",
        "me_rhc_dtau_digitized",
    }


def test_paper_sets_drop_long_lived_limits_for_nonzero_dtau():
    assert [c.name for c in paper_existing_limits()] == [
        "nomad",
        "charm_ii",
        "super_k",
        "borexino",
        "sn1987a",
    ]
    assert [c.name for c in paper_existing_limits(d_tau_nonzero=True)] == ["nomad", "charm_ii"]


def test_unknown_names_are_rejected():
    with pytest.raises(ConfigurationError, match="known"):
        load_existing_limit("nomadd")
    with pytest.raises(ConfigurationError, match="me_rhc_nominal"):
        load_published_minerva_limit("rhc")

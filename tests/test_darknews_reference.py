"""Validation against DarkNews 0.4.8, an independent implementation (reference tables made by
validation/darknews_reference.py; see docs/conventions.md for the mapping mu_tr_mu4 = 2 d)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from neutrissimo import DipoleModel, dsigma_dq2, make_target, total_cross_section
from neutrissimo.physics.kinematics import q2_range

REFERENCE = Path(__file__).parent / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open() as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


XSEC = _rows("darknews_xsec.csv")


def _ours(row: dict[str, str], helicity: str, frame: str) -> float:
    target = make_target(row["target"])
    energy = np.array([float(row["E_nu_GeV"])])
    return total_cross_section(
        target, energy, float(row["m_N_GeV"]), float(row["d_GeVinv"]), helicity, frame=frame
    )[0]


@pytest.mark.parametrize(
    "row", XSEC, ids=lambda r: f"{r['target']}-{r['helicity']}-{r['m_N_GeV']}-{r['E_nu_GeV']}"
)
def test_helicity_split_in_the_cm_frame_within_2_percent(row):
    """DarkNews defines the HNL helicity in the nu-target CM frame; so do we with frame='cm'.
    Measured: max 1.4% (C12 conserve at m_N = 10 MeV, 20 GeV, a channel 3e-9 of the total;
    C12 flip just above the 0.8 GeV threshold where sigma ~ 1e-10 of its peak), median 1e-4."""
    reference = float(row["sigma_cm2"])
    assert _ours(row, row["helicity"], "cm") == pytest.approx(reference, rel=0.02)


def test_total_does_not_depend_on_the_helicity_frame_and_matches():
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in XSEC:
        totals[(row["target"], row["m_N_GeV"], row["E_nu_GeV"])] += float(row["sigma_cm2"])
    deviations = []
    for (target, m_n, energy), reference in totals.items():
        row = {"target": target, "m_N_GeV": m_n, "E_nu_GeV": energy, "d_GeVinv": "1e-6"}
        lab = _ours(row, "flip", "lab") + _ours(row, "conserve", "lab")
        cm = _ours(row, "flip", "cm") + _ours(row, "conserve", "cm")
        assert lab == pytest.approx(cm, rel=1e-9)
        deviations.append(abs(lab / reference - 1))
    assert max(deviations) < 5e-3  # measured 1.7e-3 (C12 at 0.8 GeV near threshold)
    assert np.median(deviations) < 1e-4


def test_lab_helicity_differs_from_cm_helicity_near_threshold():
    # Helicity is frame dependent for a slow, massive HNL: the split must differ, the sum not.
    row = {"target": "proton", "m_N_GeV": "0.4", "E_nu_GeV": "0.5", "d_GeVinv": "1e-6"}
    assert _ours(row, "conserve", "lab") > 1.2 * _ours(row, "conserve", "cm")


@pytest.mark.parametrize(
    "row", _rows("darknews_widths.csv"), ids=lambda r: f"{r['hnl_type']}-{r['m_N_GeV']}"
)
def test_width_is_twice_darknews_for_the_same_vertex(row):
    """With mu_tr_mu4 = 2 d DarkNews' vertex equals ours, but its Dirac width is m^3 |d|^2/(8 pi),
    half of paper eq. 5 (and half of the trace of the same vertex). Both natures: ours = 2x."""
    hnl = DipoleModel(
        m_N=float(row["m_N_GeV"]), d_mu=float(row["d_GeVinv"]), nature=row["hnl_type"]
    )
    assert hnl.width == pytest.approx(2 * float(row["width_GeV"]), rel=1e-6)


MOMENTS = [r for r in _rows("darknews_q2_moments.csv") if r["flux"] == "mono_1GeV"]


@pytest.mark.parametrize("row", MOMENTS, ids=lambda r: f"{r['channel']}-{r['helicity']}")
def test_mean_q2_matches_darknews_generator(row):
    """<Q^2> at E = 1 GeV, m_N = 0.47 GeV from DarkNews' event generator (CM helicity), within
    4 standard errors of its sample mean."""
    target = make_target("C12" if row["channel"] == "coherent" else "proton")
    m_n = float(row["m_N_GeV"])
    lo, hi = q2_range(1.0, m_n, target.mass)
    q2 = np.geomspace(lo, hi, 20001)
    density = dsigma_dq2(target, 1.0, q2, m_n, 1.0, row["helicity"], frame="cm")
    mean = np.trapezoid(q2 * density, q2) / np.trapezoid(density, q2)
    error = float(row["std_Q2_GeV2"]) / np.sqrt(float(row["n_eff"]))
    assert mean == pytest.approx(float(row["mean_Q2_GeV2"]), abs=4 * error)

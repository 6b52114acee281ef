"""pyhf cross-check of the MINERvA limits: the exported workspaces give, with pyhf, the package's
limit when pyhf uses the package's statistic (CL_s+b from q~_mu), and a weaker one with pyhf's
default CL_s, by the factor 1 / (1 - p_b)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neutrissimo.analyses.minerva_limits import mass_task
from neutrissimo.analyses.pyhf_export import (
    export_minerva_workspaces,
    pyhf_upper_limits,
    sample_workspace,
)
from neutrissimo.analyses.scan import MassPoint
from neutrissimo.experiments import minerva
from neutrissimo.statistics.profile import signal_upper_limit

MASSES = (0.01, 0.1, 0.3)  # GeV
COUPLINGS = tuple(np.geomspace(1e-7, 1e-4, 31))
ETA = 0.3


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """LE FHC (data slightly below background): simulate three masses, compute the package's
    limits, export the workspaces."""
    n_sel = np.stack(
        [
            mass_task(MassPoint(m, COUPLINGS, 3000, "le_fhc"), np.random.default_rng(k)).n_sel[0, 0]
            for k, m in enumerate(MASSES)
        ]
    )
    histogram = minerva.dedx_histogram("le_fhc")
    curve = minerva.coupling_limits_for_sample(histogram, MASSES, COUPLINGS, n_sel, eta=ETA)
    folder = tmp_path_factory.mktemp("pyhf")
    paths = export_minerva_workspaces(
        folder, COUPLINGS, {"le_fhc": n_sel}, {"le_fhc": curve}, {"le_fhc": histogram}, ETA
    )
    manifest = json.loads((folder / "manifest.json").read_text())["workspaces"]
    return folder, paths, manifest, curve


def test_one_workspace_per_mass_with_the_package_limit(exported):
    _, paths, manifest, curve = exported
    assert len(paths) == len(MASSES) + 1
    assert [entry["m_N_GeV"] for entry in manifest] == pytest.approx(MASSES)
    for entry, lower in zip(manifest, curve.lower, strict=True):
        assert np.isfinite(lower)  # every mass excludes a band at 30% uncertainty
        # mu = 1 is the package's limit; its coupling agrees with the scan's limit edge up to
        # the grid interpolation (the scan interpolates q linearly in ln d between points
        # 26 % apart, where N_sel ~ d^4)
        assert entry["mu_limit_package"] == pytest.approx(1.0, rel=1e-9)
        assert entry["d_ref_GeVinv"] == pytest.approx(lower, rel=0.1)
        assert entry["d_limit_package_GeVinv"] == lower


def test_pyhf_limits_at_three_masses_agree_with_the_package(exported):
    folder, _, manifest, _ = exported
    for entry in manifest:
        workspace = json.loads((folder / entry["file"]).read_text())
        limit = pyhf_upper_limits(workspace)
        # same model, same statistic (q~_mu, CL_s+b < 0.05): equal to the root-finding tolerance
        assert limit.mu_clsb == pytest.approx(entry["mu_limit_package"], rel=1e-4)
        # pyhf's CL_s divides by CL_b = 1 - p_b < 1: a weaker limit, here by 11 %
        assert limit.mu_cls / limit.mu_clsb == pytest.approx(1.113, abs=0.01)


def test_an_excess_makes_cls_and_clsb_coincide():
    """ME FHC has more data than background: p_b -> 0, so CL_s ~ CL_s+b."""
    histogram = minerva.dedx_histogram("me_fhc")
    signal, data, background = minerva.photon_like_signal(histogram, 100.0)
    n_up = signal_upper_limit(signal, data, background, eta=1.0)
    limit = pyhf_upper_limits(sample_workspace(signal, data, background, 1.0, mu_max=80.0))
    assert limit.mu_clsb == pytest.approx(n_up / signal.sum(), rel=1e-4)
    assert limit.mu_cls == pytest.approx(limit.mu_clsb, rel=1e-4)

"""hist.Hist in the public API: Weight() storage (sum w, sum w^2) equal to the package's own
histograms, for MiniBooNE E_QE / cos(theta) and the MINERvA dE/dx spectra."""

from __future__ import annotations

import hist
import numpy as np
import pytest

import neutrissimo as nt
from neutrissimo.experiments import minerva, miniboone
from neutrissimo.statistics.histogram import Histogram, fill_histogram

MODEL = nt.DipoleModel(m_N=0.47, d_mu=1.25e-6)


def test_converters_round_trip_and_state_the_variance_convention():
    h = fill_histogram([0.5, 1.5, 1.6, 9.0], [1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0])
    weighted = nt.to_hist(h, name="x", label="x [GeV]")
    assert weighted.storage_type is hist.storage.Weight
    assert weighted.values() == pytest.approx([1.0, 5.0, 0.0])
    assert weighted.variances() == pytest.approx([1.0, 13.0, 0.0])  # sum w^2
    back = nt.from_hist(weighted)
    assert back.edges == pytest.approx(h.edges)
    assert back.sumw2 == pytest.approx(h.sumw2)
    counts = nt.weighted_hist([0, 1, 2], [3.0, 4.0])
    assert counts.variances() == pytest.approx([0.0, 0.0])  # no stated MC error
    stack = Histogram(h.edges, np.stack([h.sumw, h.sumw]), np.stack([h.sumw2, h.sumw2]))
    with pytest.raises(nt.ConfigurationError, match="stack of shape"):
        nt.to_hist(stack)
    with pytest.raises(nt.ConfigurationError, match="Weight"):
        nt.from_hist(hist.Hist.new.Reg(3, 0, 1).Double())


def test_miniboone_predictions_equal_the_internal_histograms():
    events = nt.generate(nt.load_setup("miniboone"), MODEL, 4000, np.random.default_rng(3))
    other = MODEL.with_couplings(d_mu=2e-6)
    eqe, cos = nt.miniboone_hists(events, np.random.default_rng(11), other)
    kept = events.select(events["weight_production"] > 0)
    reco = miniboone.detector_response(
        kept["photon_energy"], kept["photon_direction"], np.random.default_rng(11)
    )
    expected = miniboone.histogram_eqe(reco, kept.weights(other))
    assert eqe.axes[0].edges == pytest.approx(miniboone.load_config().eqe_edges_gev)
    assert eqe.values() == pytest.approx(expected.sumw, rel=1e-12)
    assert eqe.variances() == pytest.approx(expected.sumw2, rel=1e-12)
    assert eqe.sum().value > 0
    assert cos.axes[0].name == "cos"
    assert cos.sum().value <= eqe.sum().value  # cos(theta) only in the 200-1250 MeV window


def test_miniboone_release_as_histograms():
    release = nt.miniboone_release_hists()
    assert release["eqe_data"].sum().value == pytest.approx(3202)
    assert release["eqe_data"].variances() == pytest.approx(release["eqe_data"].values())
    assert release["eqe_background"].variances() == pytest.approx(np.zeros(11))
    assert release["cos_data"].axes[0].size == 20


def test_minerva_dedx_spectra_data_background_signal(tmp_path):
    events = nt.generate(nt.load_setup("minerva-me-fhc"), MODEL, 4000, np.random.default_rng(5))
    spectra = nt.minerva_dedx_hists("me_fhc", events, np.random.default_rng(2))
    release = minerva.dedx_histogram("me_fhc")
    assert spectra["data"].values() == pytest.approx(release.data)
    assert spectra["background"].values() == pytest.approx(release.background)
    kept = events.select(events["weight_production"] > 0)
    _, selection = minerva.analyse_events(
        kept["photon_energy"],
        kept["photon_direction"],
        kept.weights(),
        "me_fhc",
        np.random.default_rng(2),
    )
    signal = spectra["signal"]
    expected = minerva.dedx_signal_counts(selection.n_selected, "me_fhc")
    assert signal.values() == pytest.approx(expected, rel=1e-12)
    # sum w^2 = f_b^2 sum_i w_i^2: the effective number of selected events is kept per bin
    fraction = expected / expected.sum()
    ess = signal.values() ** 2 / signal.variances()
    assert ess[fraction > 0] == pytest.approx(selection.n_effective_selected, rel=1e-9)
    assert set(nt.minerva_dedx_hists("me_rhc")) == set()  # no public histogram
    from neutrissimo.plotting.minerva import plot_fig9

    path = tmp_path / "fig9.png"
    fig = plot_fig9(
        spectra["data"].axes[0].edges,
        [spectra["background"]],
        [spectra["signal"]],
        [spectra["data"]],
        ["ME FHC"],
        path=path,
    )
    assert path.stat().st_size > 5000
    widths = np.diff(spectra["data"].axes[0].edges)
    points = fig.axes[0].lines[0]
    assert points.get_ydata() == pytest.approx(release.data / widths)

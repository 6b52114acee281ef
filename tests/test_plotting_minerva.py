"""MINERvA figures: each writes a PNG and draws exactly the arrays it was given."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError
from neutrissimo.experiments.existing_limits import paper_existing_limits
from neutrissimo.plotting.minerva import (
    LimitBand,
    PreferredRegion,
    plot_fig8,
    plot_fig9,
    plot_fig10,
    plot_fig12,
    plot_limits,
)
from neutrissimo.statistics.limits import coupling_limits


def _png(path):
    assert path.is_file()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000


def test_fig8_histograms_and_efficiency(tmp_path, rng):
    values = rng.exponential(5e-3, size=1000)
    weights = np.ones(1000)
    masses = np.array([0.01, 0.1, 0.5])
    efficiency = {"Dirac": np.array([0.3, 0.05, 1e-4]), "Majorana": np.array([0.35, 0.07, 2e-4])}
    path = tmp_path / "fig8.png"
    fig = plot_fig8(
        [("A", values, weights), ("B", 2 * values, weights)], masses, efficiency, path=path
    )
    _png(path)
    top, bottom = fig.axes
    first = top.patches[0]  # a StepPatch with the normalised histogram
    fractions, edges = first.get_data()[:2]
    assert fractions.sum() == pytest.approx(1.0)
    assert np.histogram(values * 1e3, bins=edges)[0] / 1000 == pytest.approx(fractions)
    assert top.lines[0].get_xdata()[0] == pytest.approx(3.2)  # cut at 3.2 MeV rad^2
    assert bottom.get_yscale() == "log"
    assert bottom.lines[0].get_xdata() == pytest.approx(masses * 1e3)
    assert bottom.lines[1].get_ydata() == pytest.approx(efficiency["Majorana"])


def test_fig9_stacks_signal_on_background(tmp_path):
    edges = np.array([1.5, 2.5, 3.0, 4.5, 6.0, 10.0])
    widths = np.diff(edges)
    background = np.array([10.0, 20.0, 30.0, 15.0, 8.0])
    signal = np.array([0.0, 0.5, 1.0, 4.0, 2.0])
    data = np.array([11.0, 19.0, 33.0, 18.0, 9.0])
    path = tmp_path / "fig9.png"
    fig = plot_fig9(
        edges,
        [background, background],
        [signal, signal],
        [data, None],
        ["ME FHC", "ME RHC"],
        path=path,
    )
    _png(path)
    ax = fig.axes[0]
    patches = {patch.get_label(): patch for patch in ax.patches}  # drawn with mplhep
    bkg_patch, sig_patch = patches["SM background"], patches[r"HNL ($\mathcal{N}\to\nu\gamma$)"]
    assert bkg_patch.get_data()[0] == pytest.approx(background / widths)
    assert sig_patch.get_data()[0] == pytest.approx((background + signal) / widths)
    assert sig_patch.get_data()[2] == pytest.approx(background / widths)  # stacked baseline
    points = ax.lines[0]
    assert points.get_ydata() == pytest.approx(data / widths)
    assert any(line.get_xdata()[0] == 4.5 for line in ax.lines)
    assert len(fig.axes[1].lines) == 1  # no data for the second sample: only the cut line


def test_limit_figures_draw_bands_regions_and_nfid(tmp_path):
    masses = np.geomspace(0.01, 1.0, 8)
    grid = np.geomspace(1e-8, 1e-4, 100)
    signals = [
        1e3 * (grid / 1e-6) ** 2 * np.exp(-((grid / 3e-6) ** 2)) / (1 + 10 * m) for m in masses
    ]
    nominal = coupling_limits(masses, grid, signals, [50.0], [50.0], eta=0.3)
    loose = coupling_limits(masses, grid, signals, [50.0], [50.0], eta=1.0)
    bands = [
        LimitBand.from_curve("ME RHC", nominal, 0.3),
        LimitBand.from_curve("ME RHC", loose, 1.0),
    ]
    region = PreferredRegion(
        "MiniBooNE $E_\\nu^{QE}$", (np.array([[0.1, 1e-6], [0.4, 1e-6], [0.4, 3e-6], [0.1, 3e-6]]),)
    )
    n_fid = (masses, grid, np.outer(1.0 / masses, (grid / 1e-7) ** 2))
    path = tmp_path / "fig10.png"
    fig = plot_fig10(
        bands, preferred_regions=[region], existing=paper_existing_limits(), n_fid=n_fid, path=path
    )
    _png(path)
    left, right = fig.axes[:2]
    band_lines = [
        line
        for line in left.lines
        if line.get_linestyle() in ("-", "--") and line.get_color() != "0.45"
    ]
    solid_lower = band_lines[0]
    assert solid_lower.get_xdata() == pytest.approx(masses * 1e3)
    assert solid_lower.get_ydata() == pytest.approx(nominal.lower, nan_ok=True)
    assert band_lines[2].get_linestyle() == "--"
    assert band_lines[2].get_ydata() == pytest.approx(loose.lower, nan_ok=True)
    assert left.get_xscale() == "log"
    assert right.get_yscale() == "log"
    assert fig.get_suptitle()
    # without N_fid only the left panel is drawn
    only_left = plot_fig12(bands, path=tmp_path / "fig12.png")
    _png(tmp_path / "fig12.png")
    assert len(only_left.axes) == 1


def test_plot_input_errors_are_named():
    with pytest.raises(ConfigurationError, match="one value per mass"):
        plot_fig8([], [0.1, 0.2], {"Dirac": [0.1]})
    band = LimitBand("x", [0.1, 0.2], [1e-7, 2e-7], [1e-6, 2e-6])
    with pytest.raises(ConfigurationError, match="N_fid"):
        plot_limits([band], n_fid=([0.1, 0.2], [1e-7, 1e-6, 1e-5], np.ones((2, 2))))
    with pytest.raises(ConfigurationError, match="differ in length"):
        LimitBand("x", [0.1], [1e-7, 2e-7], [1e-6, 2e-6])

"""MiniBooNE figure functions draw what they are given."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from neutrissimo import DipoleModel
from neutrissimo.analyses.miniboone_excess import cos_excess_panel, eqe_excess_panel
from neutrissimo.experiments.miniboone.config import load_config
from neutrissimo.experiments.miniboone.likelihood import MiniBooNEEnergyLikelihood
from neutrissimo.experiments.miniboone.release import load_cos_theta_data
from neutrissimo.experiments.setups import load_setup
from neutrissimo.plotting.miniboone import (
    closure_3p1_figure,
    excess_figure,
    preferred_regions_figure,
)
from neutrissimo.plotting.monte_carlo import production_regions
from neutrissimo.simulation.injection import generate
from neutrissimo.statistics.contours import wilks_regions


def test_excess_figure_stacks_dipole_on_oscillation(tmp_path):
    cfg = load_config()
    lik = MiniBooNEEnergyLikelihood.from_release()
    dip, osc = np.linspace(100, 0, 11), np.full(11, 10.0)
    eqe = eqe_excess_panel(lik, cfg.eqe_edges_gev, dip, osc)
    bkg, _ = lik.constrained_background()
    assert np.allclose(eqe.excess, lik.nue_data - bkg)
    assert np.all(eqe.total_error > eqe.stat_error)
    c = load_cos_theta_data()
    cos = cos_excess_panel(c.edges, c.data, c.background, np.ones(20), np.ones(20), 0.13)
    assert np.allclose(cos.total_error**2 - cos.stat_error**2, (0.13 * c.background) ** 2)
    fig = excess_figure(eqe, cos, title="test")
    top = fig.axes[0]
    # events/MeV: the stack top is (oscillation + dipole) / bin width in MeV
    tops = [p for p in top.patches if p.get_label() == "dipole"]
    assert tops
    expected = np.max((dip + osc) / (np.diff(cfg.eqe_edges_gev) * 1e3))
    assert np.max(tops[0].get_path().vertices[:, 1]) == pytest.approx(expected)
    fig.savefig(tmp_path / "excess.png")


def test_regions_and_closure_figures_use_log_axes(tmp_path):
    m = np.logspace(-2, 0, 30)
    d = np.logspace(-8, -5, 30)
    mm, dd = np.meshgrid(np.log10(m), np.log10(d), indexing="ij")
    z = ((mm + 1) / 0.4) ** 2 + ((dd + 6.5) / 0.5) ** 2
    regions = {
        key: wilks_regions(m, d, grid, sigmas=(2, 3)) for key, grid in (("E_QE", z), ("cos", z + 1))
    }
    fig = preferred_regions_figure(m, d, regions, benchmark=(0.08, 1.7e-7))
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert len(ax.patches) == 4  # two sigma levels x two distributions, one region each
    fig.savefig(tmp_path / "regions.png")
    dm2 = np.logspace(-2, 2, 20)
    s = np.logspace(-3.5, 0, 20)
    surf = np.add.outer((np.log10(dm2) + 1) ** 2, (np.log10(s) + 0.5) ** 2) * 10
    pts = {"90%": np.array([[0.1, 0.1], [0.2, 0.2]])}
    fig = closure_3p1_figure(
        dm2, s, surf, surf + 0.1, pts, levels={"90%": 4.6}, best_fits={"ours": (0.3, 0.1)}
    )
    assert len(fig.axes) >= 3
    fig.savefig(tmp_path / "closure.png")


def test_production_regions_bars_sum_to_one_and_stay_clear_of_the_legend():
    """The demo's bar chart of where the HNLs were made: each sample's bars are its shares of
    the rate (summing to 1), and the legend sits above every bar."""
    setup = load_setup("miniboone")
    samples = [
        (
            f"m_N = {m} GeV",
            generate(setup, DipoleModel(m_N=m, d_mu=d), 2_000, np.random.default_rng(4)),
        )
        for m, d in ((0.47, 1.25e-6), (0.08, 1.7e-7))
    ]
    fig = production_regions(samples)
    ax = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    for container, (_, events) in zip(ax.containers, samples, strict=True):
        heights = [bar.get_height() for bar in container]
        assert sum(heights) == pytest.approx(1.0, rel=1e-9)
        assert sorted(heights, reverse=True)[: len(events.shares())] == sorted(
            events.shares().values(), reverse=True
        )
        for bar in container:
            if bar.get_height() > 0:
                assert bar.get_window_extent(renderer).y1 < legend.y0

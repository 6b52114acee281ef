"""Modelling systematics: how each choice the paper leaves open moves the MiniBooNE regions and
the MINERvA limits (docs/beyond.md, part 4).

A *choice* (:data:`CHOICES`) replaces one modelling assumption of the nominal analysis (the
paper's, as configured in this package) by an alternative, and acts at one of four stages:

* ``"simulation"`` -- a new Monte Carlo sample: the nuclear form factor of the coherent channel
  (Fourier-Bessel -> symmetrized Fermi, eq. A2; Helm, eq. A4; dipole, eq. A3) and the HNL
  nature (Dirac -> Majorana: the width of eq. 5 doubles, the decay photon becomes isotropic);
* ``"response"`` -- the nominal sample through another MiniBooNE response: the efficiency table
  instead of its linear fit, the energy resolution sigma_E or the angular resolution
  sigma_theta times ``resolution_scale``;
* ``"fit"`` -- the nominal histograms with another cos(theta) shape of the oscillation
  component (the nominal one is the intrinsic beam-nu_e template; the alternatives are the
  total SM background shape and an isotropic one);
* ``"limit"`` -- the nominal MINERvA selection with the dE/dx acceptance of the digitized pi0
  shape (0.904) instead of the paper's 0.93.

Only the simulation choices generate events. Within one task (one mass of one experiment)
every variant starts from the same two seeds, one for the generation and one for the detector
smearing. The response, fit and limit choices therefore see the very same events and smearing
draws: their shifts carry no Monte Carlo noise. The simulation choices share the seed but not
the proposal (cross-section tables, decay lengths and pilot shares follow the model), so their
samples are in effect independent; the ``mc-seed`` row, the nominal model from other seeds,
measures that noise.

At each reported mass the quantities are the lower and upper edges (GeV^-1) of the MiniBooNE
E_QE and cos(theta) regions (Delta chi^2 at ``sigma``, Wilks with 2 dof, on the grid; an edge
on the grid boundary is not measured: NaN) and the 95% CL limit of each MINERvA sample with
public dE/dx data (lower edge of the excluded band). The shift of a quantity is
log10(alternative / nominal), decades of d_mu; a quantity a choice cannot change is NaN
("n/a" in the table), never 0. Predictions are taken as exact (the paper's treatment, no
Monte Carlo variance in the chi^2 or the likelihood) so that only the modelling changes.

The table and figure: :mod:`neutrissimo.analyses.systematics_report`.

>>> CHOICES["majorana"].stage, CHOICES["majorana"].experiments
('simulation', ('miniboone', 'minerva'))
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.minerva_limits import (
    SAMPLES,
    MinervaPoint,
    SampleScan,
    sample_limits,
    select_events,
)
from neutrissimo.analyses.miniboone_fit import MiniBooNEPoint, fit_grid, histogram_events
from neutrissimo.analyses.scan import Progress, ScanGrid, ScanTask, run_scan
from neutrissimo.analyses.scenarios import served_couplings
from neutrissimo.experiments import minerva, miniboone
from neutrissimo.experiments.miniboone.oscillations import AppearancePredictor
from neutrissimo.experiments.miniboone.release import load_cos_theta_data
from neutrissimo.experiments.setups import load_setup
from neutrissimo.io.provenance import provenance
from neutrissimo.physics.model import DipoleModel
from neutrissimo.simulation.events import Events
from neutrissimo.simulation.injection import generate
from neutrissimo.statistics.contours import region_edges
from neutrissimo.statistics.wilks import delta_chi2_threshold

__all__ = [
    "CHOICES",
    "SIMULATIONS",
    "Choice",
    "SystematicsPoint",
    "SystematicsScans",
    "minerva_quantities",
    "minerva_task",
    "miniboone_quantities",
    "miniboone_task",
    "nominal_quantities",
    "quantities_of",
    "response_configs",
    "run_systematics",
]


@dataclass(frozen=True)
class Choice:
    """One modelling alternative.

    Attributes:
        name: key (file- and CLI-safe).
        label: for tables and figures.
        stage: ``"simulation"``, ``"response"``, ``"fit"`` or ``"limit"`` (module docstring).
        experiments: which experiments it can change (``"miniboone"``, ``"minerva"``).
        observables: the MiniBooNE observables it can change (``"E_QE"``, ``"cos"``).
    """

    name: str
    label: str
    stage: str
    experiments: tuple[str, ...]
    observables: tuple[str, ...] = ("E_QE", "cos")


_BOTH = ("miniboone", "minerva")
_MB = ("miniboone",)
#: The alternatives, in table order.
CHOICES: dict[str, Choice] = {
    c.name: c
    for c in (
        Choice("mc-seed", "nominal, other MC seed (noise)", "simulation", _BOTH),
        Choice("ff-woods-saxon", "form factor: symmetrized Fermi", "simulation", _BOTH),
        Choice("ff-helm", "form factor: Helm", "simulation", _BOTH),
        Choice("ff-dipole", "form factor: dipole", "simulation", _BOTH),
        Choice("majorana", "Majorana HNL", "simulation", _BOTH),
        Choice("efficiency-table", "MiniBooNE efficiency: table", "response", _MB),
        Choice("energy-resolution", "MiniBooNE sigma_E x scale", "response", _MB),
        Choice("angle-resolution", "MiniBooNE sigma_theta x scale", "response", _MB),
        Choice("osc-cos-background", "oscillation cos: SM background", "fit", _MB, ("cos",)),
        Choice("osc-cos-flat", "oscillation cos: isotropic", "fit", _MB, ("cos",)),
        Choice("dedx-pi0-shape", "MINERvA dE/dx acceptance: pi0 shape", "limit", ("minerva",)),
    )
}

#: Samples simulated per mass: name -> (nuclear form factor, HNL nature); ``nominal`` first.
#: ``mc-seed`` is the nominal model from another generation seed: its "shift" is the Monte
#: Carlo noise of one sample, the floor below which no other shift is measured.
SIMULATIONS: dict[str, tuple[str, str]] = {
    "nominal": ("fourier-bessel", "dirac"),
    "mc-seed": ("fourier-bessel", "dirac"),
    "ff-woods-saxon": ("woods-saxon", "dirac"),
    "ff-helm": ("helm", "dirac"),
    "ff-dipole": ("dipole", "dirac"),
    "majorana": ("fourier-bessel", "majorana"),
}


@dataclass(frozen=True)
class SystematicsPoint:
    """The parameters of one task: one mass of one experiment, every variant.

    Attributes:
        experiment: ``"miniboone"`` or a MINERvA sample (``"le_fhc"``, ...).
        m_N: HNL mass, GeV.
        couplings: the d_mu grid, GeV^-1.
        events: events per simulated sample.
        resolution_scale: factor on the MiniBooNE resolutions of the response choices.
    """

    experiment: str
    m_N: float
    couplings: tuple[float, ...]
    events: int
    resolution_scale: float = 1.5


def response_configs(scale: float) -> dict[str, miniboone.MiniBooNEConfig]:
    """The MiniBooNE configurations of the nominal and the response choices: the efficiency
    table; sigma_E = scale x the nominal (power law scale_gev); sigma_theta = scale x the
    nominal (all three quadratic coefficients scaled)."""
    nominal = miniboone.load_config()
    c0, c1, c2 = nominal.angular_resolution_coefficients_deg
    return {
        "nominal": nominal,
        "efficiency-table": miniboone.load_config(efficiency_model="table"),
        "energy-resolution": miniboone.load_config(
            energy_resolution_scale_gev=scale * nominal.energy_resolution_scale_gev
        ),
        "angle-resolution": miniboone.load_config(
            angular_resolution_coefficients_deg=(scale * c0, scale * c1, scale * c2)
        ),
    }


def _simulate(
    setup_name: str, variant: str, point: SystematicsPoint, seeds: tuple[int, ...]
) -> Events:
    """The sample of one simulation variant (weights > 0 only), drawn from the task's
    generation seed (``mc-seed``: from its second one)."""
    seed = seeds[2] if variant == "mc-seed" else seeds[0]
    form_factor, nature = SIMULATIONS[variant]
    setup = dataclasses.replace(load_setup(setup_name), form_factor=form_factor)
    served = served_couplings(point.couplings, setup.injection.couplings)
    model = DipoleModel(m_N=point.m_N, d_mu=1e-6, nature=nature)  # type: ignore[arg-type]
    events = generate(setup, model, point.events, _rng(seed), couplings=served)
    return events.select(events["weight_production"] > 0)


def _rng(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def _seeds(rng: np.random.Generator) -> tuple[int, ...]:
    """The generation and smearing seeds every variant of a task shares, and a second pair
    for ``mc-seed``."""
    return tuple(int(v) for v in rng.integers(0, 2**63, size=4))


def _smearing(variant: str, seeds: tuple[int, ...]) -> np.random.Generator:
    return _rng(seeds[3] if variant == "mc-seed" else seeds[1])


def miniboone_task(point: SystematicsPoint, rng: np.random.Generator) -> MiniBooNEPoint:
    """MiniBooNE histograms of one mass for every simulation variant (the nominal response)
    and the response choices (on the nominal sample): arrays with a leading variant axis in
    the order ``SIMULATIONS`` then the response choices."""
    seeds = _seeds(rng)
    couplings = np.asarray(point.couplings, dtype=float)
    configs = response_configs(point.resolution_scale)
    rows = []
    for variant in SIMULATIONS:
        events = _simulate("miniboone", variant, point, seeds)
        smearing = _smearing(variant, seeds)
        rows.append(histogram_events(events, couplings, smearing, configs["nominal"]))
        if variant == "nominal":
            nominal_events = events
    for name, config in configs.items():
        if name != "nominal":
            rows.append(histogram_events(nominal_events, couplings, _rng(seeds[1]), config))
    return MiniBooNEPoint.stack(rows)


def minerva_task(point: SystematicsPoint, rng: np.random.Generator) -> MinervaPoint:
    """N_fid, N_sel of one mass of one MINERvA sample for every simulation variant (leading
    axis in the order of ``SIMULATIONS``)."""
    seeds = _seeds(rng)
    couplings = np.asarray(point.couplings, dtype=float)
    return MinervaPoint.stack(
        [
            select_events(
                _simulate(SAMPLES[point.experiment], variant, point, seeds),
                couplings,
                point.experiment,
                _smearing(variant, seeds),
            )
            for variant in SIMULATIONS
        ]
    )


#: Rows of a :func:`miniboone_task` result.
_MB_ROWS: tuple[str, ...] = (
    *SIMULATIONS,
    "efficiency-table",
    "energy-resolution",
    "angle-resolution",
)


@dataclass(frozen=True)
class SystematicsScans:
    """The simulated predictions of a systematics study.

    Attributes:
        grid: the MiniBooNE (m_N, d_mu) grid (the regions need the global minimum).
        report_masses: the masses (GeV) where quantities are compared; on ``grid``.
        miniboone: row (simulation variant or response choice) -> histograms with axes
            (1 replica, masses, d_tau scenarios, couplings, bins).
        minerva: simulation variant -> sample -> scan on the report masses.
    """

    grid: ScanGrid
    report_masses: tuple[float, ...]
    miniboone: dict[str, MiniBooNEPoint]
    minerva: dict[str, dict[str, SampleScan]]


def run_systematics(
    grid: ScanGrid,
    report_masses: Sequence[float],
    resolution_scale: float,
    folder: str | os.PathLike[str],
    scheduler: str | None = "serial",
    n_workers: int | None = None,
    progress: Progress | None = None,
) -> SystematicsScans:
    """Simulate (or resume from ``folder``/scan-systematics-*) MiniBooNE on ``grid`` and the
    MINERvA samples with public dE/dx data at ``report_masses``; the report masses join the
    grid's masses (so their edges are grid columns), replacing grid masses closer than half a
    grid step. Checkpoints carry the variants and
    the resolution scale in their manifest."""
    reported = tuple(sorted(float(m) for m in report_masses))
    masses = _with_report_masses(grid.masses, reported)
    grid = dataclasses.replace(grid, masses=masses, replicas=1)
    record = provenance(analysis="systematics", simulations=SIMULATIONS, rows=_MB_ROWS)
    per_mass = grid.events

    def tasks(experiment: str, ms: Sequence[float]) -> list[ScanTask[SystematicsPoint]]:
        return [
            ScanTask(
                f"{experiment},m_N={m:.6g}",
                SystematicsPoint(experiment, m, grid.couplings, per_mass, resolution_scale),
            )
            for m in ms
        ]

    common: dict[str, Any] = {
        "provenance": record,
        "scheduler": scheduler,
        "n_workers": n_workers,
        "progress": progress,
    }
    mb_tasks = tasks("miniboone", masses)
    mb = run_scan(
        miniboone_task,
        MiniBooNEPoint,
        mb_tasks,
        Path(folder) / "scan-systematics-miniboone",
        grid.seed,
        **common,
    )
    stacked = MiniBooNEPoint.stack([MiniBooNEPoint.stack([mb[t.key] for t in mb_tasks])])
    by_row = {
        row: MiniBooNEPoint(**{k: v[:, :, i] for k, v in stacked.to_arrays().items()})
        for i, row in enumerate(_MB_ROWS)
    }
    minerva_grid = dataclasses.replace(grid, masses=reported)
    scans: dict[str, dict[str, SampleScan]] = {v: {} for v in SIMULATIONS}
    for sample in minerva.load_config().samples_with_public_dedx:
        mn_tasks = tasks(sample, reported)
        done = run_scan(
            minerva_task,
            MinervaPoint,
            mn_tasks,
            Path(folder) / f"scan-systematics-{sample}",
            grid.seed,
            **common,
        )
        for i, variant in enumerate(SIMULATIONS):
            points = [
                MinervaPoint(**{k: v[i] for k, v in done[t.key].to_arrays().items()})
                for t in mn_tasks
            ]
            stack = MinervaPoint.stack([MinervaPoint.stack(points)])  # (1 replica, masses)
            scans[variant][sample] = SampleScan.from_stack(sample, minerva_grid, stack)
    return SystematicsScans(grid, reported, by_row, scans)


def _with_report_masses(masses: Sequence[float], reported: Sequence[float]) -> tuple[float, ...]:
    """``masses`` without those within half a (log) step of a report mass, plus the report
    masses, sorted."""
    lm = np.log10(np.asarray(masses, dtype=float))
    half = 0.5 * float(np.min(np.diff(lm))) if lm.size > 1 else 0.0
    kept = [m for m, x in zip(masses, lm, strict=True) if min(abs(x - np.log10(reported))) >= half]
    return tuple(sorted({*map(float, kept), *reported}))


def _cos_predictor(shape: str) -> AppearancePredictor:
    """The release's oscillation predictor with another cos(theta) template: ``"background"``
    (the digitized total SM background of the 2020 figure) or ``"flat"`` (isotropic)."""
    nominal = AppearancePredictor.from_release()
    if shape == "background":
        template = np.asarray(load_cos_theta_data().background, dtype=float)
    else:
        template = np.ones_like(nominal.cos_template)
    return dataclasses.replace(nominal, cos_template=template / template.sum())


def miniboone_quantities(
    grid: ScanGrid,
    scan: MiniBooNEPoint,
    report_masses: Sequence[float],
    oscillation: str,
    sigma: int,
    predictor: AppearancePredictor | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Lower and upper edges (GeV^-1) of the E_QE and cos(theta) ``sigma`` regions at the report
    masses (grid columns), d_tau = 0, Delta chi^2 to the grid minimum; NaN where the region
    misses the mass or reaches the grid boundary (the edge is not measured)."""
    result = fit_grid(grid, scan, oscillation, "none", mc_stat=False, predictor=predictor)
    level = float(delta_chi2_threshold(sigma=sigma, dof=2))
    rows = [int(np.argmin(np.abs(np.log(np.asarray(grid.masses) / m)))) for m in report_masses]
    d_lo, d_hi = grid.couplings[0], grid.couplings[-1]
    out = {}
    for observable, chi2 in result.chi2.items():
        lower, upper = region_edges(grid.couplings, chi2 - np.nanmin(chi2), level)
        lower = np.where(np.isclose(lower, d_lo, rtol=1e-9), np.nan, lower)
        upper = np.where(np.isclose(upper, d_hi, rtol=1e-9), np.nan, upper)
        out[f"MiniBooNE {observable} {sigma}sigma lower edge"] = lower[rows]
        out[f"MiniBooNE {observable} {sigma}sigma upper edge"] = upper[rows]
    return out


def minerva_quantities(
    scans: Mapping[str, SampleScan], eta: float, dedx_acceptance: float | None = None
) -> dict[str, NDArray[np.float64]]:
    """95% CL limit on d_mu (GeV^-1; lower edge of the excluded band, NaN: none in the grid)
    of each sample at its scan's masses, d_tau = 0, the prediction taken as exact."""
    return {
        f"MINERvA {sample} limit": sample_limits(
            scan, eta, mc_stat=False, dedx_acceptance=dedx_acceptance
        ).lower
        for sample, scan in scans.items()
    }


def nominal_quantities(
    scans: SystematicsScans, oscillation: str, sigma: int, eta: float
) -> dict[str, NDArray[np.float64]]:
    """The quantities of the nominal analysis."""
    return {
        **miniboone_quantities(
            scans.grid, scans.miniboone["nominal"], scans.report_masses, oscillation, sigma
        ),
        **minerva_quantities(scans.minerva["nominal"], eta),
    }


def quantities_of(
    choice: str, scans: SystematicsScans, oscillation: str, sigma: int, eta: float
) -> dict[str, NDArray[np.float64]]:
    """The quantities the alternative ``choice`` can change (the others are absent)."""
    c = CHOICES[choice]
    out: dict[str, NDArray[np.float64]] = {}
    if "miniboone" in c.experiments:
        scan = scans.miniboone["nominal" if c.stage == "fit" else choice]
        predictor = _cos_predictor(choice.removeprefix("osc-cos-")) if c.stage == "fit" else None
        edges = miniboone_quantities(
            scans.grid, scan, scans.report_masses, oscillation, sigma, predictor
        )
        out.update({k: v for k, v in edges.items() if k.split()[1] in c.observables})
    if "minerva" in c.experiments:
        if c.stage == "limit":
            pi0 = minerva.shape_acceptance(minerva.dedx_signal_shape())
            out.update(minerva_quantities(scans.minerva["nominal"], eta, pi0))
        else:
            out.update(minerva_quantities(scans.minerva[choice], eta))
    return out

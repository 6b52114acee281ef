"""The ``neutrissimo`` command: a thin layer over the Python API.

Every command takes ``--json`` for machine-readable output; the keys are documented in
``docs/cli.md`` and kept stable. Errors on bad input print one line and exit with status 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import typer

from neutrissimo.exceptions import NeutrissimoError

app = typer.Typer(
    name="neutrissimo",
    help="Dipole-coupled heavy neutral leptons at accelerator neutrino experiments.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="The public data files: list, verify, fetch.", no_args_is_help=True)
app.add_typer(data_app, name="data")
fit_app = typer.Typer(help="Fits of the MiniBooNE excess.", no_args_is_help=True)
app.add_typer(fit_app, name="fit")
limits_app = typer.Typer(help="Limits from MINERvA nu-e scattering.", no_args_is_help=True)
app.add_typer(limits_app, name="limits")

F = TypeVar("F", bound=Callable[..., Any])

# Options shared by the scan commands (fit, limits, reproduce). None: the default grid of
# analyses/paper.toml [scans.miniboone] / [scans.minerva] (ranges, counts, events).
_FROM_PAPER = "default: analyses/paper.toml [scans.*]"
Masses = Annotated[
    int | None, typer.Option("--masses", help=f"m_N grid points, log-spaced ({_FROM_PAPER}).")
]
Couplings = Annotated[
    int | None, typer.Option("--couplings", help=f"d_mu grid points, log-spaced ({_FROM_PAPER}).")
]
NEvents = Annotated[
    int | None,
    typer.Option("--events", help=f"Events simulated per mass and sample ({_FROM_PAPER})."),
]
Seed = Annotated[int, typer.Option("--seed", help="Master seed.")]
Scheduler = Annotated[
    str, typer.Option("--scheduler", help="serial | local (Dask LocalCluster) | tcp://host:port")
]
Workers = Annotated[int | None, typer.Option("--workers", help="Local Dask workers.")]
DTauScenario = Annotated[
    str, typer.Option("--d-tau-scenario", help="none | mass-ratio | fixed-1e-5")
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _friendly_errors(func: F) -> F:
    """Turn NeutrissimoError into one line on stderr and exit status 2 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NeutrissimoError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _progress(quiet: bool) -> Callable[[int, int, str], None] | None:
    """A scan's progress lines on stderr (none with ``--json``)."""
    if quiet:
        return None
    return lambda done, total, message: typer.echo(f"[{done}/{total}] {message}", err=True)


def _emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for line in lines:
            typer.echo(line)


@app.command()
@_friendly_errors
def model(
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    d_mu: Annotated[float, typer.Option("--d-mu", help="d_mu [GeV^-1].")] = 0.0,
    d_tau: Annotated[float, typer.Option("--d-tau", help="d_tau [GeV^-1].")] = 0.0,
    d_e: Annotated[float, typer.Option("--d-e", help="d_e [GeV^-1].")] = 0.0,
    majorana: Annotated[
        bool, typer.Option("--majorana", help="Majorana HNL (default Dirac).")
    ] = False,
    energy: Annotated[
        list[float] | None,
        typer.Option("--energy", help="HNL lab energy [GeV] for the decay length."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Widths, lifetime and decay lengths of a dipole-coupled HNL (paper eq. 5)."""
    from neutrissimo.physics.model import FLAVOURS, DipoleModel

    hnl = DipoleModel(
        m_N=mass, d_e=d_e, d_mu=d_mu, d_tau=d_tau, nature="majorana" if majorana else "dirac"
    )
    energies = list(energy or [])
    lengths = [float(x) for x in hnl.decay_length(np.array(energies))] if energies else []
    payload = {
        "m_N_GeV": hnl.m_N,
        "nature": hnl.nature,
        "couplings_GeVinv": {f: hnl.coupling(f) for f in FLAVOURS},
        "partial_widths_GeV": {f: hnl.partial_width(f) for f in FLAVOURS},
        "width_GeV": hnl.width,
        "ctau_cm": hnl.ctau,
        "lifetime_s": hnl.lifetime,
        "decay_lengths": [
            {"energy_GeV": e, "decay_length_cm": x} for e, x in zip(energies, lengths, strict=True)
        ],
    }
    lines = [
        f"m_N = {hnl.m_N:g} GeV ({hnl.nature}), d = (e {d_e:g}, mu {d_mu:g}, tau {d_tau:g}) GeV^-1",
        f"Gamma = {hnl.width:.6g} GeV   c tau = {hnl.ctau:.6g} cm   tau = {hnl.lifetime:.6g} s",
    ] + [
        f"E_N = {e:g} GeV: beta gamma c tau = {x:.6g} cm"
        for e, x in zip(energies, lengths, strict=True)
    ]
    _emit(payload, as_json, lines)


@app.command()
@_friendly_errors
def xsec(
    target: Annotated[
        str, typer.Option("--target", help="Nucleus (C12, Pb208, ...), 'proton' or 'neutron'.")
    ],
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    energy: Annotated[
        list[float], typer.Option("--energy", help="Neutrino energy [GeV]; repeatable.")
    ],
    d_mu: Annotated[float, typer.Option("--d-mu", help="Dipole coupling d_mu [GeV^-1].")] = 1e-6,
    form_factor: Annotated[
        str,
        typer.Option(
            "--form-factor", help="fourier-bessel | woods-saxon | dipole | helm (nuclei)."
        ),
    ] = "fourier-bessel",
    antineutrino: Annotated[
        bool,
        typer.Option(
            "--antineutrino", help="nubar_mu -> Nbar (same dipole cross sections, by CP)."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Upscattering cross sections [cm^2], helicity-flip, -conserving and total."""
    from neutrissimo.physics.cross_sections import make_target, total_cross_section
    from neutrissimo.physics.kinematics import threshold_energy

    tgt = make_target(target, form_factor)  # type: ignore[arg-type]
    energies = np.asarray(energy, dtype=float)
    flip = total_cross_section(tgt, energies, mass, d_mu, "flip")
    conserve = total_cross_section(tgt, energies, mass, d_mu, "conserve")
    payload = {
        "target": tgt.name,
        "channel": tgt.channel,
        "form_factor": tgt.form_factor if tgt.channel == "coherent" else None,
        "m_N_GeV": mass,
        "d_GeVinv": d_mu,
        "antineutrino": antineutrino,
        "threshold_GeV": float(threshold_energy(mass, tgt.mass)),
        "points": [
            {
                "energy_GeV": float(e),
                "sigma_flip_cm2": float(f),
                "sigma_conserve_cm2": float(c),
                "sigma_total_cm2": float(f + c),
            }
            for e, f, c in zip(energies, flip, conserve, strict=True)
        ],
    }
    lines = [
        f"{'nubar' if antineutrino else 'nu'}_mu + {tgt.name} ({tgt.channel}) -> N, "
        f"m_N = {mass:g} GeV, "
        f"d = {d_mu:g} GeV^-1, threshold {payload['threshold_GeV']:.6g} GeV",
        f"{'E [GeV]':>10} {'flip [cm2]':>12} {'conserve':>12} {'total':>12}",
    ]
    lines += [
        f"{e:10.4g} {f:12.4e} {c:12.4e} {f + c:12.4e}"
        for e, f, c in zip(energies, flip, conserve, strict=True)
    ]
    _emit(payload, as_json, lines)


@data_app.command("list")
def data_list() -> None:
    """List the registered data files: shipped with the package, or optional with their URL."""
    from neutrissimo.io.data import registry

    for entry in registry().values():
        typer.echo(f"{entry.path}  {'packaged' if entry.packaged else f'optional {entry.url}'}")


@data_app.command("verify")
@_friendly_errors
def data_verify() -> None:
    """Check every shipped (or overriding) file's checksum; optional files are not downloaded."""
    from neutrissimo.io.data import verify_report

    summary, errors = verify_report()
    typer.echo(summary)
    for message in errors:
        typer.echo(f"error: {message}", err=True)
    if errors:
        raise typer.Exit(1)


@data_app.command("fetch")
@_friendly_errors
def data_fetch(
    paths: Annotated[list[str] | None, typer.Argument(help="Registered paths to download.")] = None,
    all_files: Annotated[
        bool, typer.Option("--all", help="Fetch every optional file (the rest ships).")
    ] = False,
) -> None:
    """Download optional data files into the user cache (when online)."""
    from neutrissimo.io.data import fetch, registry

    if not paths and not all_files:
        raise NeutrissimoError(
            "Nothing to fetch: give registered paths (see `neutrissimo data list`) or --all."
        )
    for relpath in registry() if all_files else (paths or []):
        typer.echo(f"{relpath}: {fetch(relpath)}")


@app.command()
@_friendly_errors
def simulate(
    experiment: Annotated[
        str,
        typer.Option(
            "--experiment", help="miniboone | minerva-le-fhc | minerva-me-fhc | minerva-me-rhc"
        ),
    ],
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    d_mu: Annotated[float, typer.Option("--d-mu", help="d_mu [GeV^-1].")],
    events: Annotated[int, typer.Option("--events", help="Events to generate.")] = 100_000,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="*.hepmc3: NuHepMC; else Parquet.")
    ] = None,
    d_tau: Annotated[float, typer.Option("--d-tau", help="d_tau [GeV^-1].")] = 0.0,
    d_e: Annotated[float, typer.Option("--d-e", help="d_e [GeV^-1].")] = 0.0,
    majorana: Annotated[
        bool, typer.Option("--majorana", help="Majorana HNL (default Dirac).")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    as_json: AsJson = False,
) -> None:
    """Weighted Monte Carlo of one HNL mass; photons converting in the fiducial volume."""
    from rich.progress import Progress

    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.physics.model import DipoleModel
    from neutrissimo.simulation.injection import generate

    hnl = DipoleModel(
        m_N=mass, d_e=d_e, d_mu=d_mu, d_tau=d_tau, nature="majorana" if majorana else "dirac"
    )
    setup = load_setup(experiment)
    with Progress(transient=True, disable=as_json) as bar:
        task = bar.add_task(f"simulating {experiment}", total=events)
        sample = generate(
            setup,
            hnl,
            events,
            np.random.default_rng(seed),
            seed=seed,
            progress=lambda done: bar.update(task, completed=done),
        )
    summary = sample.summary()
    wall = sample.metadata["wall_time_s"]
    if output is not None:
        write = sample.to_hepmc3 if output.suffix == ".hepmc3" else sample.to_parquet
        write(output)
    payload = {
        "experiment": experiment,
        "m_N_GeV": hnl.m_N,
        "couplings_GeVinv": {"e": d_e, "mu": d_mu, "tau": d_tau},
        "nature": hnl.nature,
        "pot": setup.pot,
        "events_generated": events,
        "seed": seed,
        "wall_time_s": wall,
        "events_per_s": events / wall,
        "photons_in_fiducial": summary.rate,
        "photons_in_fiducial_mc_error": summary.error,
        "effective_sample_size": summary.effective_size,
        "share_by_region": sample.shares("region"),
        "output": str(output) if output is not None else None,
    }
    lines = [
        f"{experiment}: m_N = {mass:g} GeV, d_mu = {d_mu:g} GeV^-1, {setup.pot:.3g} POT",
        f"photons converting in the fiducial volume: {summary.rate:.4g} +- {summary.error:.2g} "
        f"(ESS {summary.effective_size:.0f} of {events} events, {wall:.1f} s)",
        "made in: "
        + ", ".join(
            f"{k} {v:.1%}"
            for k, v in sorted(payload["share_by_region"].items(), key=lambda kv: -kv[1])
            if v >= 1e-3
        ),
    ] + ([f"wrote {output}"] if output is not None else [])
    _emit(payload, as_json, lines)


@fit_app.command("miniboone")
@_friendly_errors
def fit_miniboone(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for grids, contours, figures.")
    ],
    oscillation: Annotated[
        str, typer.Option("--oscillation", help="global-no-mb | mb-microboone | none")
    ] = "global-no-mb",
    d_tau_scenario: DTauScenario = "none",
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    as_json: AsJson = False,
) -> None:
    """MiniBooNE E_QE and cos(theta) fits over (m_N, d_mu); resumes an interrupted scan."""
    from neutrissimo.analyses.miniboone_excess import benchmark_excess
    from neutrissimo.analyses.miniboone_fit import (
        check_fit_options,
        fit_grid,
        run_miniboone_scan,
        summarize,
        write_miniboone_outputs,
    )
    from neutrissimo.analyses.paper import paper_numbers

    check_fit_options(oscillation, d_tau_scenario)  # before any simulation
    grid = paper_numbers().scans.miniboone.grid(masses, couplings, events, seed)
    scan = run_miniboone_scan(grid, output, scheduler, workers, progress=_progress(as_json))
    result = fit_grid(grid, scan, oscillation, d_tau_scenario)
    summary = summarize(result)
    point = paper_numbers().benchmark(oscillation)
    benchmark = (point.m_n_gev, point.d_mu_gev_inv)
    excess = (
        benchmark_excess(*benchmark, oscillation, grid.events, seed)
        if d_tau_scenario == "none"  # the paper's Figs. 4 and 6 are for d_tau = 0
        else None
    )
    written = write_miniboone_outputs(output, result, summary, excess, benchmark)
    lines = [
        f"{obs}: best fit m_N = {s['best_fit_m_N_GeV']:.4g} GeV, "
        f"d_mu = {s['best_fit_d_mu_GeVinv']:.3g} GeV^-1, "
        f"chi2 = {s['chi2_best_fit']:.2f}; no HNL: chi2 = {s['chi2_no_hnl']:.2f} "
        f"(Delta chi2 = {s['delta_chi2_no_hnl']:.2f})"
        for obs, s in summary.items()
        if isinstance(s, dict)
    ] + [f"wrote {len(written)} files to {output}"]
    _emit(summary, as_json, lines)


@limits_app.command("minerva")
@_friendly_errors
def limits_minerva(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for limits, grids, figures.")
    ],
    sample: Annotated[str, typer.Option("--sample", help="le-fhc | me-fhc | me-rhc | all")] = "all",
    bkg_uncertainty: Annotated[
        float | None,
        typer.Option(
            "--bkg-uncertainty",
            help="Background-normalisation uncertainty (default: analyses/paper.toml "
            "[background_uncertainty] nominal).",
        ),
    ] = None,
    d_tau_scenario: DTauScenario = "none",
    masses: Masses = None,
    couplings: Couplings = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "serial",
    workers: Workers = None,
    miniboone: Annotated[
        Path | None,
        typer.Option("--miniboone", help="Output folder of `fit miniboone` to overlay."),
    ] = None,
    data_file: Annotated[
        Path | None, typer.Option("--data-file", help="dE/dx data for --sample me-rhc (2 columns).")
    ] = None,
    background_file: Annotated[
        Path | None, typer.Option("--background-file", help="dE/dx background for me-rhc.")
    ] = None,
    export_pyhf: Annotated[
        Path | None, typer.Option("--export-pyhf", help="Folder for pyhf workspaces (JSON).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """95% CL limits on d_mu from MINERvA's nu-e samples; says which samples have data."""
    from neutrissimo.analyses.minerva_limits import (
        SAMPLES,
        compute_limits,
        run_minerva_scan,
        write_minerva_outputs,
    )
    from neutrissimo.analyses.miniboone_fit import read_preferred_regions
    from neutrissimo.analyses.paper import paper_numbers
    from neutrissimo.analyses.scenarios import d_tau_of
    from neutrissimo.experiments import minerva

    d_tau_of(d_tau_scenario, 0.0)  # validate before simulating
    names = list(SAMPLES) if sample == "all" else [sample.replace("-", "_")]
    for name in names:
        if name not in SAMPLES:
            raise NeutrissimoError(
                f"Unknown sample {sample!r}; choose le-fhc, me-fhc, me-rhc or all."
            )
    paper = paper_numbers()
    eta = paper.background_uncertainty.nominal if bkg_uncertainty is None else bkg_uncertainty
    grid = paper.scans.minerva.grid(masses, couplings, events, seed)
    report = _progress(as_json)
    scans = {
        name: run_minerva_scan(name, grid, output, scheduler, workers, report) for name in names
    }
    histograms = {}
    for name in names:
        if name in minerva.load_config().samples_with_public_dedx:
            histograms[name] = minerva.dedx_histogram(name)
        elif data_file is not None and background_file is not None:
            histograms[name] = minerva.dedx_histogram(
                name, data_file=data_file, background_file=background_file
            )
    fig9 = paper.benchmark("global-no-mb")
    limits = compute_limits(
        scans, eta, d_tau_scenario, histograms, (fig9.m_n_gev, fig9.d_mu_gev_inv)
    )
    preferred = read_preferred_regions(miniboone) if miniboone is not None else ()
    written, summary = write_minerva_outputs(output, scans, limits, histograms, preferred)
    if export_pyhf is not None:  # one HistFactory workspace per sample and mass
        from neutrissimo.analyses.pyhf_export import export_minerva_limits

        written += export_minerva_limits(export_pyhf, scans, limits, histograms)
    lines = []
    for name, entry in summary["samples"].items():
        if entry["has_data"]:
            limits = [v for v in entry["limit_d_mu_GeVinv"] if v is not None]
            best = f"strongest limit d_mu < {min(limits):.3g} GeV^-1" if limits else "no exclusion"
        else:
            best = "no public dE/dx data: N_fid and efficiencies only (see --data-file)"
        lines.append(f"{name}: {best}")
    lines.append(f"wrote {len(written)} files to {output}")
    _emit(summary, as_json, lines)


@app.command()
@_friendly_errors
def reproduce(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for all figures and tables.")
    ] = Path("neutrissimo-paper"),
    masses: Masses = None,
    couplings: Annotated[
        int | None,
        typer.Option("--couplings", help=f"d_mu grid points of MiniBooNE ({_FROM_PAPER})."),
    ] = None,
    events: NEvents = None,
    seed: Seed = 1,
    scheduler: Scheduler = "local",
    workers: Workers = None,
) -> None:
    """All the paper's figures and tables (Figs. 3-15, Table I) into one folder; resumable."""
    from neutrissimo.analyses.reproduce import reproduce as run

    run(output, masses, couplings, events, seed, scheduler, workers, echo=typer.echo)


@app.command()
@_friendly_errors
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the plots.")] = Path(
        "neutrissimo-output"
    ),
) -> None:
    """Benchmark points of the paper: lifetimes, cross sections and plots."""
    from neutrissimo.analyses.demo import run_demo

    run_demo(output, echo=typer.echo)

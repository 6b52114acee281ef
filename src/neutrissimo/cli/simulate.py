"""The ``simulate`` and ``demo`` commands: the weighted Monte Carlo of one mass, and the paper's
benchmark points end to end."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from neutrissimo.cli.common import AsJson, app, emit, friendly_errors, require_coupling
from neutrissimo.io.atomic import check_writable
from neutrissimo.simulation.coupling_ranges import coupling_range, serving_range

__all__: list[str] = []

#: Below this effective sample size ``simulate`` warns that its rate is uncertain.
MIN_EFFECTIVE_EVENTS = 100


@app.command()
@friendly_errors
def simulate(
    mass: Annotated[float, typer.Option("--mass", help="HNL mass m_N [GeV].")],
    d_mu: Annotated[float, typer.Option("--d-mu", help="d_mu [GeV^-1].")],
    experiment: Annotated[
        str | None,
        typer.Option(
            "--experiment", help="miniboone | minerva-le-fhc | minerva-me-fhc | minerva-me-rhc"
        ),
    ] = None,
    setup_file: Annotated[
        str | None,
        typer.Option(
            "--setup",
            help="Your own experiment: a setup TOML (docs/beyond.md) or a shipped example "
            "(microboone); instead of --experiment.",
        ),
    ] = None,
    events: Annotated[
        int, typer.Option("--events", help="Events to generate (>= 1).", min=1)
    ] = 100_000,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="*.hepmc3: NuHepMC; else Parquet.")
    ] = None,
    d_tau: Annotated[float, typer.Option("--d-tau", help="d_tau [GeV^-1].")] = 0.0,
    d_e: Annotated[float, typer.Option("--d-e", help="d_e [GeV^-1].")] = 0.0,
    majorana: Annotated[
        bool, typer.Option("--majorana", help="Majorana HNL (default Dirac).", metavar="")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (>= 0).", min=0)] = 1,
    serve: Annotated[
        tuple[float, float] | None,
        typer.Option(
            "--serve",
            help="D_MIN D_MAX [GeV^-1]: the range of |d| the sample is meant to serve by "
            "reweighting (its proposal is built for it). Default: one decade centred on the "
            "requested |d|.",
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Weighted Monte Carlo of one HNL mass; photons converting in the fiducial volume.

    Streams: batches go to disk as they are made (memory stays below a few hundred MB for any
    --events); Ctrl-C stops it within a second and leaves no file (exit status 130)."""
    from rich.progress import Progress

    from neutrissimo.exceptions import ConfigurationError
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.experiments.user_setup import load_user_setup
    from neutrissimo.physics.model import DipoleModel
    from neutrissimo.simulation.streaming import (
        require_disk_space,
        require_representable,
        simulate_to_file,
    )

    if (experiment is None) == (setup_file is None):
        raise ConfigurationError("Give exactly one of --experiment NAME and --setup FILE.")
    require_coupling(d_e, d_mu, d_tau)
    hnl = DipoleModel(
        m_N=mass, d_e=d_e, d_mu=d_mu, d_tau=d_tau, nature="majorana" if majorana else "dirac"
    )
    setup = (
        load_setup(experiment) if experiment is not None else load_user_setup(str(setup_file)).setup
    )
    experiment = setup.name
    d_total = float(np.sqrt(d_e**2 + d_mu**2 + d_tau**2))
    if serve is not None and None not in serve:
        if not 0 < serve[0] <= serve[1]:
            raise ConfigurationError(
                f"--serve needs 0 < D_MIN <= D_MAX (GeV^-1), got {serve[0]:g} {serve[1]:g}."
            )
        couplings = coupling_range(serve, d_total)
    else:
        couplings = serving_range(d_total)
    if output is not None:
        check_writable(output, folder=False)
        require_disk_space(output, events)
    try:
        with Progress(transient=True, disable=as_json) as bar:
            task = bar.add_task(f"simulating {experiment}", total=events)
            sample = simulate_to_file(
                setup,
                hnl,
                events,
                np.random.default_rng(seed),
                output,
                seed=seed,
                progress=lambda done: bar.update(task, completed=done),
                couplings=couplings,
                check=functools.partial(require_representable, hnl),
            )
    except KeyboardInterrupt:  # the scratch and temporary files are gone with the stack
        typer.echo("error: interrupted; no output written.", err=True)
        raise typer.Exit(130) from None
    summary = sample.summary
    if summary.effective_size < MIN_EFFECTIVE_EVENTS:
        typer.echo(
            f"warning: only {summary.effective_size:.0f} effective events at these couplings "
            f"(c tau = {hnl.ctau:.3g} cm, mean lab decay length beta gamma c tau = "
            f"{sample.beta_gamma * hnl.ctau:.3g} cm): the rate is uncertain. Fix: more --events.",
            err=True,
        )
    wall = sample.metadata["wall_time_s"]
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
        "ess_fraction": summary.ess_fraction,
        "zero_weight_fraction": summary.zero_fraction,
        "trials": sample.metadata["n_trials"],
        "effective_events_per_s": summary.effective_size / wall,
        "proposal": sample.metadata["proposal"]["proposal"],
        "couplings_served_GeVinv": list(couplings),
        "share_by_region": sample.region_shares,
        "output": str(output) if output is not None else None,
    }
    lines = [
        f"{experiment}: m_N = {mass:g} GeV, d_mu = {d_mu:g} GeV^-1, {setup.pot:.3g} POT",
        f"photons converting in the fiducial volume: {summary.rate:.4g} +- {summary.error:.2g} "
        f"(ESS {summary.effective_size:.0f} of {events} events = {summary.ess_fraction:.3g}, "
        f"{summary.zero_fraction:.1%} with weight 0; {sample.metadata['n_trials']} trials, "
        f"{wall:.1f} s, {summary.effective_size / wall:.3g} effective events/s)",
        "made in: "
        + ", ".join(
            f"{k} {v:.1%}"
            for k, v in sorted(payload["share_by_region"].items(), key=lambda kv: -kv[1])
            if v >= 1e-3
        ),
    ] + ([f"wrote {output}"] if output is not None else [])
    emit(payload, as_json, lines)


@app.command()
@friendly_errors
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the plots.")] = Path(
        "neutrissimo-output"
    ),
    events: Annotated[
        int, typer.Option("--events", help="Events per simulated sample (>= 1).", min=1)
    ] = 50_000,
) -> None:
    """Benchmark points of the paper: lifetimes, cross sections and plots."""
    from neutrissimo.analyses.demo import run_demo

    check_writable(output, folder=True)
    run_demo(output, echo=typer.echo, events=events)

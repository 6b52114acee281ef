"""The ``simulate`` and ``demo`` commands: the weighted Monte Carlo of one mass, and the paper's
benchmark points end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from neutrissimo.cli.common import AsJson, app, emit, friendly_errors

__all__: list[str] = []


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
    events: Annotated[int, typer.Option("--events", help="Events to generate.")] = 100_000,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Parquet file to write.")
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

    from neutrissimo.exceptions import ConfigurationError
    from neutrissimo.experiments.setups import load_setup
    from neutrissimo.experiments.user_setup import load_user_setup
    from neutrissimo.physics.model import DipoleModel
    from neutrissimo.simulation.injection import generate

    if (experiment is None) == (setup_file is None):
        raise ConfigurationError("Give exactly one of --experiment NAME and --setup FILE.")
    hnl = DipoleModel(
        m_N=mass, d_e=d_e, d_mu=d_mu, d_tau=d_tau, nature="majorana" if majorana else "dirac"
    )
    setup = (
        load_setup(experiment) if experiment is not None else load_user_setup(str(setup_file)).setup
    )
    experiment = setup.name
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
        sample.to_parquet(output)
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
    emit(payload, as_json, lines)


@app.command()
@friendly_errors
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the plots.")] = Path(
        "neutrissimo-output"
    ),
) -> None:
    """Benchmark points of the paper: lifetimes, cross sections and plots."""
    from neutrissimo.analyses.demo import run_demo

    run_demo(output, echo=typer.echo)

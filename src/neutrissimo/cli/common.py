"""Shared parts of the ``neutrissimo`` command: the typer apps, the options every scan command
takes, one-line errors, progress bars and output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from neutrissimo.exceptions import ConfigurationError, NeutrissimoError

__all__ = [
    "FROM_PAPER",
    "INTERRUPTED",
    "AsJson",
    "Couplings",
    "DTauScenario",
    "MCStat",
    "Masses",
    "NEvents",
    "Scheduler",
    "Seed",
    "Workers",
    "app",
    "data_app",
    "emit",
    "fit_app",
    "friendly_errors",
    "limits_app",
    "progress_bar",
    "require_coupling",
    "scan_progress",
]

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
FROM_PAPER = "default: analyses/paper.toml [scans.*]"
Masses = Annotated[
    int | None,
    typer.Option("--masses", help=f"m_N grid points, log-spaced ({FROM_PAPER}).", min=2),
]
Couplings = Annotated[
    int | None,
    typer.Option("--couplings", help=f"d_mu grid points, log-spaced ({FROM_PAPER}).", min=2),
]
NEvents = Annotated[
    int | None,
    typer.Option("--events", help=f"Events simulated per mass and sample ({FROM_PAPER}).", min=1),
]
Seed = Annotated[int, typer.Option("--seed", help="Master seed (>= 0).", min=0)]
Scheduler = Annotated[
    str, typer.Option("--scheduler", help="serial | local (Dask LocalCluster) | tcp://host:port")
]
Workers = Annotated[
    int | None,
    typer.Option("--workers", help="Local Dask workers (>= 1; default: CPU count).", min=1),
]
DTauScenario = Annotated[
    str, typer.Option("--d-tau-scenario", help="none | mass-ratio | fixed-1e-5")
]
Oscillation = Annotated[
    str, typer.Option("--oscillation", help="global-no-mb | mb-microboone | none")
]
BkgUncertainty = Annotated[
    float | None,
    typer.Option(
        "--bkg-uncertainty",
        help="Background-normalisation uncertainty eta (default: analyses/paper.toml "
        "[background_uncertainty] nominal).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.", metavar="")]
MCStat = Annotated[
    bool,
    typer.Option(
        "--mc-stat/--no-mc-stat",
        help="Monte Carlo error of the predictions in the chi^2 and likelihoods (default); "
        "--no-mc-stat: the paper's treatment (predictions taken as exact).",
        metavar="",
    ),
]


#: The line after "error: " when Ctrl-C (SIGINT) stops a command (exit status 130).
INTERRUPTED = (
    "interrupted; no partial file is left (finished scan points are kept: a rerun resumes)."
)


def friendly_errors(func: F) -> F:
    """Turn NeutrissimoError into one line on stderr and exit status 2 (no traceback), and
    Ctrl-C into one line and exit status 130 (the files being written are removed by their
    context managers on the way out)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NeutrissimoError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo(f"error: {INTERRUPTED}", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(name: str) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar on stderr for one scan: its name, done/total, elapsed time and ETA;
    messages other than "done" (recomputed or discarded checkpoints) printed above it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(name, total=None)

        def report(done: int, total: int, message: str) -> None:
            bar.update(task, completed=done, total=total)
            if not message.endswith(" done"):
                console.print(f"{name}: {message}")

        yield report


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    del name
    yield None


def scan_progress(quiet: bool) -> Callable[[str], Any]:
    """Progress bars per scan on stderr, or none (with ``--json``)."""
    return _quiet if quiet else progress_bar


def require_coupling(d_e: float, d_mu: float, d_tau: float) -> None:
    """Refuse an HNL with all couplings (GeV^-1) zero: it is never made and never decays."""
    if d_e == d_mu == d_tau == 0.0:
        raise ConfigurationError(
            "All couplings are zero: the HNL is never made and would be stable (c tau = inf). "
            "Fix: give --d-mu (and/or --d-e, --d-tau) in GeV^-1."
        )


def emit(payload: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for line in lines:
            typer.echo(line)

"""The ``data`` commands: list, verify and fetch the public data files."""

from __future__ import annotations

from typing import Annotated

import typer

from neutrissimo.cli.common import data_app, friendly_errors
from neutrissimo.exceptions import NeutrissimoError

__all__: list[str] = []


@data_app.command("list")
def data_list() -> None:
    """List the registered data files: shipped with the package, or optional with their URL."""
    from neutrissimo.io.data import registry

    for entry in registry().values():
        typer.echo(f"{entry.path}  {'packaged' if entry.packaged else f'optional {entry.url}'}")


@data_app.command("verify")
@friendly_errors
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
@friendly_errors
def data_fetch(
    paths: Annotated[list[str] | None, typer.Argument(help="Registered paths to download.")] = None,
    all_files: Annotated[
        bool, typer.Option("--all", help="Fetch every optional file (the rest ships).", metavar="")
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

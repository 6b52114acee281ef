"""The ``data`` commands: list, verify and fetch the public data files."""

from __future__ import annotations

from typing import Annotated

import typer

from neutrissimo.cli.common import data_app, friendly_errors

__all__: list[str] = []


@data_app.command("list")
def data_list() -> None:
    """List the registered data files and their public sources."""
    from neutrissimo.io.data import registry

    for entry in registry().values():
        typer.echo(f"{entry.path}  {entry.url or '(derived; no public URL)'}")


@data_app.command("verify")
def data_verify() -> None:
    """Check every registered file is present with the right checksum (no download)."""
    from neutrissimo.io.data import verify_all

    status = verify_all(download=False)
    bad = {k: v for k, v in status.items() if v != "ok"}
    typer.echo(f"{len(status) - len(bad)}/{len(status)} data files present and verified.")
    for message in bad.values():
        typer.echo(f"  {message}", err=True)
    if bad:
        raise typer.Exit(1)


@data_app.command("fetch")
@friendly_errors
def data_fetch(
    paths: Annotated[list[str] | None, typer.Argument(help="Registered paths to download.")] = None,
    all_files: Annotated[
        bool, typer.Option("--all", help="Fetch every registered file.", metavar="")
    ] = False,
) -> None:
    """Download data files into the user cache (when online)."""
    from neutrissimo.io.data import fetch, registry

    for relpath in registry() if all_files else (paths or []):
        typer.echo(f"{relpath}: {fetch(relpath)}")

"""The ``neutrissimo`` command: a thin layer over the Python API.

Every command takes ``--json`` for machine-readable output; the keys are documented in
``docs/cli.md`` and kept stable. Errors on bad input print one line and exit with status 2.
One module per group of commands: :mod:`.physics` (``model``, ``xsec``), :mod:`.data`,
:mod:`.simulate` (``simulate``, ``demo``), :mod:`.scans` (``fit``, ``limits``, ``reproduce``);
:mod:`.beyond` (``sensitivity``, ``limits expected``, ``fit joint``, ``fit coverage``,
``cutflow``: docs/beyond.md); :mod:`.common` holds the apps, the shared options and the
error handling.
"""

import sys
from collections.abc import Sequence

import typer

from neutrissimo.cli import beyond, data, physics, scans, simulate
from neutrissimo.cli.common import INTERRUPTED, app

__all__ = ["app", "beyond", "data", "main", "physics", "run", "scans", "simulate"]


def main(argv: Sequence[str] | None = None) -> int:
    """The ``neutrissimo`` entry point: run ``app`` and turn a usage error (a missing or bad
    option, an unknown command) into one ``error: ...`` line on stderr and exit status 2, and an
    interruption (Ctrl-C) into one line and status 130; returns the exit status."""
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo(f"error: {INTERRUPTED}", err=True)
        return 130
    except Exception as exc:  # the CLI toolkit's usage errors carry exit_code and a message
        code = getattr(exc, "exit_code", None)
        if code is None or not hasattr(exc, "format_message"):
            raise
        message = " ".join(str(exc.format_message()).split())
        if message:  # an empty message: the help was shown (no arguments)
            context = getattr(getattr(exc, "ctx", None), "command_path", "neutrissimo")
            typer.echo(f"error: {message} (see '{context} --help')", err=True)
        return int(code)
    return int(result) if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s status."""
    sys.exit(main())

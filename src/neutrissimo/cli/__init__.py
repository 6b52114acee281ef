"""The ``neutrissimo`` command: a thin layer over the Python API.

Every command takes ``--json`` for machine-readable output; the keys are documented in
``docs/cli.md`` and kept stable. Errors on bad input print one line and exit with status 2.
One module per group of commands: :mod:`.physics` (``model``, ``xsec``), :mod:`.data`,
:mod:`.simulate` (``simulate``, ``demo``), :mod:`.scans` (``fit``, ``limits``, ``reproduce``);
:mod:`.beyond` (``sensitivity``, ``limits expected``, ``fit joint``, ``fit coverage``,
``cutflow``: docs/beyond.md); :mod:`.common` holds the apps, the shared options and the
error handling.
"""

from neutrissimo.cli import beyond, data, physics, scans, simulate
from neutrissimo.cli.common import app

__all__ = ["app", "beyond", "data", "physics", "scans", "simulate"]

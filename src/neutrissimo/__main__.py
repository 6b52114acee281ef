"""``python -m neutrissimo``: the command line."""

from neutrissimo.cli import run

__all__: list[str] = []

run()

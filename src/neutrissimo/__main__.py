"""``python -m neutrissimo``: the command line."""

from neutrissimo.cli import app

app(prog_name="neutrissimo")

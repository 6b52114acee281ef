"""Writing figures: atomically, without pyplot (no global backend or figure state)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from neutrissimo.io.atomic import atomic_path

__all__ = ["save_figure"]


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` atomically (temporary file, then rename); the format follows the
    suffix (PNG by default)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=150, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    return path

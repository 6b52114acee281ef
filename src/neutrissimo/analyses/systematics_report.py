"""The table and figure of the modelling-systematics study
(:mod:`neutrissimo.analyses.systematics`; docs/beyond.md, part 4).

The shift of an edge or limit is log10(alternative / nominal) in decades of d_mu:

>>> float(shift_decades(2e-7, 1e-7)) == float(np.log10(2.0))
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.systematics import CHOICES
from neutrissimo.io.provenance import provenance

__all__ = ["compare", "shift_decades", "write_systematics_outputs"]


def shift_decades(alternative: Any, nominal: Any) -> NDArray[np.float64]:
    """log10(alternative / nominal): the shift of an edge or limit in decades of d_mu (NaN where
    either is missing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(np.asarray(alternative, dtype=float) / np.asarray(nominal, dtype=float))


def compare(
    nominal: Mapping[str, NDArray[np.float64]],
    alternatives: Mapping[str, Mapping[str, NDArray[np.float64]]],
    report_masses: Sequence[float],
) -> list[dict[str, Any]]:
    """Table rows (choice, quantity, mass [GeV], nominal, alternative [GeV^-1], shift_dex,
    applicable) for every choice, quantity and report mass; a quantity a choice cannot change
    has alternative and shift NaN and ``applicable`` False."""
    rows = []
    for choice, values in alternatives.items():
        for quantity, base in nominal.items():
            alt = values.get(quantity)
            shifts = shift_decades(alt, base) if alt is not None else np.full(len(base), np.nan)
            for k, mass in enumerate(report_masses):
                rows.append(
                    {
                        "choice": choice,
                        "quantity": quantity,
                        "m_N_GeV": float(mass),
                        "nominal": float(base[k]),
                        "alternative": float(alt[k]) if alt is not None else float("nan"),
                        "shift_dex": float(shifts[k]),
                        "applicable": alt is not None,
                    }
                )
    return rows


def _cell(value: float, applicable: bool) -> str:
    if not applicable:
        return "n/a"
    return "nan" if not np.isfinite(value) else f"{value:.6g}"


def write_systematics_outputs(
    folder: str | os.PathLike[str],
    rows: list[dict[str, Any]],
    settings: dict[str, Any],
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``systematics.csv`` (choice, quantity, m_N [GeV], nominal and alternative
    [GeV^-1], shift_dex; "n/a" where the choice cannot change the quantity, "nan" where the
    edge or limit is outside the grid), ``systematics.json`` (settings with provenance, the
    rows, the largest measured shift) and ``systematics.png`` (per choice and quantity, the
    shift at each report mass). Returns the paths and the summary."""
    from neutrissimo.io.atomic import write_json, write_text
    from neutrissimo.plotting.beyond import systematics_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    lines = [
        "# shift_dex = log10(alternative / nominal), decades of d_mu; n/a: the choice cannot "
        "change the quantity; nan: edge or limit outside the grid",
        "choice,quantity,m_N [GeV],nominal [GeV^-1],alternative [GeV^-1],shift_dex",
    ]
    for r in rows:
        ok = r["applicable"]
        lines.append(
            f"{r['choice']},{r['quantity']},{r['m_N_GeV']:.6g},{_cell(r['nominal'], True)},"
            f"{_cell(r['alternative'], ok)},{_cell(r['shift_dex'], ok)}"
        )
    written = [write_text(folder / "systematics.csv", "\n".join(lines) + "\n")]
    measured = [r for r in rows if r["applicable"] and np.isfinite(r["shift_dex"])]
    largest = max(measured, key=lambda r: abs(r["shift_dex"]), default=None)
    summary: dict[str, Any] = {
        "settings": provenance(**settings),
        "choices": {name: CHOICES[name].label for name in dict.fromkeys(r["choice"] for r in rows)},
        "largest_shift": largest,
        "rows": [
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
            for r in rows
        ],
    }
    choices = list(summary["choices"])
    largest_per: dict[str, list[float]] = {}
    for r in rows:  # per quantity and choice: the signed shift largest in size over the masses
        values = largest_per.setdefault(r["quantity"], [float("nan")] * len(choices))
        k = choices.index(r["choice"])
        shift = r["shift_dex"]
        if np.isfinite(shift) and not abs(values[k]) >= abs(shift):  # NaN compares False
            values[k] = shift
    figure = systematics_figure(
        [CHOICES[c].label for c in choices],
        {q: v for q, v in largest_per.items() if np.any(np.isfinite(v))},
        xlabel=r"largest shift over the report masses [decades of $d_\mu$]",
        title="Modelling systematics",
    )
    written.append(save_figure(figure, folder / "systematics.png"))
    written.append(write_json(folder / "systematics.json", summary))
    return written, summary

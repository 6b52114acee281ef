"""The published MINERvA dE/dx distributions (data and background, paper Fig. 9).

dE/dx distributions (Fig. 9). The digitized files give events per 1 MeV/1.7cm at bin centres;
the bins are [1.5, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20] and counts per
bin are density x width. What "background" means: every SM event that passes the selection is
background to the HNL search, including nu-e elastic scattering itself (whose showers are
electrons but leak into the photon-like region). The default background is therefore the full
SM prediction: ME FHC ``MCtotal``; LE FHC the stack top ``MCsignal`` (nu-e + backgrounds)
where digitized (dE/dx < 10) and ``MCbkg`` above (where the two curves meet). The stacking of
the ME MC files is undocumented; their ordering (pi0 <= bkg <= nue_e <= total in every bin,
within digitization error) shows cumulative stack tops, with ``MCtotal - MCnue_e`` the nu-e
elastic layer (it integrates to ~940 events, peaked at 1 MIP). ``background="without_nue"``
drops that layer (ME: ``MCnue_e``; LE: ``MCbkg``), giving a lower background and so a weaker
(conservative) limit. The photon-like region is dE/dx > 4.5 (the last 11 bins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neutrissimo.exceptions import ConfigurationError, DataFileError
from neutrissimo.experiments.minerva.config import MinervaConfig, _config
from neutrissimo.io import data as data_registry

__all__ = ["DedxHistogram", "dedx_histogram", "density_to_counts"]


def density_to_counts(density: ArrayLike, edges: ArrayLike) -> NDArray[np.float64]:
    """Events per bin from events per unit dE/dx (per MeV/1.7cm): density x bin width."""
    return np.asarray(density, dtype=float) * np.diff(np.asarray(edges, dtype=float))


def _read_two_columns(file: str | Path) -> NDArray[np.float64]:
    """A registered data file (via the registry) or a user's file: two numeric columns."""
    if isinstance(file, str) and file in data_registry.registry():
        table = data_registry.load_table(file)
    else:
        path = Path(file)
        if not path.is_file():
            raise DataFileError(
                f"dE/dx file {str(file)!r} is neither a registered neutrissimo data file nor an "
                "existing file. Give a data-folder path like "
                "'minerva_nue/ME_FHC_Valencia2019/Official_ME_dEdX_data.dat' or a file path."
            )
        try:
            table = np.loadtxt(path, ndmin=2)
        except ValueError as exc:
            raise DataFileError(f"dE/dx file {path} is not a numeric table: {exc}") from exc
        if not np.all(np.isfinite(table)):
            raise DataFileError(f"dE/dx file {path} contains non-finite numbers.")
    if table.shape[1] < 2:
        raise DataFileError(
            f"dE/dx file {file} must have two columns (dE/dx bin centre in MeV/1.7cm, events "
            f"per MeV/1.7cm); it has {table.shape[1]}."
        )
    return table[:, :2]


def _digitized_density(file: str | Path, edges: NDArray[np.float64]) -> NDArray[np.float64]:
    """Events per MeV/1.7cm per bin from a digitized file; NaN for bins without a point."""
    table = _read_two_columns(file)
    x, y = table[:, 0], table[:, 1]
    index = np.searchsorted(edges, x, side="right") - 1
    outside = (index < 0) | (index >= edges.size - 1)
    if np.any(outside):
        raise DataFileError(
            f"dE/dx file {file}: points at {x[outside].tolist()} MeV/1.7cm lie outside the "
            f"binning {edges[0]}-{edges[-1]}."
        )
    if np.unique(index).size != index.size:
        raise DataFileError(f"dE/dx file {file}: two points fall in the same bin.")
    if np.any(y < 0):
        raise DataFileError(f"dE/dx file {file}: negative event densities.")
    density = np.full(edges.size - 1, np.nan)
    density[index] = y
    return density


def _stitched_counts(
    files: Sequence[str | Path], edges: NDArray[np.float64], what: str, sample: str
) -> NDArray[np.float64]:
    density = np.full(edges.size - 1, np.nan)
    for file in files:
        fill = np.isnan(density)
        density[fill] = _digitized_density(file, edges)[fill]
    if np.any(np.isnan(density)):
        missing = np.flatnonzero(np.isnan(density))
        raise DataFileError(
            f"dE/dx {what} of sample {sample!r}: no point in bin(s) "
            f"{[(float(edges[i]), float(edges[i + 1])) for i in missing]} in {list(files)}."
        )
    return density_to_counts(density, edges)


@dataclass(frozen=True, eq=False)
class DedxHistogram:
    """Selected events versus dE/dx (MeV/1.7cm) before the dE/dx cut (paper Fig. 9).

    Attributes:
        sample: sample name.
        edges: bin edges, MeV/1.7cm.
        data: observed events per bin.
        background: SM-predicted events per bin (see the module docstring for the definition).
        source: where the numbers come from.
    """

    sample: str
    edges: NDArray[np.float64]
    data: NDArray[np.float64]
    background: NDArray[np.float64]
    source: str = ""

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=float)
        data = np.asarray(self.data, dtype=float)
        background = np.asarray(self.background, dtype=float)
        if edges.ndim != 1 or np.any(np.diff(edges) <= 0):
            raise ConfigurationError(f"dE/dx edges must increase strictly, got {edges!r}.")
        for name, values in (("data", data), ("background", background)):
            if values.shape != (edges.size - 1,) or np.any(~np.isfinite(values)):
                raise ConfigurationError(
                    f"dE/dx {name} must be {edges.size - 1} finite counts (one per bin); got "
                    f"shape {values.shape}."
                )
            if np.any(values < 0):
                raise ConfigurationError(f"dE/dx {name} must be >= 0 events per bin.")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "background", background)

    @property
    def widths(self) -> NDArray[np.float64]:
        return np.diff(self.edges)

    @property
    def centres(self) -> NDArray[np.float64]:
        return 0.5 * (self.edges[1:] + self.edges[:-1])

    def photon_like(self, dedx_min: float = 4.5) -> NDArray[np.bool_]:
        """Mask of the bins above ``dedx_min`` (which must be a bin edge)."""
        if not np.any(np.isclose(self.edges, dedx_min)):
            raise ConfigurationError(
                f"dedx_min = {dedx_min} is not a bin edge of {self.edges.tolist()}."
            )
        return self.edges[:-1] >= dedx_min - 1e-9

    def photon_like_counts(
        self, dedx_min: float = 4.5
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(data, background) in the photon-like bins."""
        mask = self.photon_like(dedx_min)
        return self.data[mask], self.background[mask]


def dedx_histogram(
    sample: str,
    *,
    background: Literal["sm_total", "without_nue"] = "sm_total",
    data_file: str | Path | None = None,
    background_file: str | Path | None = None,
    config: MinervaConfig | None = None,
) -> DedxHistogram:
    """Data and background dE/dx distributions of a sample (events per bin).

    Args:
        sample: ``le_fhc`` or ``me_fhc`` (public digitized histograms), or any sample when
            ``data_file`` and ``background_file`` are given (required for ``me_rhc``, which
            has no public histogram).
        background: ``"sm_total"`` (default; all SM processes including nu-e elastic) or
            ``"without_nue"`` (the nu-e elastic layer removed). Ignored with a user file.
        data_file, background_file: user files with two columns, dE/dx bin centre
            (MeV/1.7cm) and events per MeV/1.7cm, one point per bin of the standard binning.

    Raises:
        DataFileError: no public histogram for the sample and no files given, or a bad file.
    """
    cfg = _config(config)
    smp = cfg.sample(sample)
    edges = cfg.dedx.bin_edges
    if (data_file is None) != (background_file is None):
        raise ConfigurationError("Give both data_file and background_file, or neither.")
    if data_file is not None and background_file is not None:
        return DedxHistogram(
            sample=sample,
            edges=edges,
            data=_stitched_counts([data_file], edges, "data", sample),
            background=_stitched_counts([background_file], edges, "background", sample),
            source=f"user files {data_file}, {background_file}",
        )
    if background not in ("sm_total", "without_nue"):
        raise ConfigurationError(
            f"background must be 'sm_total' or 'without_nue', got {background!r}."
        )
    bkg_files = smp.dedx_background if background == "sm_total" else smp.dedx_background_without_nue
    if not smp.dedx_data or not bkg_files:
        have = ", ".join(cfg.samples_with_public_dedx) or "none"
        raise DataFileError(
            f"Sample {sample!r} ({smp.label}, {smp.reference}) has no public dE/dx data/"
            f"background histogram (see data/PROVENANCE.md sec. 8). Samples with public "
            f"histograms: {have}. Fix: pass data_file= and background_file= (two columns: "
            "dE/dx bin centre in MeV/1.7cm, events per MeV/1.7cm)."
        )
    return DedxHistogram(
        sample=sample,
        edges=edges,
        data=_stitched_counts(smp.dedx_data, edges, "data", sample),
        background=_stitched_counts(bkg_files, edges, f"{background} background", sample),
        source=f"digitized {smp.reference}: data {list(smp.dedx_data)}, background "
        f"({background}) {list(bkg_files)}",
    )

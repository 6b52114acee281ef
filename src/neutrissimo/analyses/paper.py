"""The paper's numbers used by the analyses, read from ``paper.toml`` beside this module.

Benchmark points (Sec. IV.C, Figs. 3-6), the Fig. 8 model points, the background-normalisation
uncertainties of the MINERvA limits (Sec. V.C), Table I target masses and the default scan
grids live in that one file, each with its paper section; every analysis and the CLI read them
through :func:`paper_numbers`.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, Field, PositiveFloat, PositiveInt

from neutrissimo.analyses.scan import ScanGrid
from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.config import ConfigModel, load_toml
from neutrissimo.physics.model import DipoleModel

__all__ = ["Benchmark", "PaperNumbers", "ScanDefaults", "paper_numbers"]

_FILE = "paper.toml"


def _increasing(values: tuple[float, float]) -> tuple[float, float]:
    if not values[0] < values[1]:
        raise ValueError("must be (low, high) with low < high")
    return values


Range = Annotated[tuple[PositiveFloat, PositiveFloat], AfterValidator(_increasing)]


class Benchmark(ConfigModel):
    """A benchmark point: m_N [GeV], d_mu [GeV^-1] (d_e = d_tau = 0) and its figures."""

    m_n_gev: PositiveFloat
    d_mu_gev_inv: PositiveFloat
    figures: str

    @property
    def model(self) -> DipoleModel:
        """The Dirac HNL of this point."""
        return DipoleModel(m_N=self.m_n_gev, d_mu=self.d_mu_gev_inv)


class ScanDefaults(ConfigModel):
    """Default (m_N, d_mu) grid of a scan: log-spaced ranges, counts and events per mass."""

    mass_range_gev: Range
    coupling_range_gev_inv: Range
    n_masses: int = Field(ge=2)
    n_couplings: int = Field(ge=2)
    events_per_mass: PositiveInt
    replicas: int = Field(ge=1)

    def grid(
        self,
        n_masses: int | None = None,
        n_couplings: int | None = None,
        events: int | None = None,
        seed: int = 1,
    ) -> ScanGrid:
        """The log-spaced grid; ``None`` takes this table's count.

        Raises:
            ConfigurationError: fewer than 2 masses or couplings, or fewer than 1 event.
        """
        n_m = self.n_masses if n_masses is None else n_masses
        n_d = self.n_couplings if n_couplings is None else n_couplings
        n_events = self.events_per_mass if events is None else events
        if n_m < 2 or n_d < 2 or n_events < 1:
            raise ConfigurationError(
                f"A scan needs >= 2 masses, >= 2 couplings and >= 1 event per mass; got "
                f"{n_m}, {n_d}, {n_events}."
            )
        return ScanGrid(
            tuple(float(m) for m in np.geomspace(*self.mass_range_gev, n_m)),
            tuple(float(d) for d in np.geomspace(*self.coupling_range_gev_inv, n_d)),
            n_events,
            seed,
            min(self.replicas, n_events),
        )


class _MinervaSelection(ConfigModel):
    etheta2_points: tuple[tuple[PositiveFloat, PositiveFloat], ...] = Field(min_length=1)


class _BackgroundUncertainty(ConfigModel):
    nominal: PositiveFloat
    conservative: PositiveFloat


class _Scans(ConfigModel):
    miniboone: ScanDefaults
    minerva: ScanDefaults


class PaperNumbers(ConfigModel):
    """The schema of ``paper.toml``."""

    benchmarks: dict[str, Benchmark] = Field(min_length=1)
    minerva_selection: _MinervaSelection
    background_uncertainty: _BackgroundUncertainty
    table_i_kg: dict[str, PositiveFloat] = Field(min_length=1)
    scans: _Scans

    def benchmark(self, oscillation: str) -> Benchmark:
        """The benchmark shown with an oscillation scenario; without oscillations (``"none"``)
        the Fig. 4 point of ``"global-no-mb"``.

        Raises:
            ConfigurationError: no benchmark for that scenario.
        """
        name = "global-no-mb" if oscillation == "none" else oscillation
        if name not in self.benchmarks:
            raise ConfigurationError(
                f"{_FILE}: no [benchmarks.{name}]; known: {', '.join(self.benchmarks)}."
            )
        return self.benchmarks[name]


@functools.cache
def paper_numbers() -> PaperNumbers:
    """The validated contents of the package's ``paper.toml`` (read once)."""
    text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    return load_toml(text, PaperNumbers, source=f"neutrissimo/analyses/{_FILE}")

"""Settings of the analyses beyond the paper (``beyond.toml`` beside this module).

One validated, frozen model per part of docs/beyond.md; grids reuse
:class:`neutrissimo.analyses.paper.ScanDefaults`.
"""

from __future__ import annotations

import functools
from importlib import resources

from pydantic import Field, PositiveFloat, PositiveInt

from neutrissimo.analyses.paper import ScanDefaults
from neutrissimo.io.config import ConfigModel, load_toml

__all__ = [
    "BeyondSettings",
    "CoverageSettings",
    "CutflowSettings",
    "JointSettings",
    "SensitivitySettings",
    "SystematicsSettings",
    "beyond_settings",
]

_FILE = "beyond.toml"


class SensitivitySettings(ScanDefaults):
    """``[sensitivity]``: grid, the number of events of the reach, contour levels."""

    n_events: PositiveFloat
    levels: tuple[PositiveFloat, ...] = Field(min_length=1)


class JointSettings(ScanDefaults):
    """``[joint]``: the common grid, the combined CL and the sigma of the regions tested."""

    cl: float = Field(gt=0.0, lt=1.0)
    region_sigma: int = Field(ge=1, le=3)


class CoverageSettings(ScanDefaults):
    """``[coverage]``: the coarse grid, toys and the outside true point (m_N, d_mu)."""

    toys: PositiveInt
    toys_per_task: PositiveInt
    outside_point: tuple[PositiveFloat, PositiveFloat]
    sigmas: tuple[int, ...] = Field(min_length=1)


class _Expected(ConfigModel):
    toys: PositiveInt


class SystematicsSettings(ScanDefaults):
    """``[systematics]``: grid, masses reported, the resolution scale factor and the sigma of
    the MiniBooNE regions compared."""

    report_masses_gev: tuple[PositiveFloat, ...] = Field(min_length=1)
    resolution_scale: PositiveFloat
    region_sigma: int = Field(ge=1, le=3)


class CutflowSettings(ConfigModel):
    """``[cutflow]``: masses, coupling and events of the cut-flow table."""

    masses_gev: tuple[PositiveFloat, ...] = Field(min_length=1)
    d_mu_gev_inv: PositiveFloat
    events: PositiveInt


class BeyondSettings(ConfigModel):
    """The schema of ``beyond.toml``."""

    sensitivity: SensitivitySettings
    joint: JointSettings
    coverage: CoverageSettings
    expected: _Expected
    systematics: SystematicsSettings
    cutflow: CutflowSettings


@functools.cache
def beyond_settings() -> BeyondSettings:
    """The validated ``beyond.toml``."""
    text = resources.files(__package__).joinpath(_FILE).read_text(encoding="utf-8")
    return load_toml(text, BeyondSettings, source=f"neutrissimo/analyses/{_FILE}")

"""The numbers of the MiniBooNE analysis, read from ``miniboone-analysis.toml`` beside this module.

Every number there cites its source (paper section or reference); energies in GeV.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

from neutrissimo.exceptions import ConfigurationError
from neutrissimo.io.config import ConfigModel, FloatArray, load_toml, read_toml, validate

__all__ = ["COVARIANCE_BLOCKS", "N_NUE_BINS", "N_NUMU_BINS", "MiniBooNEConfig", "load_config"]


#: Block order of the 30x30 fractional covariance of the 2020 nu-mode release (release page):
#: full-transmutation nu_mu->nu_e "signal", predicted nu_e background, nu_mu CCQE prediction.
COVARIANCE_BLOCKS: tuple[tuple[str, int], ...] = (
    ("signal", 11),
    ("nue_background", 11),
    ("numu", 8),
)
N_NUE_BINS = 11
N_NUMU_BINS = 8

_CONFIG_FILE = "miniboone-analysis.toml"


def _increasing(values: tuple[float, float]) -> tuple[float, float]:
    if not values[0] < values[1]:
        raise ValueError("must be increasing")
    return values


#: (low, high) with low < high, both >= 0.
Interval = Annotated[tuple[NonNegativeFloat, NonNegativeFloat], AfterValidator(_increasing)]


def _edges(n_bins: int) -> AfterValidator:
    def check(edges: NDArray[np.float64]) -> NDArray[np.float64]:
        if edges.size != n_bins + 1 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ValueError(f"must be {n_bins + 1} increasing non-negative bin edges")
        return edges

    return AfterValidator(check)


class _Exposure(ConfigModel):
    pot: PositiveFloat


class _Efficiency(ConfigModel):
    model: Literal["linear_fit", "table"]
    fit_range_gev: Interval


class _Threshold(ConfigModel):
    energy_gev: NonNegativeFloat
    applies_to: Literal["true", "reconstructed"]


class _EnergyResolution(ConfigModel):
    scale_gev: NonNegativeFloat
    exponent: float


class _AngularResolution(ConfigModel):
    c0_deg: float
    c1_deg: float
    c2_deg: float
    max_energy_gev: PositiveFloat


class _Reconstruction(ConfigModel):
    binding_energy_gev: NonNegativeFloat


class _Binning(ConfigModel):
    eqe_edges_mev: Annotated[FloatArray, _edges(N_NUE_BINS)]
    n_cos_bins: PositiveInt
    cos_eqe_window_mev: Interval


class _NuMuSample(ConfigModel):
    eqe_edges_mev: Annotated[FloatArray, _edges(N_NUMU_BINS)]


class _Fit(ConfigModel):
    eqe_range_mev: Interval
    cos_fractional_systematic: float = Field(ge=0.0, lt=1.0)


class MiniBooNEConfig(ConfigModel):
    """Numbers of the MiniBooNE analysis: the tables of ``miniboone-analysis.toml``.

    The tables keep the file's keys and units (``config.binning.eqe_edges_mev``); the
    properties give the numbers in GeV under the names the analysis code uses
    (``config.eqe_edges_gev``).
    """

    exposure: _Exposure
    efficiency: _Efficiency
    threshold: _Threshold
    energy_resolution: _EnergyResolution
    angular_resolution: _AngularResolution
    reconstruction: _Reconstruction
    binning: _Binning
    nu_mu_sample: _NuMuSample
    fit: _Fit

    @model_validator(mode="after")
    def _fit_range_on_bin_edges(self) -> MiniBooNEConfig:
        lo, hi = self.fit.eqe_range_mev
        edges = self.binning.eqe_edges_mev
        if not (np.isclose(edges, lo).any() and np.isclose(edges, hi).any()):
            raise ValueError(
                f"[fit] eqe_range_mev = {[lo, hi]} must be two official bin edges (MeV) of "
                f"[binning] eqe_edges_mev {edges.tolist()}"
            )
        return self

    @property
    def pot(self) -> float:
        """Exposure, protons on target."""
        return self.exposure.pot

    @property
    def efficiency_model(self) -> str:
        """``"linear_fit"`` (paper) or ``"table"``."""
        return self.efficiency.model

    @property
    def efficiency_fit_range_gev(self) -> tuple[float, float]:
        """Table rows used by the linear efficiency fit (true photon kinetic energy, GeV)."""
        return self.efficiency.fit_range_gev

    @property
    def threshold_gev(self) -> float:
        """Reconstruction threshold on the photon kinetic energy, GeV."""
        return self.threshold.energy_gev

    @property
    def threshold_applies_to(self) -> str:
        """``"true"`` or ``"reconstructed"`` photon energy."""
        return self.threshold.applies_to

    @property
    def energy_resolution_scale_gev(self) -> float:
        """sigma_E at T = 1 GeV, GeV."""
        return self.energy_resolution.scale_gev

    @property
    def energy_resolution_exponent(self) -> float:
        """Power of T/GeV in sigma_E."""
        return self.energy_resolution.exponent

    @property
    def angular_resolution_coefficients_deg(self) -> tuple[float, float, float]:
        """(c0, c1, c2) of sigma_theta = c0 + c1 T/GeV + c2 (T/GeV)^2, degrees."""
        a = self.angular_resolution
        return (a.c0_deg, a.c1_deg, a.c2_deg)

    @property
    def angular_resolution_max_energy_gev(self) -> float:
        """T above which sigma_theta stays constant, GeV."""
        return self.angular_resolution.max_energy_gev

    @property
    def binding_energy_gev(self) -> float:
        """Carbon binding energy E_B of the E_QE formula, GeV."""
        return self.reconstruction.binding_energy_gev

    @property
    def eqe_edges_gev(self) -> NDArray[np.float64]:
        """The 12 official E_QE bin edges, GeV."""
        return self.binning.eqe_edges_mev * 1e-3

    @property
    def n_cos_bins(self) -> int:
        """Number of equal cos(theta) bins in [-1, 1]."""
        return self.binning.n_cos_bins

    @property
    def cos_eqe_window_gev(self) -> tuple[float, float]:
        """E_QE window of the cos(theta) histogram, GeV."""
        lo, hi = self.binning.cos_eqe_window_mev
        return (lo * 1e-3, hi * 1e-3)

    @property
    def numu_eqe_edges_gev(self) -> NDArray[np.float64]:
        """The 9 nu_mu CCQE E_QE bin edges, GeV."""
        return self.nu_mu_sample.eqe_edges_mev * 1e-3

    @property
    def fit_eqe_range_gev(self) -> tuple[float, float]:
        """E_QE range of the chi^2, GeV."""
        lo, hi = self.fit.eqe_range_mev
        return (lo * 1e-3, hi * 1e-3)

    @property
    def cos_fractional_systematic(self) -> float:
        """Uncorrelated fractional systematic per cos(theta) bin (paper Sec. IV.B)."""
        return self.fit.cos_fractional_systematic

    @property
    def cos_edges(self) -> NDArray[np.float64]:
        """cos(theta) bin edges: ``n_cos_bins`` equal bins in [-1, 1]."""
        return np.linspace(-1.0, 1.0, self.n_cos_bins + 1)

    @property
    def fit_bins(self) -> NDArray[np.bool_]:
        """Mask of the E_QE bins inside ``fit_eqe_range_gev``."""
        lo, hi = self.fit_eqe_range_gev
        e = self.eqe_edges_gev
        return (e[:-1] >= lo - 1e-9) & (e[1:] <= hi + 1e-9)


#: Override name (the property) -> (table, key(s), factor from the property's unit to the key's).
_OVERRIDES: dict[str, tuple[str, tuple[str, ...], float]] = {
    "pot": ("exposure", ("pot",), 1.0),
    "efficiency_model": ("efficiency", ("model",), 1.0),
    "efficiency_fit_range_gev": ("efficiency", ("fit_range_gev",), 1.0),
    "threshold_gev": ("threshold", ("energy_gev",), 1.0),
    "threshold_applies_to": ("threshold", ("applies_to",), 1.0),
    "energy_resolution_scale_gev": ("energy_resolution", ("scale_gev",), 1.0),
    "energy_resolution_exponent": ("energy_resolution", ("exponent",), 1.0),
    "angular_resolution_coefficients_deg": (
        "angular_resolution",
        ("c0_deg", "c1_deg", "c2_deg"),
        1.0,
    ),
    "angular_resolution_max_energy_gev": ("angular_resolution", ("max_energy_gev",), 1.0),
    "binding_energy_gev": ("reconstruction", ("binding_energy_gev",), 1.0),
    "eqe_edges_gev": ("binning", ("eqe_edges_mev",), 1e3),
    "n_cos_bins": ("binning", ("n_cos_bins",), 1.0),
    "cos_eqe_window_gev": ("binning", ("cos_eqe_window_mev",), 1e3),
    "numu_eqe_edges_gev": ("nu_mu_sample", ("eqe_edges_mev",), 1e3),
    "fit_eqe_range_gev": ("fit", ("eqe_range_mev",), 1e3),
    "cos_fractional_systematic": ("fit", ("cos_fractional_systematic",), 1.0),
}


def _in_file_units(value: Any, factor: float) -> Any:
    """``value`` (number, sequence or other) times ``factor``, as TOML would hold it."""
    if factor == 1.0:
        return value
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        return [float(v) * factor for v in value]
    return float(value) * factor


def _apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The parsed TOML with ``overrides`` (property names and units) written into its tables."""
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in raw.items()}
    for name, value in overrides.items():
        if name not in _OVERRIDES:
            close = difflib.get_close_matches(name, _OVERRIDES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigurationError(
                f"Unknown MiniBooNE config override {name!r}.{hint} Allowed: "
                f"{', '.join(_OVERRIDES)}."
            )
        table, keys, factor = _OVERRIDES[name]
        values = list(value) if len(keys) > 1 else [value]
        if len(values) != len(keys):
            raise ConfigurationError(f"Override {name} needs {len(keys)} numbers, got {value!r}.")
        section = out.setdefault(table, {})
        for key, v in zip(keys, values, strict=True):
            section[key] = _in_file_units(v, factor)
    return out


def load_config(path: str | Path | None = None, **overrides: Any) -> MiniBooNEConfig:
    """Read the MiniBooNE analysis configuration (default: the package's
    ``miniboone-analysis.toml``).

    Keyword ``overrides`` replace numbers under their property names and units (GeV), e.g.
    ``load_config(efficiency_model="table")`` or ``load_config(fit_eqe_range_gev=(0.2, 1.25))``;
    they are validated like the file.

    Raises:
        ConfigurationError: the file is missing, not UTF-8 or not valid TOML; a key is unknown
            (named, with the closest valid key) or missing; a value has the wrong type or is out
            of range (named with the value); an unknown override. One line.
    """
    if path is None and not overrides:
        return _default_config()
    if path is None:
        text = resources.files(__package__).joinpath(_CONFIG_FILE).read_text(encoding="utf-8")
        raw, source = read_toml(text, source=_PACKAGED)
    else:
        raw, source = read_toml(Path(path))
    if not overrides:
        return validate(raw, MiniBooNEConfig, source)
    shown = ", ".join(f"{k}={v!r}" for k, v in overrides.items())
    return validate(
        _apply_overrides(raw, overrides), MiniBooNEConfig, f"{source} with overrides ({shown})"
    )


_PACKAGED = f"neutrissimo/experiments/miniboone/{_CONFIG_FILE}"


@functools.cache
def _default_config() -> MiniBooNEConfig:
    text = resources.files(__package__).joinpath(_CONFIG_FILE).read_text(encoding="utf-8")
    return load_toml(text, MiniBooNEConfig, source=_PACKAGED)


def _config(config: MiniBooNEConfig | None) -> MiniBooNEConfig:
    return _default_config() if config is None else config

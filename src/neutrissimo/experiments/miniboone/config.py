"""The numbers of the MiniBooNE analysis, read from ``miniboone-analysis.toml`` beside this module.

Every number there cites its source (paper section or reference); energies in GeV.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from neutrissimo.exceptions import ConfigurationError

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


@dataclass(frozen=True)
class MiniBooNEConfig:
    """Numbers of the MiniBooNE analysis (defaults from ``miniboone.toml``). Energies in GeV."""

    pot: float
    efficiency_model: Literal["linear_fit", "table"]
    efficiency_fit_range_gev: tuple[float, float]
    threshold_gev: float
    threshold_applies_to: Literal["true", "reconstructed"]
    energy_resolution_scale_gev: float
    energy_resolution_exponent: float
    angular_resolution_coefficients_deg: tuple[float, float, float]
    angular_resolution_max_energy_gev: float
    binding_energy_gev: float
    eqe_edges_gev: NDArray[np.float64] = field(repr=False)
    n_cos_bins: int
    cos_eqe_window_gev: tuple[float, float]
    numu_eqe_edges_gev: NDArray[np.float64] = field(repr=False)
    fit_eqe_range_gev: tuple[float, float]
    cos_fractional_systematic: float

    def __post_init__(self) -> None:
        if self.efficiency_model not in ("linear_fit", "table"):
            raise ConfigurationError(
                f"[efficiency] model = {self.efficiency_model!r}; use 'linear_fit' or 'table'."
            )
        if self.threshold_applies_to not in ("true", "reconstructed"):
            raise ConfigurationError(
                f"[threshold] applies_to = {self.threshold_applies_to!r}; use 'true' or "
                "'reconstructed'."
            )
        for name in ("threshold_gev", "energy_resolution_scale_gev", "binding_energy_gev"):
            if not getattr(self, name) >= 0.0:
                raise ConfigurationError(f"MiniBooNE config {name} must be >= 0.")
        edges = self.eqe_edges_gev
        if edges.size != N_NUE_BINS + 1 or np.any(np.diff(edges) <= 0):
            raise ConfigurationError(
                f"[binning] eqe_edges_mev must be {N_NUE_BINS + 1} increasing edges; got {edges}."
            )
        lo, hi = self.fit_eqe_range_gev
        if not (np.isclose(edges, lo).any() and np.isclose(edges, hi).any() and lo < hi):
            raise ConfigurationError(
                f"[fit] eqe_range_mev = {[lo * 1e3, hi * 1e3]} must be two official bin edges "
                f"(MeV) in increasing order: {edges * 1e3}."
            )
        if not 0 <= self.cos_fractional_systematic < 1:
            raise ConfigurationError("[fit] cos_fractional_systematic must be in [0, 1).")

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


def _get(table: dict[str, Any], section: str, key: str, source: str) -> Any:
    try:
        return table[section][key]
    except KeyError:
        raise ConfigurationError(f"{source}: missing key [{section}] {key}.") from None


def load_config(path: str | Path | None = None, **overrides: Any) -> MiniBooNEConfig:
    """Read the MiniBooNE analysis configuration (default: ``miniboone.toml`` of the package).

    Keyword ``overrides`` replace fields of the result, e.g.
    ``load_config(efficiency_model="table")``.

    Raises:
        ConfigurationError: a key is missing or a value is invalid (message names it).
    """
    if path is None:
        text = resources.files(__package__).joinpath("miniboone-analysis.toml").read_text()
        source = "miniboone.toml (package default)"
    else:
        text = Path(path).read_text()
        source = str(path)
    try:
        t = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source} is not valid TOML: {exc}") from exc

    def g(section: str, key: str) -> Any:
        return _get(t, section, key, source)

    cfg = MiniBooNEConfig(
        pot=float(g("exposure", "pot")),
        efficiency_model=g("efficiency", "model"),
        efficiency_fit_range_gev=tuple(float(x) for x in g("efficiency", "fit_range_gev")),  # type: ignore[arg-type]
        threshold_gev=float(g("threshold", "energy_gev")),
        threshold_applies_to=g("threshold", "applies_to"),
        energy_resolution_scale_gev=float(g("energy_resolution", "scale_gev")),
        energy_resolution_exponent=float(g("energy_resolution", "exponent")),
        angular_resolution_coefficients_deg=(
            float(g("angular_resolution", "c0_deg")),
            float(g("angular_resolution", "c1_deg")),
            float(g("angular_resolution", "c2_deg")),
        ),
        angular_resolution_max_energy_gev=float(g("angular_resolution", "max_energy_gev")),
        binding_energy_gev=float(g("reconstruction", "binding_energy_gev")),
        eqe_edges_gev=np.asarray(g("binning", "eqe_edges_mev"), dtype=float) * 1e-3,
        n_cos_bins=int(g("binning", "n_cos_bins")),
        cos_eqe_window_gev=tuple(float(x) * 1e-3 for x in g("binning", "cos_eqe_window_mev")),  # type: ignore[arg-type]
        numu_eqe_edges_gev=np.asarray(g("nu_mu_sample", "eqe_edges_mev"), dtype=float) * 1e-3,
        fit_eqe_range_gev=tuple(float(x) * 1e-3 for x in g("fit", "eqe_range_mev")),  # type: ignore[arg-type]
        cos_fractional_systematic=float(g("fit", "cos_fractional_systematic")),
    )
    if overrides:
        try:
            cfg = replace(cfg, **overrides)
        except TypeError as exc:
            raise ConfigurationError(f"Unknown MiniBooNE config override: {exc}") from exc
    return cfg


@functools.cache
def _default_config() -> MiniBooNEConfig:
    return load_config()


def _config(config: MiniBooNEConfig | None) -> MiniBooNEConfig:
    return _default_config() if config is None else config

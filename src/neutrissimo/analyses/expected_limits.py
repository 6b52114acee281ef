"""Expected MINERvA limits under the background-only hypothesis (docs/beyond.md, part 3).

The MINERvA signal of a sample has one dE/dx shape whatever the coupling (the pi0 shape,
:mod:`neutrissimo.experiments.minerva.likelihood`): the expected photon-like signal is
S(d) = N_sel(d) x s_1, s_1 the photon-like signal of one selected event. So a coupling is
excluded exactly where S(d) exceeds the upper limit N_up on the signal count
(:func:`neutrissimo.statistics.profile.signal_upper_limit`, the one-sided profile likelihood with
the Gaussian background-normalisation constraint eta), and the limit on d_mu at one mass is the
lowest coupling where S(d) = N_up (linear in ln d, ln S between grid points).

* **Asimov**: data = background (theta = 1): one N_up, the median expected limit in the
  asymptotic approximation.
* **Toys**: data_i ~ Poisson(background_i) in each photon-like bin, the background
  normalisation at its nominal value (the auxiliary measurement is not fluctuated: the
  constraint term is centred on 1 in every toy); one N_up per toy, hence one limit per toy and
  mass. The median and the 16/84 % (1 sigma) and 2.5/97.5 % (2 sigma) quantiles of the toys'
  limits form the band. A toy whose N_up is never reached within the grid gives no limit
  (counted as +inf: weaker than any grid coupling).
* **Observed**: the same construction with the published data; it equals
  :func:`neutrissimo.analyses.minerva_limits.sample_limits` with ``mc_stat=False`` (tested).

The Monte Carlo error of N_sel is not profiled here (the paper's treatment), so observed and
expected are compared like with like.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.minerva_limits import SampleScan
from neutrissimo.experiments import minerva
from neutrissimo.statistics.expected import signal_upper_limits
from neutrissimo.statistics.profile import signal_upper_limit

__all__ = [
    "QUANTILES",
    "ExpectedLimits",
    "coupling_at_signal",
    "expected_limits",
    "write_expected_outputs",
]

#: Quantiles of the toy limits: -2, -1 sigma, median, +1, +2 sigma.
QUANTILES: tuple[float, ...] = (0.02275, 0.15866, 0.5, 0.84134, 0.97725)


@dataclass(frozen=True)
class ExpectedLimits:
    """Observed and expected 95% CL limits on d_mu (GeV^-1) of one sample versus mass.

    Attributes:
        sample: the MINERvA sample.
        m_N: masses, GeV.
        observed: limit with the published data (NaN: nothing excluded).
        asimov: limit with data = background.
        quantiles: (5, masses) limits at :data:`QUANTILES` of the toys (inf: no limit).
        n_up_observed, n_up_asimov: upper limits on the photon-like signal count.
        n_up_toys: (toys,) upper limits of the toys.
        toys: number of toys.
    """

    sample: str
    m_N: NDArray[np.float64]
    observed: NDArray[np.float64]
    asimov: NDArray[np.float64]
    quantiles: NDArray[np.float64]
    n_up_observed: float
    n_up_asimov: float
    n_up_toys: NDArray[np.float64]
    toys: int

    @property
    def median(self) -> NDArray[np.float64]:
        """Median expected limit (toys)."""
        return self.quantiles[2]

    def band(self, n_sigma: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lower and upper edge of the n-sigma (1 or 2) expected band."""
        return self.quantiles[2 - n_sigma], self.quantiles[2 + n_sigma]


def coupling_at_signal(
    couplings: NDArray[np.float64], signal: NDArray[np.float64], n_up: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Lowest coupling where ``signal`` (masses, couplings) exceeds each ``n_up`` (k,), per
    mass: (k, masses), linear in (ln d, ln S) between grid points; the first grid coupling
    where S already exceeds n_up there; +inf where S never exceeds it."""
    d = np.log(np.asarray(couplings, dtype=float))
    s = np.asarray(signal, dtype=float)
    n = np.atleast_1d(np.asarray(n_up, dtype=float))
    above = s[None, :, :] > n[:, None, None]  # (k, masses, couplings)
    any_above = above.any(axis=2)
    j = np.argmax(above, axis=2)
    prev = np.maximum(j - 1, 0)
    rows = np.arange(s.shape[0])[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ls0 = np.log(np.maximum(s[rows, prev], 1e-300))
        ls1 = np.log(np.maximum(s[rows, j], 1e-300))
        frac = (np.log(n)[:, None] - ls0) / (ls1 - ls0)
    frac = np.clip(np.nan_to_num(frac, nan=1.0), 0.0, 1.0)
    x = np.where(j > 0, d[prev] + frac * (d[j] - d[prev]), d[j])
    return np.where(any_above, np.exp(x), np.inf)


def expected_limits(
    scan: SampleScan,
    histogram: minerva.DedxHistogram,
    eta: float,
    toys: int,
    rng: np.random.Generator,
    d_tau: str = "none",
    *,
    dedx_acceptance: float | None = None,
) -> ExpectedLimits:
    """Observed, Asimov and toy-based expected limits of one sample (module docstring)."""
    per_event, data, background = minerva.photon_like_signal(
        histogram, 1.0, dedx_acceptance=dedx_acceptance
    )
    shape = np.asarray(per_event, dtype=float)
    s1 = float(shape.sum())
    signal = scan.n_sel[d_tau] * s1  # photon-like signal count on the grid
    couplings = np.asarray(scan.grid.couplings, dtype=float)
    n_obs = signal_upper_limit(shape, data, background, eta=eta)
    n_asimov = signal_upper_limit(shape, background, background, eta=eta)
    pseudo = rng.poisson(background, size=(toys, background.size)).astype(float)
    n_toys = signal_upper_limits(shape, pseudo, background, eta=eta)
    observed = coupling_at_signal(couplings, signal, np.array([n_obs]))[0]
    asimov = coupling_at_signal(couplings, signal, np.array([n_asimov]))[0]
    per_toy = coupling_at_signal(couplings, signal, n_toys)  # (toys, masses)
    quantiles = np.quantile(per_toy, QUANTILES, axis=0, method="inverted_cdf")
    return ExpectedLimits(
        histogram.sample,
        np.asarray(scan.grid.masses, dtype=float),
        np.where(np.isinf(observed), np.nan, observed),
        np.where(np.isinf(asimov), np.nan, asimov),
        quantiles,
        n_obs,
        n_asimov,
        n_toys,
        toys,
    )


def write_expected_outputs(
    folder: str | os.PathLike[str], results: dict[str, ExpectedLimits], eta: float
) -> tuple[list[Path], dict[str, Any]]:
    """Write ``<sample>_expected_limits.csv`` (m_N [GeV]; observed, Asimov, median, -2, -1,
    +1, +2 sigma limits [GeV^-1]; NaN/inf: no limit in the grid), ``expected_limits.json`` and
    ``expected_limits.png``; return the paths and the summary."""
    from neutrissimo.io.atomic import write_columns_csv, write_json
    from neutrissimo.plotting.beyond import expected_limits_figure
    from neutrissimo.plotting.save import save_figure

    folder = Path(folder)
    written = []
    summary: dict[str, Any] = {"bkg_uncertainty": eta, "samples": {}}
    for sample, r in results.items():
        written.append(
            write_columns_csv(
                folder / f"{sample}_expected_limits.csv",
                [
                    "m_N [GeV]",
                    "observed",
                    "asimov",
                    "median",
                    "-2sigma",
                    "-1sigma",
                    "+1sigma",
                    "+2sigma",
                ],
                [r.m_N, r.observed, r.asimov, r.median, *r.quantiles[[0, 1, 3, 4]]],
                [
                    f"MINERvA {sample}: 95% CL limits on d_mu [GeV^-1], eta = {eta:g}, {r.toys} "
                    "background-only toys"
                ],
            )
        )
        with np.errstate(invalid="ignore"):
            ratio = r.observed / r.median
        summary["samples"][sample] = {
            "n_up_observed": r.n_up_observed,
            "n_up_asimov": r.n_up_asimov,
            "n_up_toys_quantiles": np.quantile(r.n_up_toys, QUANTILES).tolist(),
            "toys": r.toys,
            "median_observed_over_expected": float(np.nanmedian(ratio))
            if np.any(np.isfinite(ratio))
            else None,
        }
    first = next(iter(results.values()))
    figure = expected_limits_figure(
        first.m_N,
        {s: r.observed for s, r in results.items()},
        {s: _finite(r.median) for s, r in results.items()},
        {s: tuple(_finite(a) for a in r.band(1)) for s, r in results.items()},  # type: ignore[misc]
        {s: tuple(_finite(a) for a in r.band(2)) for s, r in results.items()},  # type: ignore[misc]
        asimov={s: r.asimov for s, r in results.items()},
        title=f"MINERvA expected limits (background only), eta = {eta:g}",
    )
    written.append(save_figure(figure, folder / "expected_limits.png"))
    written.append(write_json(folder / "expected_limits.json", summary))
    return written, summary


def _finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """inf (no limit within the grid) drawn at the top of the plot range."""
    return np.where(np.isfinite(values), values, 1e-4)

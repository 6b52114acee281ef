"""Closure test of the MiniBooNE E_QE likelihood against the collaboration's 2020 3+1 fit.

Recomputes the official nu-mode -2 ln L surface (190 x 190 grid in dm^2, sin^2 2theta) with
neutrissimo's chi^2 (joint nu_e + nu_mu bins, 200-3000 MeV, + ln det C), prints the agreement
numbers and writes ``miniboone_3p1_closure.png`` (our 90 % / 3 sigma Wilks contours over the
official contour points; official and our surfaces side by side) into the output folder.

Usage::

    python validation/miniboone_3p1_closure.py OUT_DIR
        [--no-log-det]   # plain chi^2 instead of -2 ln L (shows why ln det C is needed)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from neutrissimo.analyses.closure_3p1 import closure_figure, run_3p1_closure
from neutrissimo.experiments.miniboone.official_3p1 import OFFICIAL_BEST_FIT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the figure")
    parser.add_argument("--no-log-det", action="store_true", help="fit with chi^2 only")
    args = parser.parse_args()

    start = time.perf_counter()
    r = run_3p1_closure(log_det=not args.no_log_det)
    elapsed = time.perf_counter() - start

    print(f"statistic: {'chi^2' if args.no_log_det else '-2 ln L = chi^2 + ln det C'}")
    print(f"computation time: {elapsed:.2f} s (190 x 190 grid)")
    print(
        f"best fit, ours:     dm2 = {r.best_fit_ours[0]:.4g} eV^2, s22t = {r.best_fit_ours[1]:.4g}"
    )
    print(
        f"best fit, official: dm2 = {r.best_fit_official[0]:.4g} eV^2, "
        f"s22t = {r.best_fit_official[1]:.4g} (quoted: {OFFICIAL_BEST_FIT})"
    )
    print(
        "grid steps ours vs official-surface minimum (dm2, s22t): "
        f"{r.grid_steps_from_official_best}"
    )
    print(
        f"grid steps ours vs quoted best fit (dm2, s22t):          {r.grid_steps_from_quoted_best}"
    )
    print(
        "Delta chi^2 of the official best fit under our statistic: "
        f"{r.delta_chi2_at_official_best:.4f}"
    )
    print(f"minimum value: ours {r.ours.values.min():.3f}, official {r.official.values.min():.3f}")
    print(
        "Delta(-2lnL) ours - official inside the official 3 sigma region: "
        f"rms {r.rms_difference_3sigma:.4f}, max |diff| {r.max_difference_3sigma:.4f}"
    )
    for label, table in (
        ("official contour file -> our Wilks contour", r.contour_vs_official_file),
        ("official-surface Wilks contour -> ours", r.contour_vs_official_surface),
    ):
        for level, d in table.items():
            print(
                f"distance [decades, log-log] {label} {level}: median {d['median']:.4f}, "
                f"95% {d['p95']:.4f}, max {d['max']:.4f}"
            )

    fig = closure_figure(r)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "_chi2only" if args.no_log_det else ""
    out = args.out_dir / f"miniboone_3p1_closure{suffix}.png"
    fig.savefig(out, dpi=130)
    print(f"figure: {out}")


if __name__ == "__main__":
    main()

"""Benchmark: ray-tracing throughput of the detector geometries (rays per second).

    python benchmarks/bench_geometry.py [--rays N]

Traces N rays from far upstream, nearly along the beam, through each shipped detector with
:meth:`neutrissimo.detector.geometry.Detector.segments` (the Monte Carlo's production rays and
photon paths use it) and prints rays per second and the mean number of segments per ray.
Single process; the numbers are per core.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neutrissimo.detector.loader import load_detector

#: (detector, transverse half-width of the ray start square (cm), start z (cm))
CASES = (("miniboone", 650.0, -55000.0), ("minerva", 120.0, -30000.0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rays", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(11)
    print(f"{'detector':<10} {'rays':>9} {'wall s':>7} {'rays/s':>9} {'segments/ray':>12}")
    for name, half, z0 in CASES:
        detector = load_detector(name)
        n = args.rays
        origins = np.column_stack(
            [rng.uniform(-half, half, n), rng.uniform(-half, half, n), np.full(n, z0)]
        )
        directions = rng.normal(scale=0.01, size=(n, 3))
        directions[:, 2] = 1.0
        directions /= np.linalg.norm(directions, axis=1)[:, None]
        start = time.perf_counter()
        segments = detector.segments(origins, directions)
        wall = time.perf_counter() - start
        per_ray = float(np.mean(np.sum(segments.volume >= 0, axis=1)))
        print(f"{name:<10} {n:>9} {wall:7.2f} {n / wall:9.3g} {per_ray:12.1f}")


if __name__ == "__main__":
    main()

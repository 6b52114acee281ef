"""Module-level task functions for the scan tests (Dask workers must be able to import them)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from neutrissimo.analyses.scan import ArrayResult

CALLS_FILE_ENV = "NEUTRISSIMO_TEST_SCAN_CALLS"


@dataclass(frozen=True)
class Point:
    """Parameters of a test task."""

    x: float


@dataclass(frozen=True, eq=False)
class Square(ArrayResult):
    """Result of a test task."""

    value: NDArray[np.float64] = field(repr=False)
    draws: NDArray[np.float64] = field(repr=False)


def noisy_square(point: Point, rng: np.random.Generator) -> Square:
    """x^2 plus seeded noise; appends x to a log file so tests can count executions."""
    log = os.environ.get(CALLS_FILE_ENV)
    if log:
        with open(log, "a") as handle:
            handle.write(f"x={point.x:g}\n")
    return Square(np.array(point.x**2 + rng.normal()), rng.random(3))


def worker_environment(point: Point, rng: np.random.Generator) -> Square:
    """Where it runs: value = 1 if MALLOC_TRIM_THRESHOLD_ is set; draws = (OPENBLAS_NUM_THREADS
    or -1, the process id, 0)."""
    threads = float(os.environ.get("OPENBLAS_NUM_THREADS", -1))
    trim = float("MALLOC_TRIM_THRESHOLD_" in os.environ)
    return Square(np.array(trim), np.array([threads, float(os.getpid()), 0.0]))

"""Module-level task functions for the scan tests (Dask workers must be able to import them)."""

from __future__ import annotations

import numpy as np

CALLS_FILE_ENV = "NEUTRISSIMO_TEST_SCAN_CALLS"


def noisy_square(task, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """x^2 plus seeded noise; appends the key to a log file so tests can count executions."""
    import os

    log = os.environ.get(CALLS_FILE_ENV)
    if log:
        with open(log, "a") as handle:
            handle.write(task.key + "\n")
    x = float(task.params["x"])
    return {"value": np.array(x**2 + rng.normal()), "draws": rng.random(3)}

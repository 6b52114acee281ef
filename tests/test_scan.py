"""Scans: reproducible seeds, checkpoints, resume, and the same numbers on Dask."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError
from neutrissimo.analyses.scan import ScanTask, run_scan, task_generators
from scan_tasks import CALLS_FILE_ENV, noisy_square

TASKS = [ScanTask(f"x={x}", {"x": x}) for x in (1, 2, 3, 4)]


def test_serial_scan_is_reproducible_and_independent_of_order(tmp_path):
    first = run_scan(noisy_square, TASKS, tmp_path / "a", seed=7)
    again = run_scan(noisy_square, TASKS, tmp_path / "b", seed=7)
    for key in first:
        np.testing.assert_array_equal(first[key]["draws"], again[key]["draws"])
    # The seed belongs to the task's position in the list, not to the order of execution.
    gen = task_generators(7, 4)[2]
    expected = 9 + gen.normal()
    assert float(first["x=3"]["value"]) == pytest.approx(expected)
    other = run_scan(noisy_square, TASKS, tmp_path / "c", seed=8)
    assert not np.array_equal(other["x=1"]["draws"], first["x=1"]["draws"])


def test_interrupted_scan_resumes_without_redoing_points(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(log))
    partial = run_scan(noisy_square, TASKS[:2], tmp_path / "scan", seed=3)  # "interrupted" after 2
    full = run_scan(noisy_square, TASKS, tmp_path / "scan", seed=3)
    calls = log.read_text().split()
    assert calls == ["x=1", "x=2", "x=3", "x=4"]  # every point computed exactly once
    np.testing.assert_array_equal(partial["x=2"]["draws"], full["x=2"]["draws"])
    assert not list((tmp_path / "scan" / "points").glob(".*"))  # no temporary files left


def test_dask_local_cluster_gives_the_serial_numbers(tmp_path):
    serial = run_scan(noisy_square, TASKS, tmp_path / "serial", seed=11)
    dask = run_scan(noisy_square, TASKS, tmp_path / "dask", seed=11, scheduler="local", n_workers=2)
    for key in serial:
        np.testing.assert_array_equal(serial[key]["draws"], dask[key]["draws"])


def test_bad_scan_specifications(tmp_path):
    with pytest.raises(ConfigurationError, match="unique"):
        run_scan(noisy_square, [TASKS[0], TASKS[0]], tmp_path, seed=1)
    with pytest.raises(ConfigurationError, match="safe file name"):
        run_scan(noisy_square, [ScanTask("../x", {"x": 1})], tmp_path, seed=1)
    with pytest.raises(ConfigurationError, match="scheduler"):
        run_scan(noisy_square, TASKS, tmp_path, seed=1, scheduler="slurm")

"""Scans: reproducible seeds, provenance-checked checkpoints, resume, the same numbers on Dask."""

from __future__ import annotations

import numpy as np
import pytest

from neutrissimo import ConfigurationError
from neutrissimo.analyses.scan import ScanTask, run_scan, shared_scheduler, task_generators
from scan_tasks import CALLS_FILE_ENV, Point, Square, noisy_square, worker_environment

TASKS = [ScanTask(f"x={x}", Point(x)) for x in (1, 2, 3, 4)]


def _run(folder, seed, tasks=TASKS, **kwargs):
    return run_scan(noisy_square, Square, tasks, folder, seed, **kwargs)


def test_serial_scan_is_reproducible_and_independent_of_order(tmp_path):
    first = _run(tmp_path / "a", 7)
    again = _run(tmp_path / "b", 7)
    for key in first:
        np.testing.assert_array_equal(first[key].draws, again[key].draws)
    # The seed belongs to the task's position in the list, not to the order of execution.
    gen = task_generators(7, 4)[2]
    expected = 9 + gen.normal()
    assert float(first["x=3"].value) == pytest.approx(expected)
    other = _run(tmp_path / "c", 8)
    assert not np.array_equal(other["x=1"].draws, first["x=1"].draws)


def test_interrupted_scan_resumes_without_redoing_points(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(log))
    # "interrupted" after 2 points: the same tasks and seeds, only the first two done
    seeds_first_two = _run(tmp_path / "scan", 3, TASKS)
    (tmp_path / "scan" / "points" / "x=3.npz").unlink()
    (tmp_path / "scan" / "points" / "x=4.npz").unlink()
    log.write_text("")
    full = _run(tmp_path / "scan", 3)
    assert log.read_text().split() == ["x=3", "x=4"]  # only the missing points are computed
    np.testing.assert_array_equal(seeds_first_two["x=2"].draws, full["x=2"].draws)
    assert not list((tmp_path / "scan" / "points").glob(".*"))  # no temporary files left


def test_rerun_with_another_seed_or_settings_recomputes_and_says_so(tmp_path, monkeypatch):
    log = tmp_path / "calls.txt"
    monkeypatch.setenv(CALLS_FILE_ENV, str(log))
    first = _run(tmp_path / "scan", 3, provenance={"events": 100})
    messages: list[str] = []
    report = lambda done, total, message: messages.append(message)  # noqa: E731
    other_seed = _run(tmp_path / "scan", 4, provenance={"events": 100}, progress=report)
    assert any("recomputing x=1" in m and "seed" in m for m in messages)
    assert not np.array_equal(first["x=1"].draws, other_seed["x=1"].draws)
    np.testing.assert_array_equal(other_seed["x=1"].draws, _run(tmp_path / "fresh", 4)["x=1"].draws)
    messages.clear()
    _run(tmp_path / "scan", 4, provenance={"events": 200}, progress=report)
    assert any("provenance" in m for m in messages)  # other events: recomputed
    log.write_text("")
    _run(tmp_path / "scan", 4, provenance={"events": 200})
    assert log.read_text() == ""  # everything matches now: all reused


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 truncated", b"not a zip file at all"])
def test_corrupted_checkpoint_is_named_discarded_and_recomputed(tmp_path, damage):
    good = _run(tmp_path / "scan", 5)
    path = tmp_path / "scan" / "points" / "x=2.npz"
    path.write_bytes(damage)
    messages: list[str] = []
    again = _run(tmp_path / "scan", 5, progress=lambda d, t, m: messages.append(m))
    assert any("corrupted" in m and str(path) in m for m in messages)
    np.testing.assert_array_equal(again["x=2"].draws, good["x=2"].draws)


def test_dask_local_cluster_gives_the_serial_numbers(tmp_path):
    serial = _run(tmp_path / "serial", 11)
    dask = _run(tmp_path / "dask", 11, scheduler="local", n_workers=2)
    for key in serial:
        np.testing.assert_array_equal(serial[key].draws, dask[key].draws)


def test_local_workers_keep_glibc_adaptive_mmap_and_one_blas_thread(tmp_path):
    # Dask sets MALLOC_TRIM_THRESHOLD_ in its workers, which switches off glibc's adaptive
    # mmap threshold: every large array of a task is then mapped afresh (1.1e6 page faults
    # and 35 % more time on a MiniBooNE mass). The local cluster starts without it.
    import os

    done = run_scan(
        worker_environment, Square, TASKS[:1], tmp_path, 1, scheduler="local", n_workers=1
    )
    result = done["x=1"]
    assert result.draws[1] != os.getpid()  # it ran in a worker process
    assert float(result.value) == 0.0
    assert result.draws[0] == 1.0  # one BLAS thread per single-threaded worker


def test_a_shared_local_cluster_serves_several_scans_with_the_serial_numbers(tmp_path):
    # reproduce runs its four scans on one LocalCluster: the second scan must run on the same
    # worker processes (no second start-up) and still give the serial numbers.
    serial = _run(tmp_path / "serial", 11)
    with shared_scheduler("local", 1) as address:
        assert str(address).startswith("tcp://127.0.0.1:")
        first = run_scan(
            worker_environment, Square, TASKS[:1], tmp_path / "a", 1, scheduler=address
        )
        shared = _run(tmp_path / "b", 11, scheduler=address)
        second = run_scan(
            worker_environment, Square, TASKS[:1], tmp_path / "c", 1, scheduler=address
        )
    assert first["x=1"].draws[1] == second["x=1"].draws[1]  # the same worker process
    for key in serial:
        np.testing.assert_array_equal(serial[key].draws, shared[key].draws)
    with shared_scheduler("serial", None) as scheduler:
        assert scheduler == "serial"


def test_bad_scan_specifications(tmp_path):
    with pytest.raises(ConfigurationError, match="unique"):
        _run(tmp_path, 1, [TASKS[0], TASKS[0]])
    with pytest.raises(ConfigurationError, match="safe file name"):
        _run(tmp_path, 1, [ScanTask("../x", Point(1))])
    with pytest.raises(ConfigurationError, match="scheduler"):
        _run(tmp_path, 1, scheduler="slurm")


def test_the_fingerprint_changes_with_any_source_or_configuration_file(tmp_path, monkeypatch):
    """configuration_fingerprint hashes the package's Python sources, TOML files and data
    registry (not the data folder itself, whose files the registry stands for): changing any of
    them, even a comment, changes it, so a checkpoint made by other code is never reused."""
    from neutrissimo.io import provenance

    package = tmp_path / "neutrissimo"
    (package / "simulation").mkdir(parents=True)
    (package / "data").mkdir()
    files = {
        "simulation/injection.py": "x = 1\n",
        "experiments.toml": "a = 1\n",
        "io/registry.txt": "f.csv sha256:00\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    (package / "data" / "f.csv").write_text("1,2\n")
    monkeypatch.setattr(provenance.resources, "files", lambda name: package)

    def fingerprint() -> str:
        provenance.configuration_fingerprint.cache_clear()
        return provenance.configuration_fingerprint()

    seen = {fingerprint()}
    (package / "data" / "f.csv").write_text("3,4\n")  # stands behind the registry: no change
    assert fingerprint() in seen
    for name in files:
        (package / name).write_text((package / name).read_text() + "# edited\n")
        seen.add(fingerprint())
    assert len(seen) == 1 + len(files)
    provenance.configuration_fingerprint.cache_clear()

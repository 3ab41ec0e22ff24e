"""Sweeps, escape measurements and the study on a dask cluster: the same tables bit for bit as in this process, whatever
the scheduler, the number of workers, the order the tasks finish in or a worker killed on the way; refusals before
any cluster starts, and a lost or missing scheduler in one line."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from cli import main, measure
from experiments import cluster, escape, escape_experiment, sweep
from experiments.cluster import PROCESSES, Cluster, check_scheduler
from experiments.run import as_optimizer
from specs import SpecError
from study.runner import run_study
from study.toy import QUICK
from tests.cli_support import refused
from tests.test_parallel import assert_same_fields

REQUESTS = {  # random streams (noise), matched steps, late escapes and predictions; a phase diagram
    "escape": dict(landscape="two_basin", optimizers=["adam:lr=0.05", "adam_cm:lr=0.05,priority=fifo",
                                                      "adam_sam_cm:lr=0.1,noise=0.5"],
                   axis="sharpness", values=[2, 16], runs=300, steps=40, after=5, predict=True,
                   match_step="adam_cm:lr=0.05,priority=fifo"),
    "final": dict(landscape="himmelblau", optimizers=["adam", "sgd:lr=0.02,noise=1"], measure="final",
                  axis={"lr": [0.01, 0.05], "noise": [0.0, 2.0]}, runs=150, steps=30),
    # a turned surface, a warm-up and a schedule; the controls: each run's own step lengths (a traced array read by
    # run id, so a chunk must carry its rows' ids) and matched steps over several windows
    "lengths": dict(landscape="two_basin:rotation=30", optimizers=["adam_cm:lr=0.05,warmup=5",
                                                                  "adam:lr=0.05,schedule=cosine"],
                    axis="sharpness", values=[4, 16], runs=200, steps=40, match_step="adam_cm:lr=0.05,warmup=5",
                    match_mode="lengths"),
    "windows": dict(landscape="two_basin", optimizers=["adam_cm:lr=0.05", "adam:lr=0.05"], axis="sharpness",
                    values=[4, 16], runs=200, steps=40, match_step="adam_cm:lr=0.05", match_window=[2, 20]),
}
CHUNK = 70  # runs a task, where a test splits jobs into chunks
# Each test, its cluster's start included, well inside the project's 5-minute run on 2 cores (about 5 s each on a
# loaded machine): a cluster that hangs fails its test instead of holding the run for pytest's 600 s default.
pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def two_workers():
    """A LocalCluster of two worker processes for this module's tests (what --scheduler processes starts), its
    Client."""
    with Cluster(PROCESSES, workers=2) as local:
        yield local.client()


@pytest.fixture(scope="module")
def serial_tables():
    return {name: sweep(**request) for name, request in REQUESTS.items()}


def assert_same_table(a, b) -> None:
    assert a.to_csv() == b.to_csv()  # exact floats
    assert (a.survival is None) == (b.survival is None)
    if a.survival is not None:
        assert a.survival.to_csv() == b.survival.to_csv()


@pytest.mark.parametrize("name", list(REQUESTS))
@pytest.mark.parametrize("chunk", [None, CHUNK], ids=["a-task-a-job", "chunks-as-tasks"])
def test_a_sweep_on_two_worker_processes_is_the_serial_one_bit_for_bit(name, chunk, two_workers, serial_tables,
                                                                       monkeypatch):
    if chunk:
        monkeypatch.setattr(escape, "CHUNK_RUNS", chunk)
    assert_same_table(sweep(**REQUESTS[name], client=two_workers), serial_tables[name])


@pytest.mark.parametrize("name", list(REQUESTS))
def test_small_jobs_in_one_task_are_the_serial_table(name, two_workers, serial_tables, monkeypatch):
    module = sys.modules["experiments.sweep"]
    monkeypatch.setattr(module, "BATCH_UNITS", 1e30)
    monkeypatch.setattr(module, "BATCHES_PER_WORKER", 1e-9)  # every job in one task, one after another
    fractions = []
    assert_same_table(sweep(**REQUESTS[name], client=two_workers, progress=fractions.append), serial_tables[name])
    assert len(set(fractions) - {0.0, 1.0}) <= 1  # one task finished: its jobs' share at once (matches run here)


@pytest.mark.slow  # long (worker processes started, killed, or a study's tables): make test-slow
def test_a_sweep_on_one_worker_of_three_threads_is_the_serial_one_bit_for_bit(serial_tables, monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setattr(escape, "CHUNK_RUNS", CHUNK)
    with LocalCluster(n_workers=1, threads_per_worker=3, processes=False, dashboard_address=":0",
                      silence_logs=logging.CRITICAL) as local, Client(local, set_as_default=False) as client:
        for name, request in REQUESTS.items():
            assert_same_table(sweep(**request, client=client), serial_tables[name])


def test_an_escape_experiment_on_a_cluster_is_the_serial_one(two_workers, monkeypatch):
    request = dict(landscape="two_basin:sharpness=8", optimizer="adam_sam_cm:lr=0.05,noise=0.3", runs=500, steps=50)
    serial = escape_experiment(**request)
    monkeypatch.setattr(escape, "CHUNK_RUNS", CHUNK)
    assert_same_fields(escape_experiment(**request, client=two_workers), serial)


@pytest.mark.slow  # long (worker processes started, killed, or a study's tables): make test-slow
def test_a_killed_worker_s_tasks_rerun_and_the_table_is_the_serial_one(two_workers, monkeypatch):
    request = dict(landscape="two_basin", optimizers=["adam:lr=0.05", "adam_cm:lr=0.05"], axis="sharpness",
                   values=[2, 4, 8, 16], runs=400, steps=60)
    serial = sweep(**request)
    monkeypatch.setattr(escape, "CHUNK_RUNS", 50)  # 8 jobs of 8 chunks: 72 tasks
    victim = next(iter(two_workers.run(os.getpid).values()))
    killed_at = []

    def kill_once(fraction: float) -> None:
        if fraction > 0 and not killed_at:
            os.kill(victim, signal.SIGKILL)
            killed_at.append(fraction)

    table = sweep(**request, client=two_workers, progress=kill_once)
    assert killed_at and killed_at[0] < 0.5  # most of the sweep was still to run
    assert_same_table(table, serial)
    assert victim not in two_workers.run(os.getpid).values()
    two_workers.wait_for_workers(2, timeout=60)  # its nanny has started another, for the other tests


def test_a_task_that_kills_its_workers_is_one_line(two_workers):
    base = as_optimizer("adam:lr=0.05")

    def update(state, x, grad):  # pickled by value: the worker runs it, and dies
        os._exit(1)

    deadly = dataclasses.replace(base, update=update, name="deadly", spec="deadly")
    two_workers.run_on_scheduler(lambda dask_scheduler: setattr(dask_scheduler, "allowed_failures", 0))
    try:
        with pytest.raises(SpecError, match=r"^every worker that ran one of the request's tasks died \(1 in turn; "):
            escape_experiment("two_basin", deadly, runs=20, steps=5, client=two_workers)
    finally:
        two_workers.run_on_scheduler(lambda dask_scheduler: setattr(dask_scheduler, "allowed_failures", 3))
        two_workers.wait_for_workers(2, timeout=60)


@pytest.mark.slow  # long (worker processes started, killed, or a study's tables): make test-slow
@pytest.mark.parametrize("stem", ["f_memory_vs_step_length", "g_phase_lr_sharpness", "i_noise", "l_tuned"])
def test_a_study_on_a_cluster_writes_the_tables_it_writes_here(stem, two_workers):
    _, here = run_study(stem, QUICK)
    _, there = run_study(stem, QUICK, client=two_workers)
    assert {suffix: table.to_csv() for suffix, table in there.items()} == \
           {suffix: table.to_csv() for suffix, table in here.items()}


def test_cmx_escape_at_a_scheduler_s_address_prints_the_table_it_prints_here(two_workers, capsys):
    arguments = ["escape", "--sweep", "sharpness=2,16", "--runs", "200", "--steps", "30", "--predict", "--out", "-"]
    assert main(arguments) == 0
    here = capsys.readouterr().out
    assert main([*arguments, "--scheduler", two_workers.scheduler.address]) == 0
    captured = capsys.readouterr()
    assert captured.out == here and captured.err == ""


def test_a_refused_request_starts_no_cluster_and_is_refused_at_once(capsys, monkeypatch):
    monkeypatch.setattr(Cluster, "client", lambda self: pytest.fail("a cluster started for a refused request"))
    start = time.process_time()
    line = refused(["escape", "--runs", "10000000", "--scheduler", PROCESSES], capsys)
    assert time.process_time() - start < 0.1
    assert "more than the limit" in line


def free_port() -> int:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        return listening.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_one_line(capsys, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 0.5)
    address = f"tcp://127.0.0.1:{free_port()}"
    line = refused(["escape", "--runs", "20", "--steps", "5", "--scheduler", address], capsys)
    assert line == (f"cmx escape: no dask scheduler answered at {address} within 0.5 s; start one with `dask "
                    f"scheduler` and workers with `dask worker {address}`")


def test_a_scheduler_lost_mid_sweep_is_one_line_and_nothing_is_written(tmp_path, capsys, monkeypatch):
    from distributed import LocalCluster

    local = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                         dashboard_address=":0", silence_logs=logging.CRITICAL)

    @contextlib.contextmanager
    def losing_the_scheduler(label):
        def report(fraction: float) -> None:
            if fraction > 0 and local.scheduler.status.name == "running":
                local.sync(local.scheduler.close)

        yield report

    monkeypatch.setattr(measure, "progress_bar", losing_the_scheduler)
    out = tmp_path / "table.csv"
    try:
        line = refused(["escape", "--sweep", "sharpness=1,2,4,8,16", "--runs", "100", "--steps", "20", "--out",
                        str(out), "--scheduler", local.scheduler.address], capsys)
    finally:
        with contextlib.suppress(TimeoutError, OSError):
            local.close(timeout=0.5)  # its scheduler is gone: nothing to wait for
    assert line.startswith("cmx escape: lost the dask scheduler at tcp://")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("given", ["thread", "tcp://host", "localhost:8786", "processes ", "", 8786, None])
def test_a_scheduler_is_threads_processes_or_an_address(given):
    with pytest.raises(SpecError, match=r"^scheduler must be threads, processes or a dask scheduler's address"):
        check_scheduler(given)
    assert check_scheduler("tcp://10.0.0.7:8786") == "tcp://10.0.0.7:8786"


def test_a_client_that_is_not_one_is_refused_in_one_line():
    with pytest.raises(SpecError, match=r"^client must be a dask\.distributed Client"):
        sweep("two_basin", "adam", runs=5, steps=5, client="processes")


def test_on_threads_nothing_imports_dask():
    code = ("import sys; from cli import main; main(['escape', '--runs', '20', '--steps', '5', '--out', '-']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"

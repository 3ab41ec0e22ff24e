"""Where a request's tasks run: on threads in this process (the default, today's behaviour), on a dask LocalCluster
of this machine (a worker process per core), or on an existing dask cluster at an address.

dask.distributed schedules the tasks, moves their data and reruns the tasks of a worker that dies. A request's tasks
are its cells and its chunks of runs, each carrying its own starts and run ids, so a table is the same bit for bit
whatever runs it. Nothing here imports dask until a cluster is used (the import takes 0.2 s): a refusal, or a
request on threads, pays nothing for it.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from typing import Any

from experiments.allocator import keep_freed_memory
from specs import SpecError

THREADS, PROCESSES = "threads", "processes"
ADDRESS = re.compile(r"^(tcp|tls)://[^\s/]+:\d{1,5}$")
CONNECT_SECONDS = 10.0  # how long an address is tried before the request is refused (dask retries meanwhile)
CLOSE_SECONDS = 5.0  # how long closing waits on a scheduler that may be gone


def check_scheduler(scheduler: object) -> str:
    """"threads", "processes" or a scheduler's address ("tcp://HOST:PORT"), as given, or a SpecError naming them."""
    if scheduler in (THREADS, PROCESSES) or (isinstance(scheduler, str) and ADDRESS.match(scheduler)):
        return scheduler
    shown = str(scheduler) if len(str(scheduler)) <= 40 else str(scheduler)[:37] + "..."
    raise SpecError(f"scheduler must be {THREADS}, {PROCESSES} or a dask scheduler's address such as "
                    f"tcp://127.0.0.1:8786 (got {shown})")


class Cluster:
    """A scheduler named by check_scheduler, started (processes) or reached (an address) only when a request first
    asks for it, after the request has been checked: a refused request starts nothing. Closing it (it is a context
    manager) closes what it started; a cluster at an address keeps running for its other users."""

    def __init__(self, scheduler: str = THREADS, workers: int | None = None) -> None:
        self.scheduler = check_scheduler(scheduler)
        self.workers = workers  # processes: how many (None: one per core)
        self._client: Any = None
        self._local: Any = None

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def client(self) -> Any:
        """The dask Client of this scheduler, connected on first use; None on threads."""
        if self.scheduler == THREADS:
            return None
        if self._client is None:
            distributed = _distributed()
            # Dask's own log lines would follow a failure with tracebacks; collect says what happened in one line.
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            if self.scheduler == PROCESSES:
                self._local = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                       processes=True, dashboard_address=":0",
                                                       silence_logs=logging.CRITICAL)
                self._client = distributed.Client(self._local, set_as_default=False)
            else:
                self._client = _connected(self.scheduler)
            # Long batches of fresh arrays, as under `cmx` (experiments.allocator): dask's workers hand freed memory
            # back at once (its MALLOC_TRIM_THRESHOLD_), which slows every step. Workers started later too.
            self._client.register_worker_callbacks(setup=keep_freed_memory)
        return self._client

    def close(self) -> None:
        """Close the client and the LocalCluster this started; a scheduler already gone leaves nothing to wait for."""
        for started in (self._client, self._local):
            if started is not None:
                with contextlib.suppress(OSError, TimeoutError):
                    started.close(timeout=CLOSE_SECONDS)
        self._client = self._local = None


def _distributed() -> Any:
    """dask.distributed, imported once a cluster is used, or a SpecError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise SpecError("a dask cluster needs dask.distributed: pip install 'dask[distributed]'") from None
    return distributed


def _connected(address: str) -> Any:
    """A Client of the scheduler at `address` having at least one worker, or a SpecError saying what to start."""
    try:
        client = _distributed().Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError):
        raise SpecError(f"no dask scheduler answered at {address} within {CONNECT_SECONDS:g} s; start one with `dask "
                        f"scheduler` and workers with `dask worker {address}`") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError):
        client.close(timeout=CLOSE_SECONDS)
        raise SpecError(f"the dask scheduler at {address} has had no worker for {CONNECT_SECONDS:g} s; start "
                        f"workers with `dask worker {address}`") from None
    return client


def as_client(client: object) -> Any:
    """The dask Client a request's tasks go to: `client` itself, a Cluster's (connected now), or None (threads)."""
    if client is None:
        return None
    if isinstance(client, Cluster):
        return client.client()
    if not isinstance(client, _distributed().Client):
        raise SpecError(f"client must be a dask.distributed Client, an experiments.cluster.Cluster or None (got "
                        f"{type(client).__name__})")
    return client


def collect(client: Any, tasks: Sequence[Any], weights: Sequence[float], report: Callable[[float], None],
            total: float, wanted: Sequence[Any]) -> list:
    """Wait for every task (dask futures), reporting the fraction of `total` done as dask says each completes, a
    task counting its weight, then fetch the results of those `wanted` (the others' stay on the workers). A task's
    error is raised here, and the tasks not yet finished are cancelled (on an interrupt too). A lost scheduler, or a
    task that killed every worker it ran on, is one SpecError."""
    from distributed import as_completed
    from distributed.comm import CommClosedError
    from distributed.scheduler import KilledWorker

    weight_of = {task.key: weight for task, weight in zip(tasks, weights)}
    done = 0.0
    try:
        for task in as_completed(tasks, loop=client.loop):
            if task.status != "finished":
                task.result()  # raises the task's own error, or that it was cancelled
            done += weight_of[task.key]
            report(min(done / (total or 1.0), 1.0))
        return client.gather(list(wanted))
    except (CancelledError, CommClosedError):
        raise SpecError(f"lost the dask scheduler at {client.scheduler.address}: the request's tasks were "
                        "cancelled; rerun it once the scheduler is back") from None
    except KilledWorker as error:
        raise SpecError(f"every worker that ran one of the request's tasks died ({error.allowed_failures + 1} in turn; "
                        "out of memory?): lower runs or steps, or give the workers more memory") from None
    finally:
        unfinished = [task for task in tasks if task.status == "pending"]
        if unfinished and client.status == "running":
            client.cancel(unfinished)

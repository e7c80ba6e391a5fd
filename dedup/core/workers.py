"""A process pool for the CPU-heavy stages, with results in input order.

Stage helper for :mod:`dedup.engines.pipeline`: ``ordered_map(fn, items, workers=...)``
runs ``fn`` over ``items`` in chunks and returns the results in the order of
``items``, so a scan gives the same result whatever the number of workers.

Workers are forked: what the parent holds when the pool starts (analyses,
weights) is shared copy-on-write instead of pickled, and ``fn`` may be a
closure. Where ``fork`` is not available (Windows, macOS default), or with one
worker, the map runs in the calling process.

A worker that dies (the kernel's out-of-memory killer sends SIGKILL) stops the map
with :class:`~dedup.core.errors.WorkerDied`; memory running out while a result comes back,
or in a worker where the pool cannot send the error back (taking a chunk, sending a
result), raises ``MemoryError``. Neither hangs: the pool is a
:class:`concurrent.futures.ProcessPoolExecutor`, which notices a lost process, where
``multiprocessing.Pool`` replaces it and waits forever for its chunk.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeVar

from dedup.core.errors import WorkerDied

log = logging.getLogger(__name__)
_live: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()  # pools of unfinished maps

T = TypeVar("T")
R = TypeVar("R")

# In a pool process, the function its chunks run: handed to the process by the pool's
# initializer, which forked processes inherit unpickled (the function may be a closure).
_worker_job: Callable[[Any], Any] | None = None


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def capped_workers(requested: int) -> int:
    """``requested`` processes, at most :func:`default_workers`: more than the cores
    only adds memory and forks (a process limit refuses thousands)."""
    available = default_workers()
    if requested > available:
        _warn_capped(requested, available)
    return max(1, min(requested, available))


@cache  # said once per run, not once per stage
def _warn_capped(requested: int, available: int) -> None:
    log.warning("--workers %d: this machine lets dedup use %d cores; using %d workers",
                requested, available, available)  # fmt: skip


_OUT_OF_MEMORY = 75  # exit status of a worker that ran out of memory outside its job


class _Worker(multiprocessing.context.ForkProcess):
    """A pool process that, when memory runs out where the pool cannot send the error
    back, exits with a status saying so: multiprocessing would print the start of a
    traceback for it, and the parent reports it once."""

    def run(self) -> None:
        try:
            super().run()
        except MemoryError:
            raise SystemExit(_OUT_OF_MEMORY) from None


class _Forking(multiprocessing.context.ForkContext):
    Process = _Worker


_STOPS = {signal.SIGINT, signal.SIGTERM}  # Ctrl-C, and kill's or a service manager's stop


def _start_worker(job: Callable[[Any], Any]) -> None:
    """Initializer of a pool process: it runs ``job`` on its chunks, and leaves stops to
    the parent."""
    global _worker_job
    _worker_job = job
    _ignore_interrupt()


def _ignore_interrupt() -> None:
    # Ctrl-C and SIGTERM reach the whole process group: the parent handles them (and
    # kills the pool as it unwinds); workers must not print tracebacks. They start with
    # both blocked (see _forking): ignored, a held one is dropped.
    for stop in _STOPS:
        signal.signal(stop, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


@contextmanager
def _forking() -> Iterator[None]:
    """Hold Ctrl-C back while workers are forked. A worker interrupted before its
    initializer ran died of it, and the parent, once it had reported the interrupt,
    could hang at exit; held, the signal reaches the parent as the pool is up."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def _run_chunk(chunk: Sequence[Any]) -> list[Any]:
    if _worker_job is None:
        raise RuntimeError("worker started without a job")
    return [_worker_job(x) for x in chunk]


def ordered_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int, chunk_size: int,
                done: Callable[[int], None] | None = None) -> list[R]:  # fmt: skip
    """``[fn(x) for x in items]``, spread over ``workers`` forked processes.

    Parameters
    ----------
    fn : callable
        Pure function of one item (closures allowed: workers are forked).
    items : sequence
    workers : int
        Processes; 1 (or no ``fork``) runs in this process.
    chunk_size : int
        Items a worker takes at a time, at most (smaller for short inputs, so
        that every worker gets some).
    done : callable, optional
        Called with the number of items finished so far, after each chunk.

    Returns
    -------
    list
        Results in the order of ``items``.
    """
    return list(ordered_imap(fn, items, workers=workers, chunk_size=chunk_size, done=done))


def ordered_imap(fn: Callable[[T], R], items: Sequence[T], *, workers: int, chunk_size: int,
                 done: Callable[[int], None] | None = None) -> Iterator[R]:  # fmt: skip
    """:func:`ordered_map` as results come: the caller works on the first results while
    the workers compute the next ones. The pool lives until the iterator is exhausted
    or closed."""
    workers = capped_workers(workers)
    chunk_size = max(1, min(chunk_size, -(-len(items) // (4 * workers))))
    chunks = [items[k : k + chunk_size] for k in range(0, len(items), chunk_size)]
    finished = 0
    if workers <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            results = [fn(x) for x in chunk]
            finished += len(results)
            if done is not None:
                done(finished)
            yield from results
        return
    pool = ProcessPoolExecutor(min(workers, len(chunks)), mp_context=_Forking(),
                               initializer=_start_worker, initargs=(fn,))  # fmt: skip
    _live.add(pool)
    futures: list[Future[list[R]]] = []
    try:
        with _forking():  # the executor forks its workers as the chunks are submitted
            futures += (pool.submit(_run_chunk, chunk) for chunk in chunks)
        for future in futures:
            results = future.result()
            finished += len(results)
            if done is not None:
                done(finished)
            yield from results
    except BrokenProcessPool as exc:
        # The chunk whose result could not be unpickled here holds the cause; a submit
        # that came later only says the pool is broken. The pool fails every pending
        # chunk as it breaks: the wait is short.
        wait(futures, timeout=60)
        processes = _kill(pool)
        failed = [exc, *(f.exception() for f in futures if f.done() and not f.cancelled())]
        if any("MemoryError" in str(e.__cause__) for e in failed if e is not None) or any(
            p.exitcode == _OUT_OF_MEMORY for p in processes
        ):
            raise MemoryError from exc
        raise WorkerDied() from exc
    except BaseException:  # Ctrl-C, an error in fn, or the caller closed the iterator
        _kill(pool)
        raise
    else:
        pool.shutdown()
    finally:
        _live.discard(pool)


class TaskMap(Protocol):
    """How a stage runs its independent tasks: ``map(fn, items)`` is ``[fn(x) for x in items]``,
    computed wherever the engine chooses (:mod:`dedup.engines.engine`)."""

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]: ...


def in_turn(fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
    """The :class:`TaskMap` of one thread: the tasks one after the other."""
    return [fn(x) for x in items]


@dataclass(frozen=True, slots=True)
class ProcessMap:
    """The :class:`TaskMap` of :func:`ordered_map` on ``workers`` forked processes, a task
    a chunk."""

    workers: int

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        return ordered_map(fn, items, workers=self.workers, chunk_size=1)


@dataclass(frozen=True, slots=True)
class ThreadMap:
    """The :class:`TaskMap` of ``threads`` threads of this process, for tasks that spend
    their time in compiled loops releasing the GIL."""

    threads: int

    def __call__(self, fn: Callable[[T], R], items: Sequence[T], /) -> list[R]:
        with ThreadPoolExecutor(max_workers=max(1, self.threads)) as pool:
            return list(pool.map(fn, items))


def stop_workers() -> None:
    """Kill the workers of maps left unfinished: a Ctrl-C that lands while the caller, not
    the map, runs leaves its iterator open, and at exit Python would wait for all of
    its chunks to be computed."""
    for pool in list(_live):
        _kill(pool)
        _live.discard(pool)


def _kill(pool: ProcessPoolExecutor) -> list[Any]:
    """Shut the pool down now: pending chunks are cancelled, running workers killed (a
    stopped map has no use for them, and waiting for them could hang). Returns the
    worker processes, ended.

    The pool's manager thread is joined too: while it closes its wake-up pipe, the
    executor's exit hook may write to it and print an ``OSError`` traceback after the
    command has reported the interrupt. Once the thread has ended the hook does nothing.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
    for process in processes:
        process.join()
    if manager is not None:
        manager.join(timeout=10)  # it ends as soon as it sees the killed workers
    return processes

"""Spread many independent validation calls over the machine's cores.

A spreadsheet of 100,000 corrections with new IBANs asks for 100,000 distinct validations
(schwifty parses each IBAN, checks both checksums, looks up its bank: pure Python each, with
our own bookkeeping). One process uses one core; this runs the calls in
forked worker processes, which inherit the caller's state (the book, the representative
records) without copying or pickling it, and send back only the results.

Used only for large batches (below :data:`MIN_CALLS` a fork costs more than it saves) and only
where the ``fork`` start method exists (Linux, macOS); elsewhere, and with one core, the calls
run in the calling process. Workers never touch the database: what they run is pure
validation.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

# Fewer calls than this run in the calling process: below it, forking a large process and
# gathering the results costs about what the calls themselves do (docs/performance.md).
MIN_CALLS = 10_000

# The work of the current map(): set just before forking, read by the workers.
_WORK: tuple[Callable[..., Any], Sequence[tuple[Any, ...]]] | None = None


def workers() -> int:
    """How many processes to use: the cores this process may run on, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _run_slice(bounds: tuple[int, int]) -> tuple[list[Any], BaseException | None]:
    assert _WORK is not None
    fn, calls = _WORK
    lo, hi = bounds
    try:
        return [fn(*args) for args in calls[lo:hi]], None
    except Exception as err:  # sent back and raised in the caller
        try:
            pickle.loads(pickle.dumps(err))
        except Exception:  # an exception that cannot cross back would hang the pool
            return [], RuntimeError(f"{type(err).__name__}: {err}")
        return [], err


def starmap(fn: Callable[..., T], calls: Sequence[tuple[Any, ...]], *,
            min_calls: int | None = None) -> list[T]:
    """``[fn(*args) for args in calls]``, in worker processes when the batch is large.

    ``fn`` must be side-effect free as far as the caller is concerned (workers' changes to
    their own memory are lost) and its results picklable. Results come back in order.
    """
    n_workers = workers()
    if (len(calls) < (MIN_CALLS if min_calls is None else min_calls) or n_workers < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return [fn(*args) for args in calls]
    global _WORK
    _WORK = (fn, calls)
    try:
        # A few slices per worker, so that a slower worker does not hold the others up.
        step = -(-len(calls) // (n_workers * 4))
        slices = [(lo, min(lo + step, len(calls))) for lo in range(0, len(calls), step)]
        # Frozen, the caller's objects are out of the collector's reach: a worker's garbage
        # collection would otherwise write to every object's header and so copy every page
        # of the inherited heap (copy-on-write), costing more than the work.
        gc.freeze()
        with multiprocessing.get_context("fork").Pool(n_workers, initializer=gc.disable) as pool:
            parts = pool.map(_run_slice, slices, chunksize=1)
    finally:
        gc.unfreeze()
        _WORK = None
    for _results, err in parts:
        if err is not None:
            raise err
    return [result for part, _err in parts for result in part]

"""Memory tuning of a process: NumPy's huge-page advice, and the garbage collector around bulk work.

Nothing here runs at import time: the command line (``clientops.cli.main``, which also runs
``clientops serve``) asks for it explicitly; a notebook or a script may
call :func:`tune_numpy` itself.

NumPy advises the kernel to back large arrays with transparent huge pages (``madvise``). Where
the kernel's THP ``defrag`` mode is ``madvise`` or ``always``, the first touch of such memory may
stop to compact memory for a 2 MB page, and when compaction fails every page fault is many times
slower (docs/performance.md, "Memory"). Turning the advice off only ever changes speed, never
results.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

THP_DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")

# NumPy's documented switch, read when NumPy is imported (NumPy's "Global state" page).
NUMPY_HUGEPAGE_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


def compaction_on_fault(defrag: str) -> bool:
    """True when the kernel's THP ``defrag`` setting (the file's text, current mode in
    brackets) compacts memory synchronously on a fault in advised memory."""
    return "[madvise]" in defrag or "[always]" in defrag


def advice_would_compact(defrag_file: Path = THP_DEFRAG) -> bool:
    """True when this machine's kernel compacts on a fault in advised memory; False where the
    setting cannot be read (not Linux, no THP)."""
    try:
        return compaction_on_fault(defrag_file.read_text())
    except OSError:
        return False


def numpy_environment(defrag_file: Path = THP_DEFRAG) -> dict[str, str]:
    """Variables for a child process (a kernel of the web app) so that its NumPy starts without
    the huge-page advice where faults would compact; empty elsewhere or when already set."""
    if os.environ.get(NUMPY_HUGEPAGE_VARIABLE) is not None or not advice_would_compact(defrag_file):
        return {}
    return {NUMPY_HUGEPAGE_VARIABLE: "0"}


def tune_numpy(defrag_file: Path = THP_DEFRAG) -> bool:
    """Turn NumPy's huge-page advice off in this process where faults would compact.

    Returns True if it was turned off. A process-wide change to NumPy: called by the command
    line and the bench scripts, never on import. It does what NumPy itself does at import from
    ``NUMPY_MADVISE_HUGEPAGE`` (:func:`numpy_environment` is the way for a child process); NumPy
    exposes no public call for an already imported NumPy, so this one is looked up by name and
    skipped (returns False) where a NumPy version lacks it.
    """
    if os.environ.get(NUMPY_HUGEPAGE_VARIABLE) is not None or not advice_would_compact(defrag_file):
        return False
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is None:
        return False
    setter(False)
    return True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector paused (then restored as it was).

    For work that builds hundreds of thousands of short-lived objects (a bulk change set's
    rows and verdicts), where each full collection would walk every object of the process.
    Memory is still freed by reference counting; the few cycles left are collected once the
    collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Memory tuning of a process: NumPy's huge-page advice, and the garbage collector around bulk work.

Nothing here runs at import time: the command line (``clientops.cli.main``, which also runs
``clientops serve``) and the bench scripts ask for it explicitly
(:func:`relaunch_without_hugepage_advice`); a notebook sets ``NUMPY_MADVISE_HUGEPAGE=0`` in the
environment it starts from (NumPy's documented switch, read when NumPy is imported).

NumPy advises the kernel to back large arrays with transparent huge pages (``madvise``). Where
the kernel's THP ``defrag`` mode is ``madvise`` or ``always``, the first touch of such memory may
stop to compact memory for a 2 MB page, and when compaction fails every page fault is many times
slower (docs/performance.md, "Memory"). Turning the advice off only ever changes speed, never
results.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def relaunch_without_hugepage_advice(defrag_file: Path = THP_DEFRAG) -> None:
    """Start this program again, from its first line, with NumPy's huge-page advice off, where
    faults in advised memory would compact.

    NumPy reads ``NUMPY_MADVISE_HUGEPAGE`` once, when it is imported, and offers no public call
    to change its mind afterwards. So a program that owns its process (the command line, a bench
    script) replaces itself (``os.execve``) with the same interpreter, the same command line
    (``sys.orig_argv``) and that variable set. Returns without doing anything where the advice
    is harmless or the variable is already set: in the relaunched program, too, so a program is
    relaunched at most once. A library importer never calls this: it would restart its host.
    """
    extra = numpy_environment(defrag_file)
    if not extra:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], {**os.environ, **extra})


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

"""Memory tuning of a process: DuckDB's memory limits and threads, NumPy's huge-page advice,
and the garbage collector around bulk work.

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
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ClientOpsError

# DuckDB's own default memory limit is 80 % of the machine's RAM: a 1M-client portfolio then
# peaked at 3.5 GB. With 1.2 GB the whole indicators bench at 1M clients peaks at 1.9 GB
# (bench/bench_indicators.py), spilling to disk what does not fit; 1.5 GB made a past-date
# portfolio 0.5 s faster but the process peak 2.2 GB. ``CLIENTOPS_MEMORY_LIMIT`` overrides it
# ("4GB"; "" or "default": DuckDB's).
DEFAULT_MEMORY_LIMIT = "1.2GB"
# Until it commits, an UPDATE keeps the old and new values of each column it sets for every
# 2048-row vector it touches, however few of the vector's rows change: rows scattered over a
# large table (the bank apply's open amounts and named credits, six columns over nearly every
# vector of the 1M demo's documents) take ~1.7 GB of DuckDB's memory whatever their number.
# Under the 1.2 GB limit that spilled to disk and back, doubling the write's time
# (docs/performance.md). Such a write runs under at least this limit
# (:meth:`clientops.db.Store.large_write`) until its connection is let go.
# ``CLIENTOPS_LARGE_WRITE_MEMORY`` overrides it ("" or "default": keep the book's limit).
LARGE_WRITE_MEMORY_LIMIT = "3GB"
THREADS_VARIABLE = "CLIENTOPS_THREADS"
_MEMORY_RE = re.compile(r"^\d+(\.\d+)?\s*(B|[KMGT]i?B)$", re.IGNORECASE)


def _memory_setting(variable: str, default: str) -> str | None:
    """A memory size from the environment ``variable`` (else ``default``); None: "" or
    "default" (DuckDB's own). Refused when it is not a size DuckDB reads."""
    value = os.environ.get(variable, default).strip()
    if value.lower() in ("", "default"):
        return None
    if not _MEMORY_RE.match(value):
        raise ClientOpsError("db.memory_limit", variable=variable, value=repr(value))
    return value


def memory_limit() -> str | None:
    """The DuckDB ``memory_limit`` every connection of this process gets (None: DuckDB's)."""
    return _memory_setting("CLIENTOPS_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)


def large_write_memory_limit() -> str | None:
    """The least ``memory_limit`` of a large write (:meth:`clientops.db.Store.large_write`; None: none)."""
    return _memory_setting("CLIENTOPS_LARGE_WRITE_MEMORY", LARGE_WRITE_MEMORY_LIMIT)


def threads() -> int | None:
    """The DuckDB ``threads`` every connection of this process gets (None: DuckDB's, one per
    core), from ``CLIENTOPS_THREADS`` ("" or "default": DuckDB's). Several processes sharing a
    machine's cores (a test run on every core, several app servers) each set fewer so that they
    do not oversubscribe them: a small query then spends no time handing work between threads.
    Refused when it is not a whole number from 1 to 1024."""
    value = os.environ.get(THREADS_VARIABLE, "").strip()
    if value.lower() in ("", "default"):
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1024:
        raise ClientOpsError("db.threads", value=repr(value))
    return int(value)


_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def memory_bytes(value: str) -> float:
    """Bytes of a memory size as :func:`memory_limit` accepts it (``"1.2GB"``, ``"3 GiB"``)."""
    match = _MEMORY_RE.match(value.strip())
    if not match:
        raise ClientOpsError("db.memory_limit", variable="memory size", value=repr(value))
    return float(value.strip()[:match.start(2)]) * _UNITS[match.group(2).upper()]


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

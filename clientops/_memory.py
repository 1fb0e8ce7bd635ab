"""Memory tuning: process-wide when clientops is imported, and around large bulk work.

NumPy asks the kernel for transparent huge pages on every large array (``madvise``). Where the
kernel's THP ``defrag`` mode is ``madvise`` or ``always``, each first touch of such memory
may stop to compact memory for a 2 MB page; on this project's 2-core VMs that compaction
fails and every 4 kB page fault costs ~50 µs instead of ~2 µs. Building the 1M-client
portfolio's columns took 0.8 s of system time in page faults (bench/bench_indicators.py);
without the advice, 0.1 s. The advice only ever changes speed, never results.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

THP_DEFRAG = Path("/sys/kernel/mm/transparent_hugepage/defrag")


def compaction_on_fault(defrag: str) -> bool:
    """True when the kernel's THP ``defrag`` setting (the file's text, current mode in
    brackets) compacts memory synchronously on a fault in advised memory."""
    return "[madvise]" in defrag or "[always]" in defrag


def numpy_hugepage_advice_off(defrag_file: Path = THP_DEFRAG) -> bool:
    """Stop NumPy advising huge pages when faults there would compact; True if turned off."""
    try:
        defrag = defrag_file.read_text()
    except OSError:
        return False
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is None or not compaction_on_fault(defrag):
        return False
    setter(False)
    return True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector paused (then restored).

    For work that builds hundreds of thousands of short-lived objects (a bulk change set's
    rows and verdicts): each full collection walks every object of the process — a notebook
    with a big book holds millions — and a 100k-row spreadsheet preview triggered five, 0.15–0.4
    s of the parent's CPU in noisy runs (bench/bench_bulk.py). Memory is still freed by reference counting; the few cycles
    left are collected once the collector runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

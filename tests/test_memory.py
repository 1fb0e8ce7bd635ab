"""clientops.memory: NumPy's huge-page advice is turned off where faults would compact, on request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clientops import memory

ALWAYS = "always defer defer+madvise [madvise] never\n"


def test_compaction_on_fault_reads_the_bracketed_mode() -> None:
    assert memory.compaction_on_fault(ALWAYS)
    assert memory.compaction_on_fault("[always] defer defer+madvise madvise never")
    assert not memory.compaction_on_fault("always defer [defer+madvise] madvise never")
    assert not memory.compaction_on_fault("always defer defer+madvise madvise [never]")


def test_advice_off_only_where_faults_compact(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(memory.NUMPY_HUGEPAGE_VARIABLE, raising=False)
    setting = tmp_path / "defrag"
    setting.write_text("always [defer] defer+madvise madvise never\n")
    assert not memory.tune_numpy(setting)
    assert memory.numpy_environment(setting) == {}
    assert not memory.tune_numpy(tmp_path / "missing")
    assert memory.numpy_environment(tmp_path / "missing") == {}
    setting.write_text(ALWAYS)
    assert memory.numpy_environment(setting) == {"NUMPY_MADVISE_HUGEPAGE": "0"}
    assert memory.tune_numpy(setting)
    # NumPy's own variable, when set, is left to decide
    monkeypatch.setenv(memory.NUMPY_HUGEPAGE_VARIABLE, "1")
    assert not memory.tune_numpy(setting)
    assert memory.numpy_environment(setting) == {}


def test_importing_clientops_leaves_numpy_alone() -> None:
    """``import clientops`` changes nothing in NumPy: a process that imports it still advises
    huge pages as NumPy decided at its own import (the setter returns the previous value)."""
    code = (
        "import numpy as np\n"
        "setter = np._core.multiarray._set_madvise_hugepage\n"
        "before = setter(True); setter(before)\n"
        "import clientops, clientops.ui, clientops.cli\n"
        "print(before, setter(before))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    before, after = done.stdout.split()
    assert before == after


def test_paused_gc_restores_the_collector() -> None:
    import gc

    import pytest

    assert gc.isenabled()
    with memory.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), memory.paused_gc():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with memory.paused_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()

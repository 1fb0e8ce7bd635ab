"""clientops.memory: NumPy's huge-page advice is turned off where faults would compact, on request."""

from __future__ import annotations

import os
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
    assert memory.numpy_environment(setting) == {}
    assert memory.numpy_environment(tmp_path / "missing") == {}
    setting.write_text(ALWAYS)
    assert memory.numpy_environment(setting) == {"NUMPY_MADVISE_HUGEPAGE": "0"}
    # NumPy's own variable, when set, is left to decide
    monkeypatch.setenv(memory.NUMPY_HUGEPAGE_VARIABLE, "1")
    assert memory.numpy_environment(setting) == {}


RELAUNCHED = (
    "import os, sys\n"
    "from pathlib import Path\n"
    "from clientops import memory\n"
    "print('run', os.environ.get('NUMPY_MADVISE_HUGEPAGE'))\n"
    "memory.relaunch_without_hugepage_advice(Path(sys.argv[1]))\n"
    "print('done', sys.argv[2])\n"
)


def _program(defrag: Path) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != memory.NUMPY_HUGEPAGE_VARIABLE}
    done = subprocess.run([sys.executable, "-c", RELAUNCHED, str(defrag), "argument"],
                          capture_output=True, text=True, check=True, env=environment)
    return done.stdout.splitlines()


def test_a_program_starts_again_once_with_the_advice_off(tmp_path: Path) -> None:
    """Where faults would compact, the program runs again from its first line, with the same
    arguments and NumPy's variable set (printed output before the relaunch is not lost); where
    they would not, it runs once, untouched."""
    setting = tmp_path / "defrag"
    setting.write_text(ALWAYS)
    assert _program(setting) == ["run None", "run 0", "done argument"]
    setting.write_text("always defer defer+madvise madvise [never]\n")
    assert _program(setting) == ["run None", "done argument"]


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

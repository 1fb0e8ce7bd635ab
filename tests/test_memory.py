"""clientops._memory: NumPy's huge-page advice is turned off where faults would compact."""

from __future__ import annotations

from pathlib import Path

from clientops import _memory

ALWAYS = "always defer defer+madvise [madvise] never\n"


def test_compaction_on_fault_reads_the_bracketed_mode() -> None:
    assert _memory.compaction_on_fault(ALWAYS)
    assert _memory.compaction_on_fault("[always] defer defer+madvise madvise never")
    assert not _memory.compaction_on_fault("always defer [defer+madvise] madvise never")
    assert not _memory.compaction_on_fault("always defer defer+madvise madvise [never]")


def test_advice_off_only_where_faults_compact(tmp_path: Path) -> None:
    setting = tmp_path / "defrag"
    setting.write_text("always [defer] defer+madvise madvise never\n")
    assert not _memory.numpy_hugepage_advice_off(setting)
    setting.write_text(ALWAYS)
    assert _memory.numpy_hugepage_advice_off(setting)
    assert not _memory.numpy_hugepage_advice_off(tmp_path / "missing")


def test_paused_gc_restores_the_collector() -> None:
    import gc

    import pytest

    assert gc.isenabled()
    with _memory.paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), _memory.paused_gc():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with _memory.paused_gc():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()

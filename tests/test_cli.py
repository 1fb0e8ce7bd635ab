"""The clientops command, run as a user runs it: exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import clientops
from clientops.schema import MIGRATIONS

CLI = [sys.executable, "-m", "clientops.cli"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**os.environ, **(env or {})})


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("clientops: ")
    return lines[0]


def test_console_script_is_declared() -> None:
    script = Path(sys.executable).parent / "clientops"
    assert script.exists()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "demo", "info", "optimize", "serve"):
        assert command in result.stdout


def test_init_creates_then_migrates(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "book.duckdb"
    first = run("init", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Created") and db.exists()
    again = run("init", "--db", str(db))
    assert again.returncode == 0 and again.stdout.startswith("Migrated")


def test_db_defaults_to_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.duckdb"
    result = run("init", env={"CLIENTOPS_DB": str(db)})
    assert result.returncode == 0 and db.exists()


def test_demo_then_info(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    built = run("demo", "--db", str(db), "--clients", "40", "--seed", "3",
                "--today", "2026-11-27", "--quiet")
    assert built.returncode == 0, built.stderr
    assert "40 clients" in built.stdout
    assert not list(tmp_path.glob("*.building*"))  # the build swapped in, nothing left over
    info = run("info", "--db", str(db))
    assert info.returncode == 0, info.stderr
    lines = dict(line.split(None, 1) for line in info.stdout.strip().splitlines())
    assert lines["clients"].strip() == "40"
    assert int(lines["documents"].replace(",", "")) > 100
    assert lines["schema"].startswith(MIGRATIONS[-1][0])
    assert lines["size"].endswith("MB")
    assert lines["cards"] == "40 of 40 clients kept"


def test_demo_refuses_to_overwrite_clients_unless_forced(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    assert run("demo", "--db", str(db), "--clients", "20", "--quiet").returncode == 0
    refused = run("demo", "--db", str(db), "--clients", "30", "--quiet")
    assert "already holds 20 clients" in one_line_error(refused)
    assert "--force" in refused.stderr
    forced = run("demo", "--db", str(db), "--clients", "30", "--quiet", "--force")
    assert forced.returncode == 0, forced.stderr
    with clientops.open(db, read_only=True) as book:
        assert book.counts()["clients"] == 30


def test_demo_fills_an_empty_initialised_book(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    assert run("init", "--db", str(db)).returncode == 0
    assert run("demo", "--db", str(db), "--clients", "10", "--quiet").returncode == 0


@pytest.mark.parametrize(
    "args,expected",
    [
        (["info", "--db", "{tmp}/missing.duckdb"], "no database"),       # nothing there
        (["info", "--db", "{tmp}/junk.duckdb"], "cannot open"),          # not a DuckDB file
        (["serve", "--db", "{tmp}/missing.duckdb"], "no database"),      # nothing to serve
        (["optimize", "--db", "{tmp}/missing.duckdb"], "no database"),   # nothing to fill
        (["demo", "--db", "{tmp}/x.duckdb", "--clients", "0"], "at least 1"),  # empty demo
        (["init", "--db", "{tmp}/junk.duckdb/inside.duckdb"], "clientops: "),  # path under a file
    ],
)
def test_errors_are_one_clear_line(tmp_path: Path, args: list[str], expected: str) -> None:
    (tmp_path / "junk.duckdb").write_text("not a database")
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert expected in one_line_error(result)
    assert result.returncode == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run("demo", "--today", "2026-13-01")
    assert result.returncode == 2 and "not a date" in result.stderr
    assert run().returncode == 2  # a command is required


def test_busy_database_is_one_line_naming_the_holder(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    assert run("init", "--db", str(db)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
         " print('holding', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        # info waits out the busy timeout (10 s by default; 2 s here), then gives up in one line.
        started = time.monotonic()
        result = run("info", "--db", str(db), env={"CLIENTOPS_BUSY_TIMEOUT": "2"})
        assert 2 <= time.monotonic() - started < 9
    finally:
        holder.kill()
        holder.wait()
    line = one_line_error(result)
    assert f"process {holder.pid}" in line and "in use" in line


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "1e9"])
def test_a_bad_busy_timeout_is_refused_naming_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CLIENTOPS_BUSY_TIMEOUT", value)
    with pytest.raises(clientops.ClientOpsError) as refused:
        clientops.open(tmp_path / "book.duckdb")
    assert refused.value.code == "db.busy_timeout"
    assert refused.value.message("fr").startswith(f"CLIENTOPS_BUSY_TIMEOUT='{value}' n'est pas")
    assert not (tmp_path / "book.duckdb").exists()  # refused before anything is created

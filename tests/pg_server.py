"""A throw-away PostgreSQL cluster on 127.0.0.1 for the test run (Debian's ``postgresql``).

``initdb`` refuses to run as root, so when the tests run as root (CI) the cluster belongs to the
``postgres`` system user that Debian's package creates and every server command goes through
``runuser``. The cluster lives in a temporary directory, listens on a free port of the loopback
only, asks for a password (SCRAM) over TCP, and is stopped and deleted at the end.

Also runnable by hand: ``python tests/pg_server.py`` starts one and prints its URL until Ctrl-C.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "clientops"
PASSWORD = "clientops-test"  # a throw-away cluster on the loopback; given to libpq by PGPASSFILE


def bin_dir() -> Path | None:
    """Where Debian installs the server binaries (the newest major version), if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    return bin_dir() is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One cluster: :meth:`start`, :meth:`url`, :meth:`create_database`, :meth:`stop`."""

    def __init__(self) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
        self.bin = found
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.root = Path(tempfile.mkdtemp(prefix="clientops-pg-"))
        self.data = self.root / "data"
        self.passfile = self.root / "pgpass"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]

    def _server_cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._run_as, *args], check=check, capture_output=True,
                              text=True, cwd=self.root)

    def start(self) -> PgServer:
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._run_as:
            shutil.chown(pwfile, "postgres")
        self._server_cmd(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER,
                         f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
                         "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8")
        pwfile.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\n"
                # A test cluster: no durability wait, many short databases.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 200\n"
            )
        self._server_cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                         "-l", str(self.root / "server.log"), "start")
        # libpq reads the password from here (mode 0600, like ~/.pgpass)
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:{USER}:{PASSWORD}\n")
        self.passfile.chmod(0o600)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the cluster's superuser over the Unix socket; returns the output."""
        done = self._server_cmd(str(self.bin / "psql"), "-h", str(self.root), "-p",
                                str(self.port), "-U", USER, "-d", database, "-At",
                                "-v", "ON_ERROR_STOP=1", "-c", sql)
        return done.stdout

    def session(self, database: str = "postgres") -> subprocess.Popen[str]:
        """An interactive ``psql`` kept open (write SQL lines to its stdin), e.g. to hold a lock."""
        return subprocess.Popen(
            [*self._run_as, str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port),
             "-U", USER, "-d", database, "-At", "-q"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=self.root,
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its URL."""
        clause = f" TEMPLATE {template}" if template else ""
        self.psql(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def is_running(self) -> bool:
        done = self._server_cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "status",
                                check=False)
        return done.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash: no shutdown checkpoint)."""
        if self.data.exists() and self.is_running():
            self._server_cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode,
                             "-w", "stop", check=False)

    def restart(self) -> None:
        self._server_cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                         "-l", str(self.root / "server.log"), "start")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def stop_on_sigterm() -> None:
    """Turn SIGTERM (``timeout``, ``kill``) into KeyboardInterrupt so ``finally`` stops the cluster."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


if __name__ == "__main__":
    stop_on_sigterm()
    server = PgServer().start()
    print(f"PGPASSFILE={server.passfile} {server.url()}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.destroy()

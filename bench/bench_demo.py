"""Time, peak memory and file size of ``clientops demo`` at several sizes.

    .venv/bin/python bench/bench_demo.py [--sizes 100000,1000000] [--keep]

Each size runs the real command in a child process (``clientops demo --quiet``) into
``bench/out/demo_<N>.duckdb``; the file is kept with ``--keep`` (bench_connections.py and the
indicators benchmark reuse it).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def run(clients: int, path: Path, seed: int) -> tuple[float, float, float]:
    """Seconds, peak memory (MB) of the child, file size (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clientops.cli", "demo", "--db", str(path),
                    "--clients", str(clients), "--seed", str(seed), "--force", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far (KB on Linux).
    return seconds, max(peak, before) / 1024, path.stat().st_size / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the files in bench/out/")
    args = parser.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    print(f"{'clients':>10} {'seconds':>9} {'clients/s':>10} {'peak MB':>8} {'file MB':>8}"
          f" {'documents':>11}")
    for size in [int(s) for s in args.sizes.split(",")]:
        path = out / f"demo_{size}.duckdb"
        seconds, peak, mb = run(size, path, args.seed)
        with duckdb.connect(str(path), read_only=True) as conn:
            row = conn.execute("SELECT count(*) FROM documents").fetchone()
        docs = row[0] if row else 0
        print(f"{size:>10,} {seconds:>9.1f} {size / seconds:>10,.0f} {peak:>8,.0f} {mb:>8,.0f}"
              f" {docs:>11,}", flush=True)
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()

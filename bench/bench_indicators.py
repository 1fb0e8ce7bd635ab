"""Benchmark: client card, portfolio (today and a past date), aging, opening the book.

Builds demo books of N clients (about 10 documents each, ``clientops.demo.build_demo``), then
in a fresh process per measurement prints the median and p99 of each operation and the peak
memory of the process; computes the same portfolio (as of today, from the same tables and the
maintained open balances) with plain pandas and with polars, checks they agree with clientops
to the cent, and prints the ratios. The portfolio as of today is timed twice: reading the
per-client sums kept at write time (``portfolio_sums``, what every portfolio of the day but the
first does) and computing them from the maintained balances (the first of a new day).

    .venv/bin/python bench/bench_indicators.py --scales 10000 100000 1000000

Targets at 1M clients / 10M documents (issue 4): card p99 ≤ 3 ms, portfolio today ≤ 0.6 s,
aging ≤ 0.3 s, a past as-of date ≤ 3 s, peak memory ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 11, 27)
MEMORY_LIMIT = os.environ.get("BENCH_MEMORY_LIMIT")  # e.g. 1.5GB: DuckDB's limit for the book


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stats(samples: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    out = {"median": statistics.median(ordered), "p99": p99, "n": len(ordered)}
    if cpu:
        out["cpu"] = statistics.median(cpu)
    return out


def _time(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> dict[str, float]:
    """Wall-clock median/p99, and the median CPU time of the process (all its threads).

    The CPU time says what the work costs when the machine is shared: on a busy 2-core box
    the wall clock mostly measures the other processes.
    """
    for _ in range(warmup):
        fn()
    samples, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return _stats(samples, cpu)


# -- subprocess jobs ---------------------------------------------------------------------------
def job_build(path: Path, clients: int) -> dict[str, Any]:
    from clientops.demo import build_demo

    started = time.perf_counter()
    summary = build_demo(path, clients=clients, seed=0, progress=False, today=TODAY)
    return {"seconds": time.perf_counter() - started, "summary": str(summary),
            "peak_mb": _peak_mb()}


def job_clientops(path: Path, repeat: int) -> dict[str, Any]:
    import clientops

    out: dict[str, Any] = {}
    clientops.open(path).close()   # migrations, once, outside the timings
    out["open"] = _time(lambda: clientops.open(path, idle_window=0).close(), 10)
    book = clientops.open(path, idle_window=60)
    if MEMORY_LIMIT:
        with book.store.connection() as conn:   # kept open by the idle window
            conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    with book.store.connection() as conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM clients USING SAMPLE 400 ROWS"
                                             " (reservoir, 42)").fetchall()]
        out["documents"] = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        out["payments"] = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
    for code in codes[:20]:
        book.card(code, as_of=TODAY)
    samples, cpu = [], []
    for code in codes:
        started, cpu_started = time.perf_counter(), time.process_time()
        book.card(code, as_of=TODAY)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    out["card"] = _stats(samples, cpu)
    peaks = out["peaks"] = {"open + card": _peak_mb()}
    # The same with every section's DataFrame built (what a notebook shows).
    samples, cpu = [], []
    for code in codes:
        started, cpu_started = time.perf_counter(), time.process_time()
        card = book.card(code, as_of=TODAY)
        _ = (card.documents, card.reminders, card.contacts, card.tasks, card.payment.payments,
             card.payment.mandates)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    out["card_with_frames"] = _stats(samples, cpu)
    peaks["card_with_frames"] = _peak_mb()
    out["portfolio_today"] = _time(lambda: book.indicators.portfolio(as_of=TODAY), repeat)
    peaks["portfolio_today"] = _peak_mb()
    # The first portfolio of a day: the kept sums are for another day, so they are computed
    # from the maintained balances (then kept, when the day is the real today: timed apart).
    from clientops.indicators import resolve_period, sums_params, write_portfolio_sums

    with book.store.transaction() as conn:
        kept = conn.execute("SELECT * FROM portfolio_sums_state").fetchall()
        conn.execute("DELETE FROM portfolio_sums_state")
    out["portfolio_today_computed"] = _time(lambda: book.indicators.portfolio(as_of=TODAY),
                                            repeat)
    started = time.perf_counter()
    with book.store.transaction() as conn:
        write_portfolio_sums(conn, sums_params(*resolve_period(book, None, TODAY)))
    out["keep_sums_s"] = time.perf_counter() - started
    peaks["portfolio_today_computed + keeping"] = _peak_mb()
    assert kept, "the demo keeps the portfolio's sums as of its today"
    past = date(TODAY.year - 1, 12, 31)
    out["portfolio_past"] = _time(lambda: book.indicators.portfolio(as_of=past), repeat)
    peaks["portfolio_past"] = _peak_mb()
    out["aging_today"] = _time(lambda: book.indicators.aging(as_of=TODAY), repeat)
    out["aging_past"] = _time(lambda: book.indicators.aging(as_of=past), max(2, repeat // 2))
    peaks["aging"] = _peak_mb()
    frame = book.indicators.portfolio(as_of=TODAY, exact=True)  # compared to the cent
    frame[["code", "outstanding", "overdue", "revenue", "payments_received",
           "unallocated_credit"]].to_parquet(path.with_suffix(".clientops.parquet"))
    out["peak_mb"] = _peak_mb()
    return out


_LOAD = {
    "clients": "SELECT id AS client_id, code, name, status FROM clients",
    "documents": """SELECT client_id, kind, issue_date, due_date,
                           CAST(total_excl_tax * 100 AS BIGINT) AS excl,
                           CAST(total_incl_tax * 100 AS BIGINT) AS total,
                           CAST(coalesce(open_amount, total_incl_tax) * 100 AS BIGINT) AS open,
                           settled_on
                    FROM documents WHERE kind IN ('invoice', 'credit_note')""",
    "payments": "SELECT client_id, paid_on, CAST(amount * 100 AS BIGINT) AS amount FROM payments",
}


def _period() -> tuple[Any, Any, Any]:
    import numpy as np

    d = np.datetime64(TODAY, "D")
    return d, np.datetime64(date(TODAY.year, 1, 1), "D"), np.datetime64(date(TODAY.year, 12, 31), "D")


def job_pandas(path: Path, repeat: int) -> dict[str, Any]:
    import duckdb
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    t = {name: con.execute(sql).df() for name, sql in _LOAD.items()}
    con.close()
    load = time.perf_counter() - started
    d, fy_start, fy_end = _period()
    for name, cols in (("documents", ["issue_date", "due_date", "settled_on"]),
                       ("payments", ["paid_on"])):
        for c in cols:
            t[name][c] = t[name][c].astype("datetime64[s]").values.astype("datetime64[D]")

    def compute() -> pd.DataFrame:
        docs, pays, clients = t["documents"], t["payments"], t["clients"]
        docs = docs[docs["issue_date"].values <= d]
        inv_mask = (docs["kind"] == "invoice").to_numpy()
        issue = docs["issue_date"].to_numpy()
        in_fy = (issue >= fy_start) & (issue <= fy_end)
        frame = pd.DataFrame({"client_id": docs["client_id"].to_numpy()})
        frame["revenue"] = np.where(in_fy, np.where(inv_mask, docs["excl"], -docs["excl"]), 0)
        frame["credit_notes"] = np.where(inv_mask, 0, docs["total"])
        open_ = np.where(inv_mask, docs["open"], 0)
        late = (d - docs["due_date"].to_numpy()).astype("timedelta64[D]").astype(np.int64)
        frame["outstanding"] = open_
        frame["overdue"] = np.where(late > 0, open_, 0)
        edges = [(None, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, None)]
        for name, (lo, hi) in zip(BUCKET_NAMES, edges, strict=True):
            ok = np.ones(len(late), bool)
            if lo is not None:
                ok &= late >= lo
            if hi is not None:
                ok &= late <= hi
            frame[name] = np.where(ok, open_, 0)
        total = np.where(inv_mask, docs["total"], 0)
        frame["invoiced_365"] = np.where((d - issue).astype(np.int64) < 365, total, 0)
        frame["applied"] = total - open_
        settled = docs["settled_on"].to_numpy()
        window = ~np.isnat(settled) & ((d - settled).astype("timedelta64[D]").astype(np.int64) < 365) & (settled <= d)
        days = np.maximum(0, (settled - docs["due_date"].to_numpy()).astype("timedelta64[D]").astype(np.int64))
        frame["late_w"] = np.where(window & inv_mask, total * days, 0)
        frame["settled_w"] = np.where(window & inv_mask, total, 0)
        agg = frame.groupby("client_id").sum()
        pays = pays[pays["paid_on"].values <= d]
        paid_on = pays["paid_on"].to_numpy()
        p = pd.DataFrame({"client_id": pays["client_id"].to_numpy(),
                          "paid": pays["amount"].to_numpy(),
                          "payments_received": np.where((paid_on >= fy_start) & (paid_on <= fy_end),
                                                        pays["amount"], 0)})
        pagg = p.groupby("client_id").sum()
        out = clients.set_index("client_id").join(agg).join(pagg).fillna(0)
        out["dso"] = np.where(out["invoiced_365"] > 0,
                              out["outstanding"] / out["invoiced_365"].where(out["invoiced_365"] > 0) * 365,
                              np.nan)
        out["avg_days_late"] = out["late_w"] / out["settled_w"].where(out["settled_w"] > 0)
        out["unallocated_credit"] = out["paid"] + out["credit_notes"] - out["applied"]
        return out.sort_values("code")

    timing = _time(compute, repeat)
    result = compute()
    check = _check(path, result["code"].tolist(), {
        c: result[c].astype(np.int64).tolist() for c in CHECKED})
    return {"load_s": load, "portfolio_today": timing, "peak_mb": _peak_mb(), "agrees": check}


def job_polars(path: Path, repeat: int) -> dict[str, Any]:
    import duckdb
    import polars as pl

    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    t = {name: pl.from_arrow(con.execute(sql).to_arrow_table()) for name, sql in _LOAD.items()}
    con.close()
    load = time.perf_counter() - started
    fy_start, fy_end = date(TODAY.year, 1, 1), date(TODAY.year, 12, 31)
    d = TODAY

    def compute() -> Any:
        docs = t["documents"].lazy().filter(pl.col("issue_date") <= d)
        inv = pl.col("kind") == "invoice"
        late = (pl.lit(d) - pl.col("due_date")).dt.total_days()
        open_ = pl.when(inv).then(pl.col("open")).otherwise(0)
        total = pl.when(inv).then(pl.col("total")).otherwise(0)
        settled_ok = inv & pl.col("settled_on").is_not_null() & (pl.col("settled_on") <= d) & (
            (pl.lit(d) - pl.col("settled_on")).dt.total_days() < 365)
        days = pl.max_horizontal(pl.lit(0), (pl.col("settled_on") - pl.col("due_date")).dt.total_days())
        edges = [(None, 0), (1, 30), (31, 60), (61, 90), (91, 120), (121, None)]
        buckets = []
        for name, (lo, hi) in zip(BUCKET_NAMES, edges, strict=True):
            cond = pl.lit(True)
            if lo is not None:
                cond = cond & (late >= lo)
            if hi is not None:
                cond = cond & (late <= hi)
            buckets.append(pl.when(cond).then(open_).otherwise(0).sum().alias(name))
        agg = docs.group_by("client_id").agg(
            pl.when(pl.col("issue_date").is_between(fy_start, fy_end))
              .then(pl.when(inv).then(pl.col("excl")).otherwise(-pl.col("excl"))).otherwise(0)
              .sum().alias("revenue"),
            pl.when(inv).then(0).otherwise(pl.col("total")).sum().alias("credit_notes"),
            open_.sum().alias("outstanding"),
            pl.when(late > 0).then(open_).otherwise(0).sum().alias("overdue"),
            *buckets,
            pl.when((pl.lit(d) - pl.col("issue_date")).dt.total_days() < 365).then(total)
              .otherwise(0).sum().alias("invoiced_365"),
            (total - open_).sum().alias("applied"),
            pl.when(settled_ok).then(total * days).otherwise(0).sum().alias("late_w"),
            pl.when(settled_ok).then(total).otherwise(0).sum().alias("settled_w"),
        )
        pays = t["payments"].lazy().filter(pl.col("paid_on") <= d).group_by("client_id").agg(
            pl.col("amount").sum().alias("paid"),
            pl.when(pl.col("paid_on").is_between(fy_start, fy_end)).then(pl.col("amount"))
              .otherwise(0).sum().alias("payments_received"),
        )
        out = (t["clients"].lazy().join(agg, on="client_id", how="left")
               .join(pays, on="client_id", how="left").fill_null(0)
               .with_columns(
                   pl.when(pl.col("invoiced_365") > 0)
                     .then(pl.col("outstanding") / pl.col("invoiced_365") * 365).alias("dso"),
                   pl.when(pl.col("settled_w") > 0)
                     .then(pl.col("late_w") / pl.col("settled_w")).alias("avg_days_late"),
                   (pl.col("paid") + pl.col("credit_notes") - pl.col("applied"))
                     .alias("unallocated_credit"))
               .sort("code"))
        return out.collect()

    timing = _time(compute, repeat)
    result = compute()
    check = _check(path, result["code"].to_list(), {c: result[c].to_list() for c in CHECKED})
    return {"load_s": load, "portfolio_today": timing, "peak_mb": _peak_mb(), "agrees": check}


BUCKET_NAMES = ["not_due", "days_1_30", "days_31_60", "days_61_90", "days_91_120",
                "days_over_120"]
CHECKED = ["outstanding", "overdue", "revenue", "payments_received", "unallocated_credit"]


def _check(path: Path, codes: list[str], cents: dict[str, list[int]]) -> bool:
    """The other engine's result equals clientops' to the cent."""
    import pandas as pd

    # Matched by code: the others sort by code, clientops by id (C1000000 sorts before C100001).
    ref = pd.read_parquet(path.with_suffix(".clientops.parquet"))
    if sorted(ref["code"].tolist()) != sorted(codes):
        return False
    ref = ref.set_index("code").loc[codes]
    for col, values in cents.items():
        expected = [int(v * 100) for v in ref[col].tolist()]
        if expected != [int(v) for v in values]:
            return False
    return True


JOBS = {"build": job_build, "clientops": job_clientops, "pandas": job_pandas,
        "polars": job_polars}


def run_job(job: str, path: Path, arg: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--job", job, "--path", str(path), "--arg", str(arg)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise SystemExit(f"{job} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ms(stats: dict[str, float]) -> str:
    cpu = f" {stats['cpu'] * 1000:9.1f}" if "cpu" in stats else ""
    return f"{stats['median'] * 1000:9.1f} {stats['p99'] * 1000:9.1f}{cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/clientops-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild existing demo books")
    parser.add_argument("--skip-others", action="store_true", help="no pandas / polars run")
    parser.add_argument("--job")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--arg", type=int)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the clientops run")
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["BENCH_MEMORY_LIMIT"] = args.memory_limit
    if args.job:
        print(json.dumps(JOBS[args.job](args.path, args.arg), default=str))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    random.seed(0)
    for n in args.scales:
        path = args.dir / f"demo-{n}.duckdb"
        if args.rebuild and path.exists():
            path.unlink()
        if not path.exists():
            built = run_job("build", path, n)
            print(f"\n== {n:,} clients: demo built in {built['seconds']:.1f} s "
                  f"(peak {built['peak_mb']:.0f} MB)")
        else:
            print(f"\n== {n:,} clients (existing {path})")
        ours = run_job("clientops", path, args.repeat)
        print(f"{ours['documents']:,} documents, {ours['payments']:,} payments")
        print(f"{'operation':<26}{'median ms':>10}{'p99 ms':>10}{'cpu ms':>10}")
        for key in ("open", "card", "card_with_frames", "portfolio_today",
                    "portfolio_today_computed", "portfolio_past", "aging_today", "aging_past"):
            print(f"{key:<26}{_ms(ours[key])}")
        print(f"{'computing + keeping sums':<26}{ours['keep_sums_s'] * 1000:10.0f} ms (once a "
              "day, in a book open for writing)")
        print(f"{'peak memory':<26}{ours['peak_mb']:9.0f} MB (after "
              + ", ".join(f"{op} {mb:.0f}" for op, mb in ours["peaks"].items()) + ")")
        if args.skip_others:
            continue
        for other in ("pandas", "polars"):
            res = run_job(other, path, args.repeat)
            ratio = res["portfolio_today"]["median"] / ours["portfolio_today"]["median"]
            loaded = (res["load_s"] + res["portfolio_today"]["median"]) / \
                ours["portfolio_today"]["median"]
            computed = res["portfolio_today"]["median"] / \
                ours["portfolio_today_computed"]["median"]
            print(f"{other:<8} portfolio today (median, p99, cpu) {_ms(res['portfolio_today'])} ms "
                  f"(load {res['load_s']:.1f} s not counted), peak {res['peak_mb']:.0f} MB, "
                  f"same figures: {res['agrees']}, {ratio:.2f}× clientops' time "
                  f"({loaded:.2f}× counting its load from the book; {computed:.2f}× clientops "
                  "computing the sums, as the first portfolio of a day does)")


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()

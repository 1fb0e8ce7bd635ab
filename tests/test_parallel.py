"""Spreading validation calls over worker processes: same results, same order, as in-process."""

from __future__ import annotations

import os
import time

import pytest

from clientops import parallel
from clientops.identifiers import clean_iban


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _pid_and_square_slowly(x: int) -> tuple[int, int]:
    time.sleep(0.0005)  # each slice takes long enough that one worker cannot take them all
    return os.getpid(), x * x


def test_small_batches_run_in_the_calling_process():
    results = parallel.starmap(_pid_and_square, [(i,) for i in range(100)])
    assert results == [(os.getpid(), i * i) for i in range(100)]


@pytest.mark.skipif(parallel.workers() < 2, reason="needs two cores to fork workers")
def test_large_batches_run_in_workers_and_keep_their_order():
    calls = [(i,) for i in range(5_000)]
    results = parallel.starmap(_pid_and_square_slowly, calls, min_calls=1_000)
    assert [r[1] for r in results] == [i * i for i in range(5_000)]
    pids = {r[0] for r in results}
    assert os.getpid() not in pids and len(pids) >= 2


@pytest.mark.skipif(parallel.workers() < 2, reason="needs two cores to fork workers")
def test_worker_errors_reach_the_caller():
    # clean_iban raises ValidationError for a bad IBAN: the caller sees it, not a hang
    with pytest.raises(Exception, match="iban"):
        parallel.starmap(clean_iban, [("FR7630006000011234567890189",)] * 50 + [("FR00",)],
                         min_calls=10)

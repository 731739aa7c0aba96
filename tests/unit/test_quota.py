"""Pacing provider calls under a spec's declared quota."""

from __future__ import annotations

from pathlib import Path

import pytest

from aptura.engine.quota import Pacer
from aptura.errors import AptError

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_bursts_pass_then_calls_are_spread_out_per_connection() -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    for _ in range(4):
        pacer.wait("conn_a", 4, 1.0, budget=10)
    assert clock.slept == []  # the burst fits the bucket
    pacer.wait("conn_a", 4, 1.0, budget=10)
    pacer.wait("conn_a", 4, 1.0, budget=10)
    # then each waits for the slot the call a second earlier used: no second ever holds more than 4
    assert clock.slept == [1.0]
    pacer.wait("conn_b", 4, 1.0, budget=10)
    assert clock.slept == [1.0]  # another connection has its own slots


def test_a_wait_longer_than_the_budget_is_429_with_retry_after() -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    pacer.wait("conn", 1, 60.0, budget=10)
    with pytest.raises(AptError) as refused:
        pacer.wait("conn", 1, 60.0, budget=10)
    assert refused.value.status == 429 and refused.value.retry_after == 60
    assert clock.slept == []


def test_reset_refills_every_bucket() -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    pacer.wait("conn", 1, 60.0, budget=10)
    pacer.reset()
    pacer.wait("conn", 1, 60.0, budget=10)  # would be refused without the reset
    assert clock.slept == []


def test_the_supersaas_spec_declares_its_clients_pace() -> None:
    from aptura.spec.loader import load_spec

    windows = load_spec("supersaas").quota_windows()
    assert [w.requests / w.per_seconds for w in windows] == [4]


def test_every_window_applies_and_the_slowest_sets_the_wait() -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    windows = [(10, 1.0), (3, 60.0)]  # a fast burst limit and a slow long one
    for _ in range(3):
        pacer.wait_windows("conn", windows, budget=90)
    assert clock.slept == []
    pacer.wait_windows("conn", windows, budget=90)
    assert clock.slept == [60.0]  # the 3/minute window, although 10/second has room


def test_a_refusal_takes_no_token_from_any_window() -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep)
    windows = [(2, 1.0), (1, 3600.0)]
    pacer.wait_windows("conn", windows, budget=10)
    with pytest.raises(AptError) as refused:
        pacer.wait_windows("conn", windows, budget=10)
    assert refused.value.retry_after == 3600
    assert refused.value.details == {"quota": [{"requests": 2, "per_seconds": 1.0},
                                               {"requests": 1, "per_seconds": 3600.0}]}
    pacer.wait_windows("conn", [(2, 1.0)], budget=10)  # the same per-second bucket: its 2nd token is left
    assert clock.slept == []


def test_a_spec_may_declare_several_windows() -> None:
    from aptura.spec.loader import parse_spec

    text = (ROOT / "specs" / "supersaas.yaml").read_text(encoding="utf-8")
    start = text.index("\nquota:")
    end = text.index("\n", start + 1)
    windows_yaml = "\nquota: [{requests: 100, per_seconds: 60}, {requests: 1000, per_seconds: 3600}]"
    text = text[:start] + windows_yaml + text[end:]
    windows = parse_spec(text).quota_windows()
    assert [(w.requests, w.per_seconds) for w in windows] == [(100, 60), (1000, 3600)]

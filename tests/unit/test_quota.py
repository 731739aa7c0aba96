"""Pacing provider calls under a spec's declared quota."""

from __future__ import annotations

import pytest

from aptura.engine.quota import Pacer
from aptura.errors import AptError


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
    assert clock.slept == [0.25, 0.25]  # then one call every 1/4 s
    pacer.wait("conn_b", 4, 1.0, budget=10)
    assert clock.slept == [0.25, 0.25]  # another connection has its own bucket


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

    quota = load_spec("supersaas").quota
    assert quota is not None and quota.requests / quota.per_seconds == 4

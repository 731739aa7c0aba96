"""The provider quota and the circuit breaker shared by every container of a connection (moto)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest

from aptura.engine.breaker import CircuitBreaker, CircuitOpen
from aptura.engine.quota import Grant, LedgerUnavailable, MemoryLedger, Pacer, Windows, plan
from aptura.store.db import table
from aptura.store.leases import TableCircuits, TableLedger


class Clock:
    """One wall clock for several simulated containers; sleeping moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.calls: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_window(times: Sequence[float], per_seconds: float) -> int:
    """The largest number of ``times`` in a half-open interval of ``per_seconds``."""
    ordered, best, first = sorted(times), 0, 0
    for last, t in enumerate(ordered):
        while ordered[first] <= t - per_seconds:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_containers_leasing_from_the_table_never_exceed_the_window(moto_aws: None) -> None:
    clock = Clock()
    containers = [Pacer(clock=lambda: clock.now, sleep=clock.sleep, ledger=TableLedger(hold=2.0)) for _ in range(3)]
    shuffle = random.Random(16)  # a fixed interleaving: the test is the same every run
    for _ in range(90):
        pacer = shuffle.choice(containers)
        pacer.wait("conn_1", 20, 10.0, budget=60)
        clock.calls.append(clock.now)
        clock.now += shuffle.choice([0.0, 0.0, 0.05, 0.3])
    assert most_in_any_window(clock.calls, 10.0) <= 20
    assert clock.calls[-1] - clock.calls[0] < 90 / 20 * 10 * 1.6  # and still near the declared rate
    item = table().get_item(Key={"pk": "QUOTA#conn_1", "sk": "QUOTA"})["Item"]
    assert set(item["slots"]) == {"20/10"} and int(item["expires_at"]) > clock.now


def test_a_batch_costs_one_table_write_for_several_calls(moto_aws: None) -> None:
    clock = Clock()
    writes: list[int] = []
    ledger = TableLedger(hold=5.0)
    real = ledger.lease

    def counted(*args: object, **kwargs: object) -> Grant:
        grant = real(*args, **kwargs)  # type: ignore[arg-type]
        writes.append(grant.count)
        return grant

    ledger.lease = counted  # type: ignore[method-assign]
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep, ledger=ledger, batch=10)
    for _ in range(30):
        pacer.wait("conn_b", 100, 60.0, budget=10)
    assert writes == [1, 2, 4, 8, 10, 10]  # a batch grows while calls keep coming, up to its cap


def test_unused_slots_of_an_expired_lease_are_given_back(moto_aws: None) -> None:
    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep, ledger=TableLedger(hold=1.0), batch=10)
    for _ in range(6):  # leases of 1, 2 and 4 slots: the last one has a slot left
        pacer.wait("conn_r", 10, 60.0, budget=0)
    clock.now += 5  # the lease expires with its unused slot
    for _ in range(4):  # 6 used + 4 = the window's 10, possible only with the slot given back
        pacer.wait("conn_r", 10, 60.0, budget=0)
    with pytest.raises(Exception) as refused:
        pacer.wait("conn_r", 10, 60.0, budget=0)
    assert getattr(refused.value, "code", None) == "rate_limited"


def test_random_leases_keep_every_window() -> None:
    # plan() is what both ledgers apply: three containers, two windows, partly used leases given back; seeded.
    rng = random.Random(7)
    windows: Windows = [(5, 1.0), (12, 10.0)]
    slots: dict[str, dict[int, int]] = {}
    now, hold, calls = 1000.0, 0.5, []
    last: dict[int, tuple[float, int]] = {}  # container -> (its last lease's start, slots it left unused)
    for _ in range(600):
        now += rng.choice([0.0, 0.01, 0.1, 0.4])
        container = rng.randrange(3)
        release = last.get(container)
        grant, slots = plan(slots, windows, rng.randint(1, 4), now, hold, budget=30,
                            release=release if release and release[1] and now > release[0] + hold else None)
        assert grant.count >= 1
        used = rng.randint(0, grant.count)  # a container may not use all it leased
        calls += [grant.start + rng.uniform(0, hold) for _ in range(used)]
        last[container] = (grant.start, grant.count - used)
        now = max(now, grant.start)
    for requests, per_seconds in windows:
        assert most_in_any_window(calls, per_seconds) <= requests
    assert len(calls) > 300  # most leases were queued behind a full window: the rule was exercised


def test_the_shared_ledger_failing_paces_in_the_container() -> None:
    class Down:
        batched = True

        def lease(self, key: str, windows: Windows, want: int, clock: Callable[[], float], budget: float,
                  release: tuple[float, int] | None) -> Grant:
            raise LedgerUnavailable("unreachable")

        def forget(self, keys: Sequence[str]) -> None:
            raise LedgerUnavailable("unreachable")

    clock = Clock()
    pacer = Pacer(clock=lambda: clock.now, sleep=clock.sleep, ledger=Down())
    pacer.wait("conn", 1, 60.0, budget=5)  # not refused: paced locally
    with pytest.raises(Exception) as refused:
        pacer.wait("conn", 1, 60.0, budget=5)
    assert getattr(refused.value, "retry_after", None) == 60
    pacer.reset()  # an unreachable table does not fail a reset either


def test_the_default_ledger_is_the_table_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(Pacer().ledger, TableLedger)
    monkeypatch.setenv("APTURA_SHARED_QUOTA", "0")
    assert isinstance(Pacer().ledger, MemoryLedger)


def _breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(threshold=2, cooldown=30.0, clock=lambda: clock.now, wall=lambda: clock.now,
                          shared=TableCircuits(), run=lambda work: work(), share_seconds=0.0)


def test_a_container_learns_of_an_open_circuit_from_another(moto_aws: None) -> None:
    clock = Clock()
    a, b = _breaker(clock), _breaker(clock)
    b.before("conn_x")  # b has seen nothing wrong
    for _ in range(2):
        a.before("conn_x")
        a.after("conn_x", True)
    assert a.state("conn_x") == "open"
    b.before("conn_x")  # this read brings a's verdict
    with pytest.raises(CircuitOpen) as refused:
        b.before("conn_x")
    assert refused.value.retry_after == 30 and refused.value.details["consecutive_failures"] == 2
    clock.now += 31  # a's trial call succeeds: the provider is back
    a.before("conn_x")
    a.after("conn_x", False)
    assert table().get_item(Key={"pk": "CIRCUIT#conn_x", "sk": "CIRCUIT"}).get("Item") is None
    b.before("conn_x")
    b.before("conn_x")
    assert b.state("conn_x") == "closed"


def test_an_unreachable_store_leaves_each_container_deciding_alone() -> None:
    class Down:
        def read(self, key: str) -> tuple[float, int] | None:
            raise ConnectionError("unreachable")

        def opened(self, key: str, opened_at: float, failures: int, cooldown: float) -> None:
            raise ConnectionError("unreachable")

        def closed(self, key: str) -> None:
            raise ConnectionError("unreachable")

    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=5.0, clock=lambda: clock.now, shared=Down(),
                             run=lambda work: work(), share_seconds=0.0)
    breaker.before("c")
    breaker.after("c", True)
    with pytest.raises(CircuitOpen):
        breaker.before("c")

"""Checks of the benchmark's own arithmetic and comparisons: ``.venv/bin/pytest bench``.

The measurements themselves need the stack and run with ``make bench``; these guard what
the figures rest on: percentiles, round counting, import-profile parsing, and that each
hand-written mapping still produces exactly the spec's output.
"""

from __future__ import annotations

import pytest

from bench import mapping
from bench.coldstart import import_profile
from bench.env import CapturedRequest, _item_kind, percentile, summary
from bench.events import calls_per_hour, poll_interval_seconds
from bench.fanout import rounds


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert summary([3.0, 1.0, 2.0])["p50"] == 2.0


def _sent(*ms: float) -> list[CapturedRequest]:
    return [CapturedRequest("GET", "http://x/", [], b"", at / 1000) for at in ms]


def test_rounds_groups_calls_sent_together_and_splits_waits() -> None:
    # one call, then 8 together, then 8 more once answers came back (50 ms later), then 1
    sent = _sent(0, *(55 + i for i in range(8)), *(108 + 2 * i for i in range(8)), 170)
    assert rounds(sent, latency_ms=50) == 4
    assert rounds(_sent(0, 10, 20, 44), latency_ms=50) == 1  # CPU-staggered sends still share a round
    assert rounds([], latency_ms=50) == 0


def test_import_profile_sums_self_time_per_package_and_keeps_depth() -> None:
    stderr = "\n".join([
        "import time: self [us] | cumulative | imported package",
        "import time:       100 |        100 |     botocore.utils",
        "import time:      2000 |       2100 |   botocore",
        "import time:       500 |       2600 | app",
    ])
    profile = import_profile(stderr)
    assert profile["self_ms_by_package"][0] == {"package": "botocore", "self_ms": 2.1}
    slowest = {e["module"]: e for e in profile["slowest_imports"]}
    assert slowest["app"]["depth"] == 0 and slowest["app"]["cumulative_ms"] == 2.6
    assert slowest["botocore"]["depth"] == 1 and slowest["botocore.utils"]["depth"] == 2


def test_item_kind_names_key_prefixes_only() -> None:
    assert _item_kind({"Key": {"pk": "APIKEY#abc", "sk": "APIKEY"}}) == "APIKEY/APIKEY"
    assert _item_kind({"Key": {"pk": {"S": "ACCOUNT#a1"}, "sk": {"S": "CONNECTION#c1"}}}) == "ACCOUNT/CONNECTION"
    assert _item_kind({"SecretId": "x"}) == ""


@pytest.mark.parametrize(("provider", "make_ctx", "by_hand"), mapping.CASES, ids=[c[0] for c in mapping.CASES])
def test_hand_written_mapping_matches_the_spec_output(provider: str, make_ctx, by_hand) -> None:  # type: ignore[no-untyped-def]
    from aptura.spec.loader import load_spec

    ctx = make_ctx()
    expected = load_spec(provider).operations["availability.list"]._output.render(ctx)
    assert len(expected) == mapping.DAYS * mapping.STAFF * mapping.SLOTS
    assert by_hand(ctx) == expected


def test_sweep_windows_and_plot_series_extraction() -> None:
    from bench.plots import fanout_series, overhead_series
    from bench.sweep import window

    assert window(1) == ("2027-01-11", "2027-01-11")
    assert window(28) == ("2027-01-11", "2027-02-07")  # whole weeks, Monday to Sunday
    results = {"sections": {"sweep": {
        "overhead": [{"latency_ms": 50, "added_p50_ms": 4.0, "ratio_p50": 1.08},
                     {"latency_ms": 0, "added_p50_ms": 16.0, "ratio_p50": 10.0}],
        "fanout": [{"provider": "timetap", "window_days": 28, "handler_p50_ms": 200.0},
                   {"provider": "digitalbooker", "window_days": 7, "handler_p50_ms": 170.0},
                   {"provider": "timetap", "window_days": 1, "handler_p50_ms": 100.0}]}}}
    assert overhead_series(results) == {"latency_ms": [0, 50], "added_p50_ms": [16.0, 4.0], "ratio_p50": [10.0, 1.08]}
    assert fanout_series(results) == {"timetap": {"window_days": [1, 28], "handler_p50_ms": [100.0, 200.0]},
                                      "digitalbooker": {"window_days": [7], "handler_p50_ms": [170.0]}}


def test_polling_cost_per_hour_follows_the_template_schedule() -> None:
    assert poll_interval_seconds("Schedule: rate(1 minute)") == 60
    assert poll_interval_seconds("x\n  Schedule: rate(5 minutes)") == 300
    assert poll_interval_seconds("Schedule: rate(2 hours)") == 7200
    assert calls_per_hour(3, 60) == 180
    assert calls_per_hour(1.5, 300) == pytest.approx(18)

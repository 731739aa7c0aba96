"""Plots of the sweep (:mod:`bench.sweep`) for docs/performance.md.

    python -m bench.plots [bench/sweep-before.json bench/sweep-after.json]

Each JSON file is one series (``label`` names it); it may be a sweep file or a whole
bench/results.json with ``sections.sweep``. Writes docs/performance-overhead.png and
docs/performance-fanout.png. matplotlib (requirements-dev.txt) is imported only here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]  # not bench.env: plotting needs only matplotlib

DEFAULT_INPUTS = [ROOT / "bench" / "sweep-before.json", ROOT / "bench" / "sweep-after.json"]


def overhead_series(results: dict[str, Any]) -> dict[str, list[float]]:
    """Provider latency, added p50 ms and p50 ratio, sorted by latency."""
    rows = sorted(results["sections"]["sweep"]["overhead"], key=lambda r: r["latency_ms"])
    return {"latency_ms": [r["latency_ms"] for r in rows], "added_p50_ms": [r["added_p50_ms"] for r in rows],
            "ratio_p50": [r["ratio_p50"] for r in rows]}


def fanout_series(results: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    """Per provider: window days and handler p50 ms, sorted by window."""
    out: dict[str, dict[str, list[float]]] = {}
    for r in sorted(results["sections"]["sweep"]["fanout"], key=lambda r: r["window_days"]):
        s = out.setdefault(r["provider"], {"window_days": [], "handler_p50_ms": []})
        s["window_days"].append(r["window_days"])
        s["handler_p50_ms"].append(r["handler_p50_ms"])
    return out


def plot(inputs: list[Path], out_dir: Path) -> list[Path]:
    import matplotlib  # type: ignore[import-not-found, unused-ignore]

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

    series = [(json.loads(p.read_text()), p) for p in inputs if p.exists()]
    styles = {"before": "--", "after": "-"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for results, path in series:
        label = results.get("label", path.stem)
        s = overhead_series(results)
        ax1.plot(s["latency_ms"], s["added_p50_ms"], styles.get(label, "-"), marker="o", label=label)
        ax2.plot(s["latency_ms"], s["ratio_p50"], styles.get(label, "-"), marker="o", label=label)
    ax1.set(title="Added latency (Aptura p50 - direct p50)", xlabel="injected provider latency (ms)",
            ylabel="added p50 (ms)")
    ax2.set(title="Ratio (Aptura p50 / direct p50)", xlabel="injected provider latency (ms)", ylabel="ratio")
    ax2.axhline(1.10, color="grey", linewidth=0.8, linestyle=":", label="target 1.10")
    ax2.set_yscale("log")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Overhead: warm GET /v1/availability on Mindbody (1 provider call), 2 shared cores")
    fig.tight_layout()
    overhead_png = out_dir / "performance-overhead.png"
    fig.savefig(overhead_png, dpi=110)
    plt.close(fig)

    colors = {"timetap": "tab:green", "digitalbooker": "tab:red"}
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for results, path in series:
        label = results.get("label", path.stem)
        latency = results["sections"]["sweep"].get("fanout_latency_ms", 50)
        for provider, s in fanout_series(results).items():
            ax.plot(s["window_days"], s["handler_p50_ms"], styles.get(label, "-"), marker="o",
                    color=colors.get(provider), label=f"{provider} ({label})")
    ax.set(title=f"Fan-out: GET /v1/availability p50 vs window, {latency} ms provider latency",
           xlabel="window length (days)", ylabel="handler p50 (ms)")
    ax.set_xticks([1, 7, 14, 28])
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fanout_png = out_dir / "performance-fanout.png"
    fig.savefig(fanout_png, dpi=110)
    plt.close(fig)
    return [overhead_png, fanout_png]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in plot([Path(a) for a in args] or DEFAULT_INPUTS, ROOT / "docs"):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Aptura's benchmarks (``make bench``): request overhead, fan-out, cold starts, mapping
throughput and AWS calls per warm request. ``bench/run.py`` is the entry point; the method
and the figures are in docs/performance.md."""

"""A year of quarterly returns replayed at small scale (issue 15; benchmarks/replay.py
runs it at full scale): late, missing and corrected returns, and the Ombudsman's files
month by month, with every page, report and API endpoint checked as they arrive."""

from __future__ import annotations

from replay import run


def test_a_year_of_returns_as_they_arrive_keeps_every_row_page_and_figure_right(tmp_path):
    figures = run(scale=0.05, councils=5, directory=tmp_path, every=4)
    # run() raises on a lost row, a page that is neither 200 nor a deliberate 404, or a
    # cached figure that differs from a fresh computation; here, what it replayed.
    # From the Ombudsman's first monthly file (May) to the last late return (the next May).
    assert figures["weeks replayed"] >= 40
    assert figures["corrections (replacing)"] >= 1 and figures["rows replaced"] >= 1
    assert figures["files sent"] > 20
    assert figures["answered anything else"] == 0
    assert figures["answered 200"] > figures["answered 404 (deliberate)"]
    assert figures["figure checks (cached = from scratch)"] == 2 * (figures["weeks replayed"] // 4)

"""The real service for a minute under mixed load, with a worker killed half-way.

`scrutiny serve --workers 2` on a PostgreSQL copy of the demo, reads and uploads from many
councils at once, one worker SIGKILLed mid-way (benchmarks/soak.py runs the same and prints
its figures for the README).
"""

from __future__ import annotations

from soak import SOAK_SECONDS, run_soak


def test_a_worker_killed_under_mixed_load_costs_no_server_error_and_no_row(
    postgresql_server, demo_copy, tmp_path
):
    log = tmp_path / "serve.log"
    with demo_copy("postgresql") as url:
        result = run_soak(url, SOAK_SECONDS, log=log)
    served = log.read_text(encoding="utf-8", errors="replace")
    assert result.server_errors == 0, served[-3000:]
    assert "Traceback" not in served, served[-3000:]
    unexpected = result.reads.unexpected + result.uploads.unexpected
    assert unexpected == []
    # A request cut off by the kill may be sent again, and must then succeed.
    assert result.reads.gave_up == result.uploads.gave_up == 0
    assert result.rows_lost == result.rows_extra == result.submissions_wrong == 0
    assert result.rows_stored == result.rows_expected > 0
    assert result.returns_accepted >= 20 and result.corrections_accepted >= 5
    assert result.worker_restarted and result.connections_cut > 0
    assert result.reads.after_kill > 0 and result.uploads.after_kill > 0

"""Rebuild the reference data scrutiny ships from the public files in shared/research/data.

The product never reads that folder at run time: this script copies and derives what it
needs into src/scrutiny/data/, where it is committed with its licence (see SOURCES.md there).

Usage: python scripts/build_reference_data.py ../shared/research/data
"""

from __future__ import annotations

import sys
from pathlib import Path

from scrutiny import calendar


def main(research_data: Path) -> None:
    feed = research_data / "bank_holidays" / "bank-holidays.json"
    first, last = calendar.refresh_feed(feed)
    print(f"bank holidays: GOV.UK feed for {first}-{last} -> {calendar.feed_path()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))

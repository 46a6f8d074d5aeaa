"""The scrutiny command line: thin commands over the library.

Each module registers its commands on the one app in scrutiny.cli.base; importing them
here is what puts them on the command line.

May import every package of scrutiny but the web. The layers are checked by import-linter
(docs/architecture.md).
"""

from scrutiny.cli import (  # noqa: F401  (registers)
    benchmarks,
    data,
    database,
    drafts,
    evidence_files,
    figures,
    follow_up,
    funnel,
    impact,
    mapping,
    mappings,
    packs,
    recommendations,
    reference,
    reports,
    returns,
    self_assessment,
    signals,
    spc,
    tsm,
    web,
)
from scrutiny.cli.base import app

__all__ = ["app"]

"""The scrutiny command line: thin commands over the library.

Each module registers its commands on the one app in scrutiny.cli.base; importing them
here is what puts them on the command line.
"""

from scrutiny.cli import (  # noqa: F401  (registers)
    benchmarks,
    data,
    funnel,
    impact,
    packs,
    recommendations,
    reference,
    reports,
    returns,
    self_assessment,
    signals,
    spc,
    web,
)
from scrutiny.cli.base import app

__all__ = ["app"]

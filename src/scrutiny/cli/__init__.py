"""The scrutiny command line: thin commands over the library.

Each module registers its commands on the one app in scrutiny.cli.base; importing them
here is what puts them on the command line.
"""

from scrutiny.cli import benchmarks, data, funnel, reference, returns, spc  # noqa: F401  (registers)
from scrutiny.cli.base import app

__all__ = ["app"]

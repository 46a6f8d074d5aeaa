"""Social landlords as the Regulator of Social Housing (RSH) publishes them: the Tenant
Satisfaction Measures (TSM) workbooks shipped with scrutiny, one per year.

The workbooks are RSH's own files, unchanged (Open Government Licence v3.0; see
data/SOURCES.md); `scripts/build_reference_data.py` copies them in.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def tsm_folder() -> Path:
    """Where the shipped TSM workbooks are."""
    return Path(str(resources.files("scrutiny.reference") / "data" / "rsh_tsm"))


def shipped_workbooks() -> list[Path]:
    """The shipped TSM workbooks, oldest year first."""
    return sorted(tsm_folder().glob("*_TSM_Full_Data_*.xlsx"))

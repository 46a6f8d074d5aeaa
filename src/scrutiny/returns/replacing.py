"""What storing a return would do, worked out before storing it: for each council, the
stored return for exactly the same period that it would replace, and the refusal when its
sender has not said to replace it (scrutiny.returns.submissions checks it inside the
write transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scrutiny.core.errors import Conflict
from scrutiny.core.periods import return_period_label
from scrutiny.returns.stored import Submission

SHOWN = 5  # replaced returns named in the refusal


@dataclass(frozen=True)
class PlannedSubmission:
    """What storing one authority's rows from a file would do, worked out before storing."""

    authority_code: str
    rows: int
    period_start: date
    period_end: date
    replaces: Submission | None  # the current submission for exactly this period, if any
    unchanged: bool  # the same file as that submission: storing it again changes nothing

    @property
    def label(self) -> str:
        """The period as people write it: 2025-26 Q1."""
        return return_period_label(self.period_start, self.period_end)

    @property
    def replacing(self) -> bool:
        """True when storing would replace a stored submission's rows."""
        return self.replaces is not None and not self.unchanged

    def describe(self, table_title: str) -> str:
        """'4 complaints for 2025-26 Q1 (file 'q1.csv', sent by ... on 3 June 2025)'."""
        earlier = self.replaces
        if earlier is None:
            return f"{self.rows:,} {table_title.lower()} rows for {self.label}"
        return (
            f"{earlier.row_count:,} {_things(table_title, earlier.row_count)} for {self.label} "
            f"(submission {earlier.id}, file {earlier.file_name!r}, sent by "
            f"{earlier.submitted_by} on {earlier.submitted_at:%-d %B %Y})"
        )


def _things(table_title: str, count: int) -> str:
    """'complaints' for the complaints table; 'rows of aggregate returns' otherwise."""
    word = table_title.lower()
    if word == "complaints":
        return "complaint" if count == 1 else "complaints"
    return f"{'row' if count == 1 else 'rows'} of {word}"


class ReplaceNotConfirmed(Conflict):
    """The file would replace stored rows and its sender has not said to; nothing changed.

    PLAN says, for each authority, what would be replaced.
    """

    def __init__(self, message: str, plan: list[PlannedSubmission], table_title: str) -> None:
        super().__init__(message)
        self.plan = plan
        self.table_title = table_title


def replace_message(plan: list[PlannedSubmission], table_title: str) -> str:
    """Why a file that would replace stored returns was refused, naming them."""
    replacing = [p for p in plan if p.replacing]
    shown = "; ".join(p.describe(table_title) for p in replacing[:SHOWN])
    more = f" and {len(replacing) - SHOWN} more" if len(replacing) > SHOWN else ""
    return (
        f"This file would replace {shown}{more}. Nothing was stored: send it again saying "
        "to replace (--replace on the command line, replace=true in the API, or confirm "
        "on the web), or give the period it is for if it is a different one."
    )

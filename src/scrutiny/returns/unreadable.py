"""A file that cannot be read as a return at all, and how that is reported."""

from __future__ import annotations

from scrutiny.core.errors import Invalid


class FileUnreadable(Invalid, ValueError):
    """The file cannot be read as a return at all (as opposed to containing bad values)."""


def unreadable_issue(problem: str) -> dict[str, object]:
    """A file that cannot be read, as one issue in the validation report's shape (row and
    column null, rule `unreadable`), for answers that must always be the same JSON."""
    return {
        "row": None,
        "column": None,
        "value": None,
        "severity": "error",
        "rule": "unreadable",
        "message": f"The file cannot be read: {problem}.",
        "fix": "Send a CSV or XLSX file with the header row of a template from /standard.",
    }

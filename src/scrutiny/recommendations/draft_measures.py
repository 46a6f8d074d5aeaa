"""What the draft stage does: how long drafts take to agree, how often councils propose
changes, and whether recommendations shaped with the council are complied with on time
more often than those accepted as drafted. Also how a final record differs from its
draft, in words.

- days_to_agree: working days (scrutiny.reference.calendar) from the day a draft was
  recorded to the day it was agreed, median over finalised drafts.
- changes_proposed: of the drafts the council answered, how many it proposed to change.
- On-time compliance per group, by the register's status (complied / closed, where closed
  is complied, complied late or not complied, as recommendations.measures defines it):
  *shaped* are drafts finalised with the council's proposed change taken; *as drafted*
  are drafts the council accepted. A change the Ombudsman did not take is in neither.
  With fewer than MIN_TO_COMPARE closed in either group the two are not compared.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any, Literal

import polars as pl
from sqlalchemy import Engine

from scrutiny.recommendations.drafts import draft_history, get_draft, list_drafts
from scrutiny.recommendations.register import read_register
from scrutiny.reference.calendar import working_days_between
from scrutiny.store.db import as_utc

MIN_TO_COMPARE = 10
CLOSED = ("complied", "complied_late", "not_complied")


@dataclass(frozen=True)
class Group:
    """On-time compliance of one group of agreed drafts."""

    name: str
    agreed: int
    closed: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return 100 * self.on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class DraftMeasures:
    drafts: int
    finalised: int
    median_working_days_to_agree: float | None
    answered: int
    changes_proposed: int
    shaped: Group
    as_drafted: Group

    @property
    def changes_proposed_percent(self) -> float | None:
        return 100 * self.changes_proposed / self.answered if self.answered else None

    @property
    def comparable(self) -> bool:
        return min(self.shaped.closed, self.as_drafted.closed) >= MIN_TO_COMPARE

    @property
    def comparison(self) -> str:
        """The comparison in a sentence, or why there is none."""
        if not self.comparable:
            return (
                f"Too few closed to compare: {self.shaped.closed} shaped with the council and"
                f" {self.as_drafted.closed} accepted as drafted (at least {MIN_TO_COMPARE}"
                " each are needed)."
            )
        shaped, drafted = self.shaped.rate or 0.0, self.as_drafted.rate or 0.0
        word = "more" if shaped > drafted else "less" if shaped < drafted else "as"
        return (
            f"Recommendations shaped with the council were complied with on time {shaped:.1f}%"
            f" of the time ({self.shaped.on_time} of {self.shaped.closed}), {word} often than"
            f" those accepted as drafted, {drafted:.1f}% ({self.as_drafted.on_time} of"
            f" {self.as_drafted.closed})."
        )

    def lines(self) -> list[tuple[str, str]]:
        """Each measure as a label and its value, for the command line and pages."""

        def pct(value: float | None) -> str:
            return "none yet" if value is None else f"{value:.1f}%"

        def group(found: Group) -> str:
            return (
                f"{found.agreed} agreed, {found.closed} closed, {found.on_time} on time"
                f" ({pct(found.rate)})"
            )

        days = self.median_working_days_to_agree
        return [
            ("Drafts", f"{self.drafts:,}"),
            ("Finalised", f"{self.finalised:,}"),
            (
                "Median working days from draft to agreement",
                "none agreed yet" if days is None else f"{days:g}",
            ),
            (
                "Councils proposed a change",
                f"{self.changes_proposed} of {self.answered} answered"
                f" ({pct(self.changes_proposed_percent)})",
            ),
            ("Shaped with the council (change taken)", group(self.shaped)),
            ("Accepted as drafted", group(self.as_drafted)),
            ("Comparison", self.comparison),
        ]


def draft_measures(
    engine: Engine, *, authority_code: str | None = None, today: date | None = None
) -> DraftMeasures:
    """The draft stage's measures, for England or one council."""
    drafts = list_drafts(engine, authority_code=authority_code)
    final = [d for d in drafts if d["status"] == "finalised"]
    days = [working_days_between(as_utc(d["created_at"]).date(), d["agreed_date"]) for d in final]
    answered = [d for d in drafts if d["response"] is not None]
    register = read_register(engine, today, authority_code=authority_code)
    status = {
        (ref, number): state
        for ref, number, state in register.select(
            "decision_ref", "recommendation_number", "status"
        ).iter_rows()
    }

    def group(name: str, members: list[dict[str, Any]]) -> Group:
        found = [status.get((d["decision_ref"], d["recommendation_number"])) for d in members]
        return Group(
            name,
            agreed=len(members),
            closed=sum(s in CLOSED for s in found),
            on_time=sum(s == "complied" for s in found),
        )

    return DraftMeasures(
        drafts=len(drafts),
        finalised=len(final),
        median_working_days_to_agree=float(median(days)) if days else None,
        answered=len(answered),
        changes_proposed=sum(d["response"] == "change" for d in answered),
        shaped=group("shaped", [d for d in final if d["took_proposal"]]),
        as_drafted=group("as_drafted", [d for d in final if d["response"] == "accept"]),
    )


def measures_frame(found: DraftMeasures) -> pl.DataFrame:
    """FOUND as one labelled row per measure (for --format csv and json)."""
    labels, values = zip(*found.lines(), strict=True)
    return pl.DataFrame({"measure": list(labels), "value": list(values)})


Change = tuple[Literal["same", "removed", "added"], str]


def word_diff(before: str, after: str) -> list[Change]:
    """How AFTER differs from BEFORE, word by word: runs of same, removed and added words."""
    old, new = before.split(), after.split()
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            changes.append(("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            changes.append(("added", " ".join(new[j1:j2])))
    return changes


def diff_words(before: str, after: str) -> str:
    """The word diff as plain text: [-removed-] and {+added+}, as git's word diff writes it."""
    marks = {"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}
    return " ".join(marks[kind].format(text) for kind, text in word_diff(before, after))


def final_changes(draft: dict[str, Any]) -> list[str]:
    """How a finalised DRAFT's agreed record differs from the draft, in sentences."""
    if draft["status"] != "finalised":
        return []
    said = []
    if draft["final_wording"] != draft["wording"]:
        said.append(f"Wording: {diff_words(draft['wording'], draft['final_wording'])}")
    if draft["final_kind"] != draft["kind"]:
        said.append(f"Action: {draft['kind']} became {draft['final_kind']}")
    drafted, agreed = draft["due_date"], draft["final_due_date"]
    if agreed != drafted:
        later = working_days_between(min(drafted, agreed), max(drafted, agreed))
        word = "later" if agreed > drafted else "earlier"
        said.append(f"Due date: {drafted} became {agreed} ({later} working days {word})")
    return said or ["Agreed as drafted."]


def draft_story(engine: Engine, draft_id: int, authority_code: str | None = None) -> dict[str, Any]:
    """One draft (DraftNotFound unless it is AUTHORITY_CODE's, when given) with its history
    from the audit log, how the council's proposal and the agreed wording differ from the
    draft word by word, and how the agreed record differs in sentences."""
    draft = get_draft(engine, draft_id, authority_code)
    return {
        "draft": draft,
        "history": draft_history(engine, draft_id),
        "proposal_diff": word_diff(draft["wording"], draft["proposed_wording"] or draft["wording"]),
        "final_diff": word_diff(draft["wording"], draft["final_wording"] or draft["wording"]),
        "changes": final_changes(draft),
    }

"""Where the record an audit entry is about can be seen: ENTITY_PAGES maps what the audit
log calls each kind of record to the address of its page, declared once here. Kinds with
no page of their own are in NO_PAGE, so a new kind must be placed in one or the other (a
test checks every kind the demo writes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine

from scrutiny.councillor.self_assessment import AUDIT_ENTITY as SELF_ASSESSMENT_ENTITY
from scrutiny.recommendations.drafts import AUDIT_ENTITY as DRAFT_ENTITY
from scrutiny.recommendations.evidence_files import AUDIT_ENTITY as EVIDENCE_FILE_ENTITY
from scrutiny.recommendations.follow_up import ASSIGNMENT, REVIEW
from scrutiny.recommendations.lifecycle import EVIDENCE, OUTCOME
from scrutiny.returns.saved_mappings import AUDIT_ENTITY as MAPPING_ENTITY
from scrutiny.returns.source_imports import AUDIT_ENTITY as SOURCE_IMPORT_ENTITY
from scrutiny.returns.submissions import AUDIT_ENTITY as SUBMISSION_ENTITY
from scrutiny.store.audit import AuditEntry
from scrutiny.store.audit_subjects import decision_councils, submission_councils


@dataclass(frozen=True)
class Councils:
    """The councils of the records on one page of the audit log, looked up together."""

    submissions: dict[int, str]
    decisions: dict[str, str]


Page = Callable[[AuditEntry, Councils], str | None]


def _detail(entry: AuditEntry, key: str) -> Any:
    return (entry.detail or {}).get(key)


def _submission(entry: AuditEntry, councils: Councils) -> str | None:
    code = councils.submissions.get(entry.entity_id or 0)
    return f"/council/{code}/returns" if code else None


def _recommendation(entry: AuditEntry, councils: Councils) -> str | None:
    ref, number = _detail(entry, "decision_ref"), _detail(entry, "recommendation_number")
    code = councils.decisions.get(ref)
    return f"/council/{code}/recommendations/{ref}/{number}/evidence" if code else None


def _follow_up(entry: AuditEntry, _: Councils) -> str | None:
    code, ref, number = (
        _detail(entry, k) for k in ("authority_code", "decision_ref", "recommendation_number")
    )
    if not (code and ref and number is not None):
        return None
    return f"/council/{code}/recommendations/{quote(str(ref), safe='')}/{number}/follow-up"


def _self_assessment(entry: AuditEntry, _: Councils) -> str | None:
    code, year, item = (_detail(entry, k) for k in ("authority_code", "year", "item"))
    return f"/council/{code}/self-assessment/{year}/{item}" if code and year and item else None


def _evidence_file(entry: AuditEntry, _: Councils) -> str | None:
    # Its entries name the council, so it needs no look-up.
    code, evidence = _detail(entry, "authority_code"), _detail(entry, "evidence_id")
    return f"/council/{code}/evidence/{evidence}/files" if code and evidence else None


def _draft(entry: AuditEntry, _: Councils) -> str | None:
    code = _detail(entry, "authority_code")
    return f"/council/{code}/drafts/{entry.entity_id}" if code and entry.entity_id else None


def _mapping(entry: AuditEntry, _: Councils) -> str | None:
    code = _detail(entry, "authority_code")
    return f"/council/{code}/mapping" if code else None


ENTITY_PAGES: dict[str, Page] = {
    "user": lambda entry, _: f"/admin/users#user-{entry.entity_id}",
    "api_token": lambda entry, _: f"/admin/tokens#token-{entry.entity_id}",
    SUBMISSION_ENTITY: _submission,
    EVIDENCE: _recommendation,
    OUTCOME: _recommendation,
    ASSIGNMENT: _follow_up,
    REVIEW: _follow_up,
    EVIDENCE_FILE_ENTITY: _evidence_file,
    SELF_ASSESSMENT_ENTITY: _self_assessment,
    MAPPING_ENTITY: _mapping,
    DRAFT_ENTITY: _draft,
}
# Why these have no link: a reset link is used once and never shown again (its entry names
# the account); an import from a national source has no page of its own.
NO_PAGE = frozenset({"password_reset", SOURCE_IMPORT_ENTITY})


def entry_links(engine: Engine, entries: Sequence[AuditEntry]) -> dict[int, str]:
    """The address of the page showing each entry's record, by the entry's id (entries
    whose record has no page, or no longer exists, are left out)."""
    councils = Councils(
        submission_councils(
            engine,
            {e.entity_id for e in entries if e.entity == SUBMISSION_ENTITY and e.entity_id},
        ),
        decision_councils(
            engine,
            {str(_detail(e, "decision_ref")) for e in entries if e.entity in (EVIDENCE, OUTCOME)},
        ),
    )
    links = {}
    for entry in entries:
        page = ENTITY_PAGES.get(entry.entity)
        address = page(entry, councils) if page else None
        if address:
            links[entry.id] = address
    return links

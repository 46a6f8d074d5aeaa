"""Ombudsman recommendations from the decision to verified compliance.

The recommendations themselves arrive in the recommendations return. What happens to
them afterwards lives in two small tables keyed by (decision_ref, recommendation_number),
never by row id, so a corrected resubmission of the return keeps it: evidence sent by
the council (recommendation_evidence, with the Ombudsman's check on each piece) and at
most one final outcome (recommendation_outcomes). Everything else is derived.

The state machine (state on a given day, read_register):

    agreed              no final outcome, no evidence awaiting a check, due date after today
    due                 the same, but the due date is today or has passed; a due
                        recommendation whose due date has passed is *overdue*
    evidence_submitted  no final outcome and one piece of evidence awaiting its check
    complied            final: evidence accepted, dated on or before the due date
    complied_late       final: evidence accepted, dated after the due date
    not_complied        final: the Ombudsman closed the check without compliance
    withdrawn           final: no longer required, with a reason

    agreed/due ---record_evidence---> evidence_submitted
    evidence_submitted ---check_evidence(accepted)---> complied | complied_late
        (backdated evidence, sent after the due date for an action dated by it, is
        complied_late on its sent date unless the check confirms the claimed date)
    evidence_submitted ---check_evidence(rejected, reason)---> agreed/due (by date)
    agreed/due/evidence_submitted ---withdraw_recommendation(reason)---> withdrawn
    due (date passed, nothing awaiting a check) ---mark_not_complied(reason)---> not_complied

A final outcome comes from recommendation_outcomes or, failing that, from the imported
compliance_status when it is not 'pending'; it never changes. Recording an outcome also
sets the imported row's compliance_status and completed_date in the same transaction, so
the national indicators agree with the lifecycle at once. If a later resubmission says
otherwise, the recorded outcome still wins in the register and its measures.

May import core, settings, reference, standard, store, returns and measures (all
scrutiny.*). The layers are checked by import-linter (docs/architecture.md).
"""

from scrutiny.recommendations.digest import digest
from scrutiny.recommendations.history import (
    evidence_awaiting_check,
    list_evidence,
    recommendation_history,
)
from scrutiny.recommendations.lifecycle import (
    RecommendationError,
    backdating_warning,
    check_evidence,
    due_date_from_phrase,
    mark_not_complied,
    record_evidence,
    withdraw_recommendation,
)
from scrutiny.recommendations.measures import measures
from scrutiny.recommendations.register import (
    STATES,
    due_within,
    overdue,
    read_register,
    repeat_patterns,
)

__all__ = [
    "STATES",
    "RecommendationError",
    "backdating_warning",
    "check_evidence",
    "digest",
    "due_date_from_phrase",
    "due_within",
    "evidence_awaiting_check",
    "list_evidence",
    "mark_not_complied",
    "measures",
    "overdue",
    "read_register",
    "recommendation_history",
    "record_evidence",
    "repeat_patterns",
    "withdraw_recommendation",
]

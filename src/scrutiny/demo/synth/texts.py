"""The few sentences the demo data carries: extension reasons, improvements, evidence notes.

None names or describes a person, so the validator's personal-data warnings stay quiet.
"""

from __future__ import annotations

EXTENSION_REASONS = (
    "Awaiting information from a contractor",
    "Awaiting a site visit by an inspector",
    "The complaint covers several services that must each respond",
    "Awaiting records held by a partner organisation",
    "The complaint raises new issues that need investigating",
)

# What was changed for everyone, by service area (in AREAS order).
IMPROVEMENTS = {
    "adult_care_services": (
        "Care assessment letters now set out the review date and how to challenge it",
        "Charging statements now itemise each week's contribution",
    ),
    "benefits_and_tax": (
        "Council tax reminder letters now explain payment arrangements before enforcement",
        "Change-of-circumstance forms now checked within five working days",
    ),
    "corporate_and_other_services": (
        "Call handlers given a checklist for logging complaints on first contact",
        "Subject access requests now tracked against the statutory deadline",
    ),
    "education_and_childrens_services": (
        "EHC plan deadlines now tracked weekly by the SEND service manager",
        "School transport decisions now sent with the appeal route and deadline",
    ),
    "environment_and_public_protection": (
        "Missed bin collections now reported back to crews the same day",
        "Noise complaints now acknowledged with the expected visit date",
    ),
    "highways_and_transport": (
        "Inspection schedule for footway repairs moved from annual to six-monthly",
        "Penalty charge notices now photographed at the time of issue",
    ),
    "housing": (
        "Repairs ordered after a damp report now inspected within ten working days",
        "Homelessness decision letters now reviewed by a senior officer before issue",
    ),
    "planning_and_development": (
        "Neighbour notification letters now logged with the date posted",
        "Enforcement complainants now told the outcome of each site visit",
    ),
}

COMPLIANCE_EVIDENCE = {
    "apology": "Copy of the apology letter sent to the Ombudsman",
    "financial_remedy": "Payment confirmed by remittance advice",
    "service_improvement": "Revised procedure and briefing note sent to the Ombudsman",
    "procedure_review": "Review report and revised policy sent to the Ombudsman",
    "training": "Training attendance record sent to the Ombudsman",
    "reconsider_decision": "New decision letter sent to the Ombudsman",
    "other": "Evidence of action sent to the Ombudsman",
}
WITHDRAWN_NOTES = (
    "Withdrawn: the complainant declined the payment",
    "Withdrawn: superseded by a later decision on the same matter",
    "Withdrawn: the Ombudsman agreed the action was no longer needed",
)

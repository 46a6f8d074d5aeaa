"""What complaints are about and how they arrive: service mixes by tier, channels, remedies.

The shares are modelling assumptions, shaped by what each tier delivers (TIER_SERVICES)
and by the LGSCO's published caseload (2024-25: education and children's services 27% of
complaints, housing 17%, adult care 13%; lgo.org.uk news, July 2025). No national series
of councils' own complaints by service is published; councils' annual reports put
environment (waste), housing and council tax at the top for districts and unitaries.
"""

from __future__ import annotations

import numpy as np

from scrutiny.reference.authorities import ALL_SERVICES, TIER_SERVICES

AREAS = ALL_SERVICES  # the order of every per-area array below
HOUSING = AREAS.index("housing")

# Shares of a council's own complaints by service area, for a council that delivers every
# service and owns no council housing. Counties and districts keep only their own services.
ALL_PURPOSE_MIX = {
    "adult_care_services": 0.10,
    "benefits_and_tax": 0.12,
    "corporate_and_other_services": 0.08,
    "education_and_childrens_services": 0.12,
    "environment_and_public_protection": 0.18,
    "highways_and_transport": 0.14,
    "housing": 0.16,
    "planning_and_development": 0.10,
}
COUNTY_MIX = {
    "adult_care_services": 0.24,
    "corporate_and_other_services": 0.10,
    "education_and_childrens_services": 0.30,
    "environment_and_public_protection": 0.08,
    "highways_and_transport": 0.28,
}
DISTRICT_MIX = {
    "benefits_and_tax": 0.24,
    "corporate_and_other_services": 0.10,
    "environment_and_public_protection": 0.28,
    "housing": 0.22,
    "planning_and_development": 0.16,
}
TIER_MIX = {"county": COUNTY_MIX, "district": DISTRICT_MIX}
# Councils that still own homes hear from their tenants: repairs complaints multiply the
# housing share (Birmingham's 19,438 stage 1 complaints in 2023-24 include its landlord
# complaints; Buckinghamshire, with no council homes, had 2,199: Buckinghamshire Council,
# LGSCO complaints context and benchmarking 2023-24).
LANDLORD_HOUSING = 3.0

# Subareas within each area, with relative weights. Council housing repairs only arise
# where the council is a landlord. Special educational needs is the largest education
# subarea (LGSCO 2024-25: fault found in 94% of SEND investigations).
SUBAREAS: dict[str, dict[str, float]] = {
    "adult_care_services": {
        "assessment_and_care_plan": 0.28, "charging": 0.2, "direct_payments": 0.08,
        "domiciliary_care": 0.14, "residential_care": 0.12, "safeguarding": 0.08,
        "disabled_facilities_grants": 0.04, "other_adult_care": 0.06,
    },
    "benefits_and_tax": {
        "council_tax": 0.6, "housing_benefit_and_council_tax_reduction": 0.25,
        "business_rates": 0.07, "other_benefits_and_tax": 0.08,
    },
    "corporate_and_other_services": {
        "customer_service": 0.45, "information_and_data": 0.2, "land_and_property": 0.15,
        "other_corporate": 0.2,
    },
    "education_and_childrens_services": {
        "special_educational_needs": 0.36, "school_admissions": 0.12, "school_transport": 0.12,
        "alternative_provision": 0.05, "child_protection": 0.15, "children_in_care": 0.1,
        "other_education_and_childrens": 0.1,
    },
    "environment_and_public_protection": {
        "refuse_and_recycling": 0.55, "noise_and_nuisance": 0.12, "antisocial_behaviour": 0.1,
        "licensing": 0.05, "pollution_and_environmental_health": 0.08, "other_environment": 0.1,
    },
    "highways_and_transport": {
        "parking_and_penalty_charges": 0.35, "highway_maintenance": 0.45, "blue_badges": 0.08,
        "other_highways_and_transport": 0.12,
    },
    "housing": {
        "homelessness": 0.35, "allocations": 0.3, "council_housing_repairs": 0.0,
        "private_housing": 0.15, "other_housing": 0.2,
    },
    "planning_and_development": {
        "planning_applications": 0.5, "planning_enforcement": 0.3, "building_control": 0.08,
        "other_planning": 0.12,
    },
}  # fmt: skip
LANDLORD_REPAIRS = 2.0  # council_housing_repairs' weight in a landlord council's housing

SUBAREA_CODES = tuple(code for area in AREAS for code in SUBAREAS[area])
SUBAREA_AREA = np.array([AREAS.index(a) for a in AREAS for _ in SUBAREAS[a]], dtype=np.int8)

CHANNELS = (
    "online_form", "email", "telephone", "letter", "in_person", "social_media",
    "representative", "other",
)  # fmt: skip
# 2020-21 shares; each year two points move from telephone and letter to online forms.
CHANNEL_SHARES = np.array([0.34, 0.26, 0.2, 0.07, 0.03, 0.02, 0.06, 0.02])
CHANNEL_SHIFT = np.array([0.02, 0.0, -0.012, -0.008, 0.0, 0.0, 0.0, 0.0])

REMEDIES = (
    "apology", "explanation", "action_taken", "decision_reconsidered", "record_amended",
    "financial_remedy", "other",
)  # fmt: skip
FINANCIAL = REMEDIES.index("financial_remedy")
# Chance of each remedy, by outcome (upheld, partly upheld, not upheld), at stage 1.
REMEDY_CHANCE = np.array(
    [
        [0.85, 0.5, 0.7, 0.12, 0.06, 0.07, 0.03],
        [0.7, 0.6, 0.5, 0.08, 0.04, 0.04, 0.02],
        [0.0, 0.55, 0.05, 0.0, 0.02, 0.0, 0.01],
    ]
)


def area_mix(council_type: str, landlord: bool) -> np.ndarray:
    """Expected shares of complaints by area (in AREAS order) for a council."""
    shares = TIER_MIX.get(council_type, ALL_PURPOSE_MIX)
    mix = np.array([shares.get(area, 0.0) for area in AREAS])
    mix[[AREAS.index(a) for a in AREAS if a not in TIER_SERVICES[council_type]]] = 0.0
    if landlord:
        mix[HOUSING] *= LANDLORD_HOUSING
    return np.asarray(mix / mix.sum())


def subarea_weights(landlord: bool) -> np.ndarray:
    """Weights of every subarea (SUBAREA_CODES order), each area's summing to one."""
    weights = np.array([w for area in AREAS for w in SUBAREAS[area].values()])
    if landlord:
        weights[SUBAREA_CODES.index("council_housing_repairs")] = LANDLORD_REPAIRS
    totals = np.bincount(SUBAREA_AREA, weights=weights)
    return weights / totals[SUBAREA_AREA]


def pick_subareas(rng: np.random.Generator, areas: np.ndarray, landlord: np.ndarray) -> np.ndarray:
    """A subarea index (into SUBAREA_CODES) for each row, from its area and landlord flag."""
    picked = np.empty(areas.size, dtype=np.int16)
    u = rng.random(areas.size)
    for is_landlord in (False, True):
        cumulative = np.cumsum(subarea_weights(is_landlord))
        rows = np.flatnonzero(landlord == is_landlord)
        # Each area's weights sum to one, so area k's subareas span (k, k + 1] of the
        # running total: a draw in that span picks a subarea by inverse CDF.
        spot = areas[rows] + 1e-9 + u[rows] * (1 - 2e-9)
        picked[rows] = np.searchsorted(cumulative, spot, side="right")
    return picked


def remedy_texts() -> np.ndarray:
    """Every combination of REMEDIES as the standard's ';'-separated text, by bit mask."""
    texts = [
        ";".join(code for bit, code in enumerate(REMEDIES) if mask >> bit & 1)
        for mask in range(1 << len(REMEDIES))
    ]
    return np.array(texts, dtype=object)

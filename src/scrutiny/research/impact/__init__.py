"""Impact research: what happens after councils comply with Ombudsman recommendations.

Event studies and difference-in-differences around compliance with service-improvement
recommendations, per service area: `run_study(engine, "send", "complaints")`. The parts:
`panel` (outcomes per council and period), `design` (treated councils, compliance dates,
clean nearest-neighbour comparisons, the stacked data), `estimate` (pyfixest fits),
`simulate` (validation on synthetic panels with a known effect), `export` (JSON, CSV and
HTML with the data hash and code version). See docs/impact.md.

May import what scrutiny.research may: everything below it but the demo, the CLI and the
web (docs/architecture.md).
"""

from scrutiny.research.impact.panel import OUTCOMES, SERVICE_AREAS, ImpactError
from scrutiny.research.impact.study import ImpactStudy, run_study

__all__ = ["OUTCOMES", "SERVICE_AREAS", "ImpactError", "ImpactStudy", "run_study"]

"""Funnel plots: compare councils with a target, allowing for chance and over-dispersion.

The methods are those of Spiegelhalter (2005) as implemented by FunnelPlotR and by OHID's
PHEindicatormethods, specified with test vectors in docs methods note section 1.

    from scrutiny.measures.funnel import compare
    funnel = compare(answered_in_time, complaints, kind="proportion", overdispersion="additive")
    funnel.flags  # high_alarm, high_alert, within, low_alert or low_alarm for each unit

Limits stay within what the measure can take, [0, 1] for a proportion and [0, inf) for a
ratio or rate, and a value at a bound is outside a limit only when chance alone at the
target makes the bound rarer than the limit's tail (docs/methods.md, 1.5): no council at
100% is "above" a funnel whose target is 100%, or whose exact limit is 100%. Allowing for
over-dispersion only ever widens the limits of chance alone.

Statistics only: may import core, never the database, settings, reference data or the
standard (import-linter's funnel-is-statistics contract; docs/architecture.md).
"""

from scrutiny.measures.funnel.adjustment import additive_limits, multiplicative_limits
from scrutiny.measures.funnel.comparison import (
    FLAGS,
    KINDS,
    OVERDISPERSION,
    Funnel,
    FunnelError,
    FunnelKind,
    at_bounds,
    bounds,
    classify,
    compare,
)
from scrutiny.measures.funnel.dispersion import (
    Dispersion,
    DispersionError,
    dispersion_ratio,
    estimate_dispersion,
    tau_squared,
    truncate,
    winsorise,
    z_scores,
)
from scrutiny.measures.funnel.limits import (
    PROPORTION_METHODS,
    RATIO_METHODS,
    Limits,
    proportion_limits,
    ratio_limits,
)

__all__ = [
    "FLAGS",
    "KINDS",
    "OVERDISPERSION",
    "PROPORTION_METHODS",
    "RATIO_METHODS",
    "Dispersion",
    "DispersionError",
    "Funnel",
    "FunnelError",
    "FunnelKind",
    "Limits",
    "additive_limits",
    "at_bounds",
    "bounds",
    "classify",
    "compare",
    "dispersion_ratio",
    "estimate_dispersion",
    "multiplicative_limits",
    "proportion_limits",
    "ratio_limits",
    "tau_squared",
    "truncate",
    "winsorise",
    "z_scores",
]

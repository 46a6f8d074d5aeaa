"""The words and settings of statistical process control: the four special-cause rules, their
run length and factors, the directions and icons (docs/methods.md, section 2).

Their home is here, beneath scrutiny.measures.spc and without numpy, so that the command
line can offer the defaults in its help and the pages and reports can name the rules without
loading the charting code.
"""

from __future__ import annotations

from typing import Literal, get_args

Direction = Literal["up", "down", "neither"]
Rule = Literal["astronomical", "shift", "trend", "two_in_three"]
Variation = Literal["improvement", "concern", "neither", "common_cause"]
Assurance = Literal["consistent_pass", "consistent_fail", "inconsistent"]
Side = Literal["high", "low"]

RULES: tuple[Rule, ...] = get_args(Rule)
# The NHS Digital FDP design system's "SPC Rule Clash" order: which rule colours a point
# that several rules flag (methods.md 2.2).
DISPLAY_PRECEDENCE: tuple[Rule, ...] = ("trend", "shift", "two_in_three", "astronomical")
LIMIT_FACTOR = 2.66  # 3 / 1.128 as the MDC Excel tool rounds it
TWO_SIGMA_FACTOR = 2 * LIMIT_FACTOR / 3
SCREEN_FACTOR = 3.267  # the moving-range upper limit, in average moving ranges
MINIMUM_POINTS = 13  # MDC: limits and icons only from 13 points
RULE_LENGTH = 6  # MDC's shift and trend length; NHSRplotthedots uses 7
# A value closer than this share of the chart's scale (|mean| + AMR) to a line is on the
# line, so decimal data (0.1, 0.2, 0.3: mean 0.20000000000000004) sits on its mean as written.
# Rounding in a mean of 100,000 values is under 1e-14 of it; 1e-12 leaves a wide margin.
TOLERANCE = 1e-12

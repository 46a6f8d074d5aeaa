"""Statistical process control: XmR charts drawn as NHS England's Making Data Count draws them.

The specification is section 2 of docs/methods.md. A chart has a mean and process limits
(mean ± 2.66 × the average moving range) computed per segment (a recalculation starts a new
segment), optionally from a baseline of each segment's first points only. Four special-cause
rules flag points: a point outside the limits (astronomical), a run of N on one side of the
mean (shift), N points each higher (or lower) than the last (trend), and two of three points
beyond the same two-sigma line (two_in_three). The variation icon comes from the last point and
the assurance icon from the target against the latest limits.

Limits stay within what the measure can take (docs/methods.md, 2.4): given BOUNDS, say
(0, 100) for a percentage or (0, inf) for a rate, every line is held inside them, so no chart
draws an upper limit of 105% or a negative count, and a point at a bound is never beyond a
line that sits on it. Holding the lines changes no flag (a value within the bounds is beyond a
held line exactly when it is beyond the unheld one), only what is drawn and said.

Every rule is vectorised: runs are found with one cumulative sum over "a new run starts here",
so a 100,000-point series costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import get_args

import numpy as np
import numpy.typing as npt
import polars as pl

from scrutiny.core.errors import Invalid
from scrutiny.measures.numbers import number_column
from scrutiny.measures.spc_rules import (
    DISPLAY_PRECEDENCE,
    LIMIT_FACTOR,
    MINIMUM_POINTS,
    RULE_LENGTH,
    RULES,
    SCREEN_FACTOR,
    TOLERANCE,
    TWO_SIGMA_FACTOR,
    Assurance,
    Direction,
    Rule,
    Side,
    Variation,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class SeriesError(Invalid, ValueError):
    """The values cannot be charted (empty, a gap, not numbers) or the settings do not fit."""


@dataclass(frozen=True)
class Segment:
    """A stretch of the chart with its own mean and limits; limits are None when too short."""

    start: int
    stop: int
    baseline_points: int
    mean: float
    average_moving_range: float | None
    screened_ranges: int  # moving ranges removed as outliers before the limits
    low: float = -np.inf  # the least value the measure can take; the lines stop there
    high: float = np.inf  # the greatest

    @property
    def too_few_points(self) -> bool:
        """True when the segment is too short for limits, rules and icons."""
        return self.average_moving_range is None

    def _line(self, factor: float) -> float | None:
        if self.average_moving_range is None:
            return None
        return min(max(self.mean + factor * self.average_moving_range, self.low), self.high)

    @property
    def upper_limit(self) -> float | None:
        """Upper process limit: mean + 2.66 × AMR."""
        return self._line(LIMIT_FACTOR)

    @property
    def lower_limit(self) -> float | None:
        """Lower process limit: mean − 2.66 × AMR."""
        return self._line(-LIMIT_FACTOR)

    @property
    def upper_2sigma(self) -> float | None:
        """Upper two-sigma line: mean + (2/3) × 2.66 × AMR."""
        return self._line(TWO_SIGMA_FACTOR)

    @property
    def lower_2sigma(self) -> float | None:
        """Lower two-sigma line: mean − (2/3) × 2.66 × AMR."""
        return self._line(-TWO_SIGMA_FACTOR)


@dataclass(frozen=True, eq=False)
class Chart:
    """An XmR chart: its segments, which rules flag which points, and its two icons."""

    values: FloatArray
    segments: tuple[Segment, ...]
    improvement: Direction
    target: float | None
    high: BoolArray  # (len(RULES), n): flags above the mean or rising
    low: BoolArray  # (len(RULES), n): flags below the mean or falling
    shown: npt.NDArray[np.int8]  # side each point is coloured for: 1 high, -1 low, 0 none

    @property
    def latest(self) -> Segment:
        """The last segment, whose limits the icons use."""
        return self.segments[-1]

    @property
    def too_few_points(self) -> bool:
        """True when the latest segment has fewer points than the minimum: no limits or icons."""
        return self.latest.too_few_points

    @property
    def mean(self) -> float:
        return self.latest.mean

    @property
    def upper_limit(self) -> float | None:
        return self.latest.upper_limit

    @property
    def lower_limit(self) -> float | None:
        return self.latest.lower_limit

    @property
    def upper_2sigma(self) -> float | None:
        return self.latest.upper_2sigma

    @property
    def lower_2sigma(self) -> float | None:
        return self.latest.lower_2sigma

    def flags(self, rule: Rule) -> BoolArray:
        """Which points RULE flags, in either direction."""
        index = RULES.index(rule)
        return np.asarray(self.high[index] | self.low[index])

    def special_causes(self) -> list[list[Rule]]:
        """For each point, every rule that flags it, in RULES order."""
        # One bit per rule, then a lookup of the 16 possible lists: no per-point numpy calls.
        bits = ((self.high | self.low) << np.arange(len(RULES))[:, None]).sum(axis=0)
        lists = [[rule for r, rule in enumerate(RULES) if code >> r & 1] for code in range(16)]
        return [list(lists[code]) for code in bits.tolist()]

    def point_variations(self) -> list[Variation | None]:
        """For each point, the colour it is shown in; None where its segment is too short."""
        assessed = _assessed(self.segments)
        return [
            _variation(int(side), self.improvement) if ok else None
            for side, ok in zip(self.shown, assessed, strict=True)
        ]

    @property
    def variation(self) -> Variation | None:
        """The variation icon, set by the last point."""
        return None if self.too_few_points else _variation(int(self.shown[-1]), self.improvement)

    @property
    def variation_side(self) -> Side | None:
        """Whether the variation icon is the high or the low one (None for common cause)."""
        if self.too_few_points or self.shown[-1] == 0:
            return None
        return "high" if self.shown[-1] > 0 else "low"

    @property
    def assurance(self) -> Assurance | None:
        """The assurance icon: the target against the latest limits, judged by direction."""
        upper, lower = self.upper_limit, self.lower_limit
        if self.target is None or self.improvement == "neither" or upper is None:
            return None
        assert lower is not None
        tolerance = _tolerance(self.latest)
        if self.target > upper + tolerance:
            return "consistent_fail" if self.improvement == "up" else "consistent_pass"
        if self.target < lower - tolerance:
            return "consistent_pass" if self.improvement == "up" else "consistent_fail"
        return "inconsistent"


def xmr_chart(
    values: Sequence[float] | FloatArray,
    *,
    improvement: Direction = "neither",
    target: float | None = None,
    rule_length: int = RULE_LENGTH,
    screen_outliers: bool = False,
    baseline: int | None = None,
    recalculate_at: Sequence[int] = (),
    minimum_points: int = MINIMUM_POINTS,
    two_in_three_counts_outside: bool = False,
    rules_cross_recalculations: bool = True,
    precedence: Sequence[Rule] | None = DISPLAY_PRECEDENCE,
    bounds: tuple[float, float] | None = None,
) -> Chart:
    """Draw an XmR chart of VALUES (in time order, no gaps) the Making Data Count way.

    baseline: limits from each segment's first N points, extended forward. recalculate_at:
    0-based indices where a new segment with its own mean and limits starts.
    two_in_three_counts_outside: the November 2023 MDC variant in which points beyond the
    limits count towards two-in-three. precedence: which rule colours a point several rules
    flag; None colours it as an improvement if any rule says so (the MDC Excel tool).
    bounds: the least and greatest values the measure can take, which the lines stay within
    (a value outside them, from data that break the definition, is charted as it is).
    """
    x = _checked_values(values)
    least, greatest = bounds if bounds is not None else (-np.inf, np.inf)
    if not least < greatest:
        raise SeriesError(f"bounds must be a least value and a greater one, not {bounds}")
    if improvement not in get_args(Direction):
        raise SeriesError(f"improvement must be up, down or neither, not {improvement!r}")
    if rule_length < 2:
        raise SeriesError(f"rule length must be at least 2, not {rule_length}")
    if baseline is not None and baseline < 2:
        raise SeriesError(f"a baseline needs at least 2 points, not {baseline}")
    if minimum_points < 2:
        raise SeriesError(f"the minimum number of points must be at least 2, not {minimum_points}")
    starts = sorted(set(recalculate_at))
    if starts and (starts[0] <= 0 or starts[-1] >= x.size):
        raise SeriesError(f"recalculations must be at indices 1 to {x.size - 1}, not {starts}")
    edges = [0, *starts, x.size]
    segments = tuple(
        _segment(x, start, stop, baseline, screen_outliers, minimum_points, (least, greatest))
        for start, stop in pairwise(edges)
    )
    breaks = np.zeros(x.size, dtype=bool)
    if not rules_cross_recalculations:
        breaks[starts] = True
    side = _side(x, segments)
    high, low = _rules(x, segments, side, breaks, rule_length, two_in_three_counts_outside)
    shown = _shown(high, low, precedence, improvement, side)
    return Chart(x, segments, improvement, target, high, low, shown)


def read_values(path: Path, column: str) -> FloatArray:
    """The numbers in COLUMN of the CSV file at PATH, in row order."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except FileNotFoundError:
        raise SeriesError(f"{path}: no such file") from None
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise SeriesError(f"{path}: not a readable CSV file ({error})") from None
    if column not in frame.columns:
        raise SeriesError(f"{path}: no column {column!r}; columns are {', '.join(frame.columns)}")
    if frame.height == 0:
        raise SeriesError(f"{path}: no rows to chart")
    try:
        numbers = number_column(frame, column, Path(path), note=" (no gaps)")
    except ValueError as error:
        raise SeriesError(str(error)) from None
    return _checked_values(numbers)


def _checked_values(values: Sequence[float] | FloatArray) -> FloatArray:
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise SeriesError(f"values must be numbers: {error}") from None
    if x.ndim != 1 or x.size == 0:
        raise SeriesError("an XmR chart needs a non-empty list of values")
    if not np.isfinite(x).all():
        raise SeriesError(f"values must be finite numbers with no gaps; index {_first_bad(x)}")
    return x


def _first_bad(x: FloatArray) -> int:
    return int(np.flatnonzero(~np.isfinite(x))[0])


def _segment(
    x: FloatArray,
    start: int,
    stop: int,
    baseline: int | None,
    screen: bool,
    minimum: int,
    bounds: tuple[float, float],
) -> Segment:
    base = x[start : stop if baseline is None else min(stop, start + baseline)]
    mean = float(base.mean())
    if stop - start < minimum:
        return Segment(start, stop, base.size, mean, None, 0, *bounds)
    ranges = np.abs(np.diff(base))
    amr = float(ranges.mean())
    screened = 0
    if screen and amr > 0:  # with AMR 0 every range would be "at the limit"
        kept = ranges[ranges < SCREEN_FACTOR * amr]
        screened = ranges.size - kept.size
        amr = float(kept.mean())
    return Segment(start, stop, base.size, mean, amr, screened, *bounds)


def _tolerance(segment: Segment) -> float:
    return TOLERANCE * (abs(segment.mean) + (segment.average_moving_range or 0.0))


def _per_point(segments: Sequence[Segment], numbers: Sequence[float | None]) -> FloatArray:
    """Spread one number per segment over its points (None becomes NaN)."""
    sizes = [s.stop - s.start for s in segments]
    filled = [np.nan if v is None else v for v in numbers]
    return np.repeat(np.asarray(filled, dtype=np.float64), sizes)


def _assessed(segments: Sequence[Segment]) -> BoolArray:
    return np.repeat([not s.too_few_points for s in segments], [s.stop - s.start for s in segments])


def _side(x: FloatArray, segments: Sequence[Segment]) -> npt.NDArray[np.int8]:
    """1 above the mean, -1 below, 0 on it or in a segment too short to assess."""
    off_mean = x - _per_point(segments, [s.mean for s in segments])
    tolerance = _per_point(segments, [_tolerance(s) for s in segments])
    side = np.where(np.abs(off_mean) <= tolerance, 0, np.sign(off_mean)).astype(np.int8)
    side[~_assessed(segments)] = 0
    return side


def _rules(
    x: FloatArray,
    segments: Sequence[Segment],
    side: npt.NDArray[np.int8],
    breaks: BoolArray,
    length: int,
    count_outside: bool,
) -> tuple[BoolArray, BoolArray]:
    """Each rule's flags above/rising (high) and below/falling (low), RULES order."""
    assessed = _assessed(segments)
    tolerance = _per_point(segments, [_tolerance(s) for s in segments])

    def beyond(factor: float) -> tuple[BoolArray, BoolArray]:
        # The lines as drawn, held within the bounds: a point on a bound is never beyond one.
        upper = _per_point(segments, [s._line(factor) for s in segments])
        lower = _per_point(segments, [s._line(-factor) for s in segments])
        return (x - upper > tolerance) & assessed, (lower - x > tolerance) & assessed

    above, below = beyond(LIMIT_FACTOR)
    near_high, near_low = beyond(TWO_SIGMA_FACTOR)
    if not count_outside:  # MDC v5.0: a point beyond the limits does not count
        near_high, near_low = near_high & ~above, near_low & ~below

    shift = _in_long_run(side, length, breaks)

    rises = np.sign(np.diff(x)).astype(np.int8)
    rises[~(assessed[:-1] & assessed[1:]) | breaks[1:]] = 0  # trends stop at unassessed points
    in_trend = _in_long_run(rises, length - 1, np.zeros(rises.size, dtype=bool))
    trend_up, trend_down = np.zeros((2, x.size), dtype=bool)
    for points in (slice(1, None), slice(None, -1)):  # the points either side of each rise
        trend_up[points] |= in_trend & (rises > 0)
        trend_down[points] |= in_trend & (rises < 0)

    near = near_high | near_low
    windows = np.zeros(max(x.size - 2, 0), dtype=bool)
    if x.size >= 3:
        one_side = (side[:-2] == side[1:-1]) & (side[1:-1] == side[2:]) & (side[:-2] != 0)
        two_near = near[:-2].astype(np.int8) + near[1:-1] + near[2:] >= 2
        windows = one_side & two_near & ~(breaks[1:-1] | breaks[2:])
    in_window = np.zeros(x.size, dtype=bool)
    for offset in range(3):
        in_window[offset : offset + windows.size] |= windows

    high = np.stack([above, shift & (side > 0), trend_up, in_window & near_high])
    low = np.stack([below, shift & (side < 0), trend_down, in_window & near_low])
    return high, low


def _in_long_run(kind: npt.NDArray[np.int8], length: int, breaks: BoolArray) -> BoolArray:
    """Elements in a run of at least LENGTH equal non-zero neighbours, not across a break."""
    if kind.size == 0:
        return np.zeros(0, dtype=bool)
    starts = np.ones(kind.size, dtype=bool)
    starts[1:] = (kind[1:] != kind[:-1]) | breaks[1:]
    run = np.cumsum(starts) - 1
    return np.asarray((np.bincount(run)[run] >= length) & (kind != 0))


def _shown(
    high: BoolArray,
    low: BoolArray,
    precedence: Sequence[Rule] | None,
    improvement: Direction,
    side: npt.NDArray[np.int8],
) -> npt.NDArray[np.int8]:
    """The side each point is coloured for: the first flagging rule in precedence decides."""
    if precedence is None:
        up, down = high.any(axis=0), low.any(axis=0)
    else:
        up, down = np.zeros((2, high.shape[1]), dtype=bool)
        for rule in reversed(precedence):  # the first rule in precedence is applied last
            index = RULES.index(rule)
            flagged = high[index] | low[index]
            up = np.where(flagged, high[index], up)
            down = np.where(flagged, low[index], down)
    shown: npt.NDArray[np.int8] = np.subtract(up, down, dtype=np.int8)
    # A point both high and low (the turn between two trends) is shown as an improvement,
    # as the MDC Excel tool does; with no direction, by its side of the mean.
    both = up & down
    favoured = {"up": 1, "down": -1}.get(improvement)
    shown[both] = favoured if favoured is not None else np.where(side[both] < 0, -1, 1)
    return shown


def _variation(side: int, improvement: Direction) -> Variation:
    if side == 0:
        return "common_cause"
    if improvement == "neither":
        return "neither"
    return "improvement" if (side > 0) == (improvement == "up") else "concern"

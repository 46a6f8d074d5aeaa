"""Compare units on a funnel plot: target, limits at each unit's denominator, and flags."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import numpy as np
from numpy.typing import NDArray

from scrutiny.core.errors import Invalid
from scrutiny.measures.funnel.adjustment import additive_limits, multiplicative_limits
from scrutiny.measures.funnel.arrays import Array, Values
from scrutiny.measures.funnel.dispersion import (
    Dispersion,
    DispersionError,
    Influence,
    Scale,
    estimate_dispersion,
)
from scrutiny.measures.funnel.limits import (
    PROPORTION_METHODS,
    RATIO_METHODS,
    Limits,
    ProportionMethod,
    RatioMethod,
    proportion_limits,
    ratio_limits,
)

# What a funnel compares: a proportion of a whole, or a count as a ratio to its expected.
FunnelKind = Literal["proportion", "ratio"]
Overdispersion = Literal["none", "multiplicative", "additive"]
KINDS: tuple[FunnelKind, ...] = get_args(FunnelKind)
OVERDISPERSION: tuple[str, ...] = ("none", "multiplicative", "additive")
RATIO_SCALES: tuple[str, ...] = ("log", "sqrt")
FLAGS: tuple[str, ...] = ("high_alarm", "high_alert", "within", "low_alert", "low_alarm")
# A limit closer than this to a bound (0 or 1 for a proportion) is at the bound: a value
# there cannot lie beyond it. Far below a funnel's spacing, far above rounding.
BOUND_TOLERANCE = 1e-9


class FunnelError(Invalid, ValueError):
    """The data cannot be put on a funnel plot as asked."""


@dataclass(frozen=True)
class Funnel:
    """Units compared with a target: their values, limits, flags and the over-dispersion."""

    kind: str
    method: str
    overdispersion: str  # what was asked for
    adjusted: bool  # whether the limits were widened: only when phi > 1
    scale: Scale
    target: float
    ids: list[str]
    numerator: Array
    denominator: Array
    value: Array
    limits: Limits  # at each unit's denominator
    flags: list[str]
    dispersion: Dispersion | None  # None when it cannot be estimated and was not asked for

    @property
    def phi(self) -> float | None:
        """The dispersion ratio, if it could be estimated."""
        return self.dispersion.phi if self.dispersion else None

    @property
    def tau2(self) -> float | None:
        """The DerSimonian-Laird between-unit variance, if it could be estimated."""
        return self.dispersion.tau2 if self.dispersion else None

    def limits_at(self, denominator: Values) -> Limits:
        """The same funnel's limits at other denominators, e.g. a grid for drawing it.

        Exact binomial limits need whole-number denominators here too.
        """
        d = np.asarray(denominator, dtype=np.float64)
        return _limits(
            self.kind,
            self.method,
            self.target,
            d,
            self.dispersion,
            self.adjusted,
            self.overdispersion,
            self.scale,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary with one row per unit."""
        limits = self.limits
        rows = [
            {
                "id": unit,
                "value": float(self.value[i]),
                "lower_95": float(limits.lower_95[i]),
                "upper_95": float(limits.upper_95[i]),
                "lower_99_8": float(limits.lower_99_8[i]),
                "upper_99_8": float(limits.upper_99_8[i]),
                "flag": self.flags[i],
            }
            for i, unit in enumerate(self.ids)
        ]
        return {
            "kind": self.kind,
            "method": self.method,
            "overdispersion": self.overdispersion,
            "adjusted": self.adjusted,
            "scale": self.scale,
            "target": self.target,
            "phi": _finite_or_none(self.phi),
            "tau2": _finite_or_none(self.tau2),
            "rows": rows,
        }


def compare(
    numerator: Values,
    denominator: Values,
    *,
    kind: FunnelKind,
    method: str = "exact",
    overdispersion: Overdispersion = "none",
    target: float | None = None,
    scale: Scale | None = None,
    trim: float = 0.1,
    influence: Influence | None = None,
    ids: Sequence[str] | None = None,
) -> Funnel:
    """Put units on a funnel plot: limits at each denominator and a flag for each unit.

    KIND proportion: numerator events out of denominator; target defaults to the pooled
    sum(numerator)/sum(denominator). KIND ratio: observed over expected (target 1), or a
    count over a population with a target rate. Over-dispersion is estimated on SCALE
    (asin for proportions; log as SHMI, or sqrt as CQC, for ratios) and, when asked for,
    widens the limits only if phi > 1. A value strictly outside a limit is outside.
    """
    o, d = _arrays(numerator, denominator, kind)
    if ids is None:
        ids = [str(i + 1) for i in range(o.size)]
    elif len(ids) != o.size:
        raise FunnelError("there must be one id for each unit")
    names = [str(unit) for unit in ids]
    _validate(o, d, kind, names)
    if kind == "proportion":
        if method not in PROPORTION_METHODS:
            raise FunnelError(f"unknown method {method!r} for a proportion: {PROPORTION_METHODS}")
        theta = float(o.sum() / d.sum()) if target is None else float(target)
        if not 0.0 <= theta <= 1.0:
            raise FunnelError("a proportion's target must be between 0 and 1")
        scale = scale or "asin"
        if scale != "asin":
            raise FunnelError("proportions are put on the asin scale for over-dispersion")
    else:
        if method not in RATIO_METHODS:
            raise FunnelError(f"unknown method {method!r} for a ratio: {RATIO_METHODS}")
        theta = 1.0 if target is None else float(target)
        if not (theta > 0.0 and math.isfinite(theta)):
            raise FunnelError("a ratio's target must be above 0")
        scale = scale or "log"
        if scale not in RATIO_SCALES:
            raise FunnelError(f"ratios are put on the log or sqrt scale, not {scale!r}")
    if overdispersion not in OVERDISPERSION:
        raise FunnelError(f"unknown over-dispersion {overdispersion!r}: use {OVERDISPERSION}")
    if not 0.0 <= trim < 0.5:
        raise FunnelError("trim must be at least 0 and less than 0.5")
    try:
        dispersion: Dispersion | None = estimate_dispersion(
            o, d, scale=scale, target=theta, trim=trim, influence=influence
        )
    except DispersionError as error:
        if overdispersion != "none":
            raise FunnelError(str(error)) from error
        dispersion = None  # reported as unknown; nothing depends on it
    except ValueError as error:
        raise FunnelError(str(error)) from error
    adjusted = overdispersion != "none" and dispersion is not None and dispersion.phi > 1.0
    try:
        limits = _limits(kind, method, theta, d, dispersion, adjusted, overdispersion, scale)
    except ValueError as error:
        raise FunnelError(str(error)) from error
    value = o / d
    return Funnel(
        kind=kind,
        method=method,
        overdispersion=overdispersion,
        adjusted=adjusted,
        scale=scale,
        target=theta,
        ids=names,
        numerator=o,
        denominator=d,
        value=value,
        limits=limits,
        flags=classify(value, limits, kind),
        dispersion=dispersion,
    )


def classify(value: Array, limits: Limits, kind: str = "proportion") -> list[str]:
    """Each value's flag: high_alarm, high_alert, within, low_alert or low_alarm.

    Only strictly outside counts: a value on a limit is inside it, and a value at a bound
    of what the KIND of measure can take (0% or 100%, a count of 0) is never outside a
    limit within rounding (BOUND_TOLERANCE) of that bound.
    """
    low, high = bounds(kind)
    at_low = np.abs(value - low) <= BOUND_TOLERANCE
    at_high = np.abs(value - high) <= BOUND_TOLERANCE

    def above(limit: Array) -> NDArray[np.bool_]:
        return np.asarray((value > limit) & ~(at_high & (limit >= high - BOUND_TOLERANCE)))

    def below(limit: Array) -> NDArray[np.bool_]:
        return np.asarray((value < limit) & ~(at_low & (limit <= low + BOUND_TOLERANCE)))

    flags = np.select(
        [
            above(limits.upper_99_8),
            above(limits.upper_95),
            below(limits.lower_99_8),
            below(limits.lower_95),
        ],
        ["high_alarm", "high_alert", "low_alarm", "low_alert"],
        default="within",
    )
    return [str(flag) for flag in flags]


def _limits(
    kind: str,
    method: str,
    target: float,
    d: Array,
    dispersion: Dispersion | None,
    adjusted: bool,
    overdispersion: str,
    scale: str,
) -> Limits:
    """Limits at denominators D: adjusted when ADJUSTED, else the METHOD's own."""
    low, high = bounds(kind)
    if kind == "proportion":
        raw = proportion_limits(target, d, cast(ProportionMethod, method), clip=False)
    else:
        raw = ratio_limits(target, d, cast(RatioMethod, method), clip=False)
    if adjusted and dispersion is not None:
        if overdispersion == "additive":
            widened = additive_limits(target, d, dispersion.tau2, cast(Scale, scale))
        else:
            widened = multiplicative_limits(raw, target, dispersion.phi)
        # Allowing for over-dispersion widens the limits, never narrows them: the additive
        # limits are normal on their scale, which near a bound (a proportion near 0 or 1, a
        # count near 0) can sit inside the limits of chance alone.
        raw = widened.outside(raw)
    return at_bounds(raw.clip(low, high), kind, target, d)


def at_bounds(limits: Limits, kind: str, target: float, d: Array) -> Limits:
    """LIMITS with each one set to its bound wherever a value at that bound is not unusual.

    A proportion of 0 (or 1) is outside a lower (upper) limit only when chance alone at the
    TARGET makes none (all) of the n rarer than the limit's tail, as the exact method has
    it; so is a count of 0 on a ratio. Approximate limits (normal, Wilson, chi-square,
    on-scale over-dispersion) can sit just inside a bound where that chance is large, and
    would otherwise flag a council at 0% or 100% that nothing marks out.
    """
    with np.errstate(divide="ignore"):
        if kind == "proportion":
            none = np.exp(d * np.log1p(-target)) if target < 1.0 else np.zeros(d.shape)
            every = np.exp(d * np.log(target)) if target > 0.0 else np.zeros(d.shape)
        else:
            none, every = np.exp(-target * d), np.zeros(d.shape)
    low, high = bounds(kind)

    def change(limit: Array, p: float) -> Array:
        if p < 0.5:
            return np.where(none >= p, low, limit)
        return np.where(every > 1.0 - p, high, limit)

    return limits.map(change)


def bounds(kind: str) -> tuple[float, float]:
    """The values a KIND of measure can take: [0, 1] for a proportion, [0, inf) for a ratio."""
    return (0.0, 1.0) if kind == "proportion" else (0.0, np.inf)


def _arrays(numerator: Values, denominator: Values, kind: str) -> tuple[Array, Array]:
    if kind not in KINDS:
        raise FunnelError(f"unknown kind {kind!r}: use one of {KINDS}")
    o = np.asarray(numerator, dtype=np.float64).ravel()
    d = np.asarray(denominator, dtype=np.float64).ravel()
    if o.size != d.size:
        raise FunnelError("numerator and denominator must have the same length")
    if o.size == 0:
        raise FunnelError("there are no units to compare")
    return o, d


def _validate(o: Array, d: Array, kind: str, ids: list[str]) -> None:
    checks = [
        (np.isfinite(o) & np.isfinite(d), "missing or infinite numerator or denominator"),
        (d > 0, "zero or negative denominator"),
        (o >= 0, "negative numerator"),
    ]
    if kind == "proportion":
        checks.append((o <= d, "numerator larger than the denominator"))
    for ok, problem in checks:
        if not ok.all():
            bad = [ids[i] for i in np.flatnonzero(~ok)]
            shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            raise FunnelError(f"{problem} for {shown}")


def _finite_or_none(number: float | None) -> float | None:
    return number if number is not None and math.isfinite(number) else None

"""Over-dispersion: z-scores, outlier-influence limiting, phi and tau² (methods note 1.4).

Follows FunnelPlotR's od_adjustment.R step by step:

1. z-scores on a variance-stabilising scale (its transformed_zscore table):
   log (SR, "SHMI"):  z = sqrt(E) log(O/E)
   sqrt (SR, "CQC"):  Y = sqrt(O/E), s = 1/(2 sqrt E), z = (Y - 1)/s
   asin (PR):         Y = asin(sqrt(r/n)), s = 1/(2 sqrt n), z = (Y - asin(sqrt(theta0)))/s
   rc (ratio of counts): Y = log((O+0.5)/(D+0.5)), s = sqrt(O/(O+0.5)^2 + D/(D+0.5)^2),
                      z = (Y - log(theta0))/s
   For a rate with target theta0, E is the expected count theta0 * denominator.
2. Limit the influence of outliers: winsorise z to its trim and 1 - trim quantiles (R's
   type 7, numpy's "linear"), or truncate as NHS Digital's SHMI does (drop the outer
   deciles by rank), which is the default on the log scale.
3. phi = mean of the squared limited z; tau² by DerSimonian and Laird over the kept units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from scrutiny.core.errors import Invalid
from scrutiny.measures.funnel.arrays import Array

Scale = Literal["log", "sqrt", "asin", "rc"]
Influence = Literal["winsorise", "truncate"]
SCALES: tuple[str, ...] = ("log", "sqrt", "asin", "rc")
INFLUENCES: tuple[str, ...] = ("winsorise", "truncate")


class DispersionError(Invalid, ValueError):
    """Over-dispersion cannot be estimated from these data."""


@dataclass(frozen=True)
class Dispersion:
    """The estimate of over-dispersion and how it was reached."""

    scale: str
    influence: str
    trim: float
    z: Array  # z-scores before limiting
    limited_z: Array  # winsorised z, or NaN where truncation dropped the unit
    kept: NDArray[np.bool_]  # units that count towards phi and tau²
    phi: float
    tau2: float

    @property
    def n(self) -> int:
        """How many units phi and tau² were estimated from."""
        return int(self.kept.sum())


def z_scores(
    numerator: Array, denominator: Array, scale: Scale, target: float
) -> tuple[Array, Array]:
    """The z-score and its standard error s of each unit on SCALE, about TARGET."""
    o = np.asarray(numerator, dtype=np.float64)
    d = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore"):
        if scale == "log":
            expected = target * d
            s = 1.0 / np.sqrt(expected)
            z = np.sqrt(expected) * np.log(o / expected)
        elif scale == "sqrt":
            expected = target * d
            s = 1.0 / (2.0 * np.sqrt(expected))
            z = (np.sqrt(o / expected) - 1.0) / s
        elif scale == "asin":
            s = 1.0 / (2.0 * np.sqrt(d))
            z = (np.arcsin(np.sqrt(o / d)) - np.arcsin(np.sqrt(target))) / s
        elif scale == "rc":
            s = np.sqrt(o / (o + 0.5) ** 2 + d / (d + 0.5) ** 2)
            z = (np.log((o + 0.5) / (d + 0.5)) - np.log(target)) / s
        else:
            raise ValueError(f"unknown scale {scale!r}: use one of {SCALES}")
    return np.asarray(z), np.asarray(s)


def winsorise(z: Array, trim: float) -> Array:
    """Z clamped to its TRIM and 1 - TRIM quantiles (R's default type 7)."""
    if not 0.0 <= trim < 0.5:
        raise ValueError("trim must be at least 0 and less than 0.5")
    low, high = np.quantile(z, [trim, 1.0 - trim], method="linear")
    return np.clip(z, low, high)


def truncate(z: Array, trim: float) -> NDArray[np.bool_]:
    """Which units NHS Digital's SHMI truncation keeps: all but the outer TRIM by rank.

    With k = 1/trim groups, unit i falls in group floor(rank_i * k / (n + 1)) (ties take
    their average rank); groups 0 and k - 1 and above are dropped.
    """
    if not 0.0 < trim < 0.5:
        raise ValueError("truncation needs a trim above 0 and below 0.5")
    k = 1.0 / trim
    group = np.floor(stats.rankdata(z, method="average") * k / (z.size + 1))
    return np.asarray((group > 0) & (group < k - 1))


def dispersion_ratio(limited_z: Array) -> float:
    """phi, the mean squared z-score: above 1 means more spread than chance allows."""
    return float(np.mean(np.square(limited_z)))


def tau_squared(phi: float, s: Array) -> float:
    """The DerSimonian-Laird between-unit variance from PHI and the kept units' errors S."""
    n = s.size
    if n == 0 or n * phi < n - 1:
        return 0.0
    w = 1.0 / np.square(s)
    return max(0.0, float((n * phi - (n - 1)) / (w.sum() - np.square(w).sum() / w.sum())))


def estimate_dispersion(
    numerator: Array,
    denominator: Array,
    *,
    scale: Scale,
    target: float,
    trim: float = 0.1,
    influence: Influence | None = None,
) -> Dispersion:
    """phi and tau² for these units, winsorising by default (truncating on the log scale)."""
    if influence is None:
        influence = "truncate" if scale == "log" else "winsorise"
    z, s = z_scores(numerator, denominator, scale, target)
    if influence == "winsorise":
        kept = np.ones(z.shape, dtype=bool)
    elif influence == "truncate":
        kept = truncate(z, trim)
    else:
        raise ValueError(f"unknown influence limiting {influence!r}: use one of {INFLUENCES}")
    if not np.all(np.isfinite(z[kept])):
        raise DispersionError(
            f"a z-score on the {scale} scale is infinite (a count of zero?); "
            "use the sqrt scale or remove the unit"
        )
    if kept.sum() < 2:
        raise DispersionError("over-dispersion needs at least two units to estimate")
    limited = winsorise(z, trim) if influence == "winsorise" else np.where(kept, z, np.nan)
    phi = dispersion_ratio(limited[kept])
    tau2 = tau_squared(phi, s[kept])
    return Dispersion(scale, influence, trim, z, limited, kept, phi, tau2)

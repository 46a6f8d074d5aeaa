"""Funnel limits widened for over-dispersion (methods note 1.4).

Multiplicative (Spiegelhalter): inflate each limit's distance from the target by sqrt(phi),
theta0 + sqrt(phi) (limit - theta0), which for normal limits is theta0 +/- z sqrt(phi) SE.

Additive random effects (DerSimonian-Laird, FunnelPlotR's default): limits at
target +/- z sqrt(s² + tau²) on the z-score scale, then back-transformed as FunnelPlotR does,
quirks included so results match it:
  log:  theta0 exp(+/- z sqrt(1/E + tau²))
  sqrt: theta0 (1 +/- z sqrt(s² + tau²)), not squared back to the ratio scale
  asin: sin²(asin(sqrt(theta0)) +/- z sqrt(s² + tau²)), the angle held in [0, pi/2]
  rc:   exp(log(theta0) +/- z sqrt(s² + tau²)) with s = 1/(2 sqrt n), not the z-score's SE
"""

from __future__ import annotations

import numpy as np
from scipy import special

from scrutiny.measures.funnel.arrays import Array
from scrutiny.measures.funnel.dispersion import SCALES, Scale
from scrutiny.measures.funnel.limits import Limits, limits_from


def multiplicative_limits(raw: Limits, target: float, phi: float) -> Limits:
    """RAW (unclipped) limits moved sqrt(PHI) times further from TARGET."""
    inflate = np.sqrt(phi)
    return raw.map(lambda limit, _: target + inflate * (limit - target))


def additive_limits(target: float, denominator: Array, tau2: float, scale: Scale) -> Limits:
    """Random-effects limits with between-unit variance TAU2 on SCALE, back-transformed."""
    d = np.asarray(denominator, dtype=np.float64)
    if scale == "log":
        spread = np.sqrt(1.0 / (target * d) + tau2)
        return limits_from(lambda p: target * np.exp(_z(p) * spread))
    if scale == "sqrt":
        spread = np.sqrt(1.0 / (4.0 * target * d) + tau2)
        return limits_from(lambda p: target * (1.0 + _z(p) * spread))
    if scale == "asin":
        spread = np.sqrt(1.0 / (4.0 * d) + tau2)
        centre = np.arcsin(np.sqrt(target))
        # Past 0 or pi/2 the angle would fold back and the limit turn round; FunnelPlotR
        # sets those non-monotone stretches to 0 or 1, which holding the angle does too.
        return limits_from(lambda p: np.sin(np.clip(centre + _z(p) * spread, 0.0, np.pi / 2)) ** 2)
    if scale == "rc":
        spread = np.sqrt(1.0 / (4.0 * d) + tau2)
        return limits_from(lambda p: np.exp(np.log(target) + _z(p) * spread))
    raise ValueError(f"unknown scale {scale!r}: use one of {SCALES}")


def _z(p: float) -> float:
    return float(special.ndtri(p))

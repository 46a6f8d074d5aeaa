"""A synthetic national demo dataset: complaints, Ombudsman decisions and recommendations.

Every current English council, five financial years (2020-21 to 2024-25), written as the
standard's CSV files so they pass `scrutiny validate` and load with `scrutiny import`,
plus ground_truth.csv: which councils were given a scenario (timeliness collapse, uphold
rate rising, volumes falling, compliance failing, hollowing out, recovery), how large
(small, medium, large) and from which day. The same seed always gives byte-identical files.

    generate_dataset(Path("build/demo/synth"), seed=2025, scale=1.0)

May import what scrutiny.demo may; in practice core, reference and standard, as it writes
files rather than rows (docs/architecture.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from scrutiny.core.log import timed
from scrutiny.demo.synth.complaints import generate_complaints
from scrutiny.demo.synth.councils import build_councils
from scrutiny.demo.synth.effects import build_effects
from scrutiny.demo.synth.ombudsman import generate_decisions
from scrutiny.demo.synth.recommendations import generate_recommendations
from scrutiny.demo.synth.timeline import AS_OF, FIRST_DAY, LAST_DAY, build_timeline
from scrutiny.standard import load_standard

logger = logging.getLogger(__name__)

__all__ = ["AS_OF", "DEFAULT_SEED", "FIRST_DAY", "LAST_DAY", "SynthDataset", "generate_dataset"]

DEFAULT_SEED = 2025
GROUND_TRUTH = "ground_truth.csv"
STEPS = (
    "choosing councils and scenarios",
    "generating complaints",
    "generating Ombudsman decisions",
    "generating recommendations",
    "writing complaints.csv",
    "writing ombudsman_decisions.csv",
    "writing recommendations.csv",
    f"writing {GROUND_TRUTH}",
)

Progress = Callable[[str, int, int], None]  # (what is happening, steps done, steps in all)


@dataclass
class SynthDataset:
    """What generate_dataset wrote: each file with its row count, and how long it took."""

    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _standard_order(table_name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """FRAME's columns in the order the standard declares them."""
    return frame.select(field.name for field in load_standard().table(table_name).fields)


def generate_dataset(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    councils: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> SynthDataset:
    """Write the demo dataset into OUT_DIR (created if missing); returns what was written.

    SCALE multiplies every volume (1.0 is about 2.5 million complaint rows); COUNCILS
    limits the data to those GSS codes (default: all current councils).
    """
    with timed(logger, "synth", seed=seed, scale=scale) as end:
        result = _generate(out_dir, seed=seed, scale=scale, councils=councils, progress=progress)
        end["rows"] = sum(result.rows.values())
        return result


def _generate(
    out_dir: Path,
    *,
    seed: int,
    scale: float,
    councils: Sequence[str] | None,
    progress: Progress | None,
) -> SynthDataset:
    if not scale > 0:
        raise ValueError(f"scale must be above zero, not {scale}")
    started = time.perf_counter()
    step = 0

    def advance() -> None:
        nonlocal step
        if progress:
            progress(STEPS[min(step, len(STEPS) - 1)], step, len(STEPS))
        step += 1

    # Independent streams, so councils and scenarios do not change with the scale.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    advance()
    timeline = build_timeline()
    nation = build_councils(streams[0], councils)
    effects = build_effects(streams[1], nation, timeline)
    advance()
    complaints = generate_complaints(streams[2], nation, timeline, effects, scale)
    advance()
    decisions = generate_decisions(streams[3], nation, timeline, effects, scale)
    advance()
    recommendations = generate_recommendations(streams[4], decisions, nation, effects)

    out_dir.mkdir(parents=True, exist_ok=True)
    result = SynthDataset()
    tables = {
        "complaints": complaints,
        "ombudsman_decisions": decisions.frame,
        "recommendations": recommendations,
    }
    for name, frame in tables.items():
        advance()
        path = out_dir / f"{name}.csv"
        _standard_order(name, frame).write_csv(path)
        result.files[name], result.rows[name] = path, frame.height
    advance()
    path = out_dir / GROUND_TRUTH
    effects.truth.write_csv(path)
    result.files["ground_truth"], result.rows["ground_truth"] = path, effects.truth.height
    if progress:
        progress("done", len(STEPS), len(STEPS))
    result.seconds = time.perf_counter() - started
    return result

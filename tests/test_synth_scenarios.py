"""The synthetic nation's planted scenarios: any onset day, small to large effects, and each
kind's failure visible in the files it writes (measured from them, as an analyst would)."""

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scrutiny.demo.synth import LAST_DAY, generate_dataset
from scrutiny.demo.synth.councils import build_councils
from scrutiny.demo.synth.effects import OMBUDSMAN_LAG, PLANT, build_effects
from scrutiny.demo.synth.ombudsman import PUBLIC_INTEREST, generate_decisions
from scrutiny.demo.synth.scenarios import (
    DESCRIPTIONS,
    FAILING,
    FIRST_ONSET,
    KINDS,
    LAST_ONSET,
    RECOVERY,
    SIZES,
)
from scrutiny.demo.synth.timeline import build_timeline, quarter_start
from scrutiny.reference.authorities import load_authorities
from scrutiny.reference.calendar import offset_working_days
from scrutiny.standard import load_standard, polars_schema

SEED = 7
# From onset until a scenario has reached its full size: the slowest ramp (a small one)
# takes a year; the Ombudsman's part comes after its lag.
SETTLED = timedelta(days=365)


@pytest.fixture(scope="module")
def nation(tmp_path_factory) -> Path:
    """Every current council at 10% of the default volumes (about 250,000 complaint rows)."""
    out = tmp_path_factory.mktemp("nation")
    generate_dataset(out, seed=SEED, scale=0.1)
    return out


def truth_of(directory: Path) -> pl.DataFrame:
    return pl.read_csv(directory / "ground_truth.csv", try_parse_dates=True)


def complaints_of(directory: Path) -> pl.DataFrame:
    schema = polars_schema(load_standard().table("complaints"))
    return pl.read_csv(directory / "complaints.csv", schema=schema)


def stage_one_answers(complaints: pl.DataFrame) -> pl.DataFrame:
    """Stage 1 complaints answered under the Code, each marked on time or not: answered by
    the tenth working day after acknowledgement, plus any extension."""
    answered = complaints.filter(
        pl.col("stage") == 1,
        pl.col("responded_date").is_not_null(),
        pl.col("process").is_null(),
    )
    acknowledged = answered["acknowledged_date"].to_numpy().astype("datetime64[D]")
    allowed = 10 + answered["extension_working_days"].fill_null(0).to_numpy()
    deadline = pl.Series(offset_working_days(acknowledged, allowed)).cast(pl.Date)
    return answered.with_columns(on_time=pl.col("responded_date") <= deadline)


def test_ground_truth_lists_about_a_tenth_of_councils_with_a_kind_an_effect_and_an_onset(nation):
    truth = truth_of(nation)
    councils = load_authorities().filter("current").height
    assert truth.columns == [
        "authority_code",
        "scenario",
        "effect",
        "onset_date",
        "end_date",
        "description",
    ]
    assert 0.08 <= truth.height / councils <= 0.12
    assert truth.get_column("authority_code").is_unique().all()
    assert set(truth.get_column("scenario")) == set(KINDS)
    assert set(truth.get_column("effect")) == set(SIZES)
    # At least two quarters of data before every onset and after it.
    assert truth.get_column("onset_date").min() >= quarter_start(FIRST_ONSET)
    assert truth.get_column("onset_date").max() < quarter_start(LAST_ONSET + 1)
    recovering = truth.filter(pl.col("scenario") == RECOVERY)
    assert (recovering.get_column("end_date") > recovering.get_column("onset_date")).all()
    assert (recovering.get_column("end_date") <= LAST_DAY).all()
    assert truth.filter(pl.col("scenario") != RECOVERY).get_column("end_date").null_count() == (
        truth.height - recovering.height
    )
    # Onsets are spread over the years, not bunched.
    assert truth.get_column("onset_date").dt.year().n_unique() >= 4
    # Every description gives the figures: no placeholder is left unfilled.
    assert not truth.get_column("description").str.contains("{", literal=True).any()


def test_onsets_fall_on_any_day_of_a_quarter_not_only_its_first(nation):
    onsets = truth_of(nation).get_column("onset_date")
    quarter_starts = onsets.filter(
        (onsets.dt.day() == 1) & onsets.dt.month().is_in([1, 4, 7, 10])
    ).len()
    assert quarter_starts <= 2  # by chance, about one in ninety
    assert onsets.dt.day().n_unique() >= 15
    # Recoveries end on any day too.
    ends = truth_of(nation).get_column("end_date").drop_nulls()
    assert (ends.dt.day() != 1).any()


def test_every_kind_is_dealt_small_medium_and_large_effects_evenly(nation):
    truth = truth_of(nation)
    for (kind,), group in truth.partition_by("scenario", as_dict=True).items():
        counts = group.get_column("effect").value_counts()
        assert set(counts.get_column("effect")) == set(SIZES), kind
        assert counts.get_column("count").max() - counts.get_column("count").min() <= 1, kind
    # Kinds come in equal numbers, give or take one, and compliance failures come from
    # the larger councils, where Ombudsman recommendations are frequent enough to see.
    per_kind = truth.get_column("scenario").value_counts().get_column("count")
    assert per_kind.max() - per_kind.min() <= 1
    population = (
        load_authorities()
        .filter("current")
        .select(pl.col("gss_code").alias("authority_code"), "population_2021")
    )
    sized = truth.join(population, on="authority_code")
    median = population.get_column("population_2021").median()
    compliance = sized.filter(pl.col("scenario") == "compliance_failing")
    assert (compliance.get_column("population_2021") >= median).all()


def test_every_kind_has_a_planting_and_a_description_and_only_recovery_is_not_failing():
    assert set(PLANT) == set(DESCRIPTIONS) == set(KINDS)
    assert set(KINDS) - set(FAILING) == {RECOVERY}
    assert "hollowing_out" in FAILING


def test_the_scale_does_not_change_which_councils_onsets_or_effects_are_chosen(nation, tmp_path):
    generate_dataset(tmp_path, seed=SEED, scale=0.01)
    assert (tmp_path / "ground_truth.csv").read_bytes() == (
        nation / "ground_truth.csv"
    ).read_bytes()


def test_a_small_timeliness_collapse_moves_on_time_far_less_than_a_large_one(nation):
    answers = stage_one_answers(complaints_of(nation))
    collapses = truth_of(nation).filter(pl.col("scenario") == "timeliness_collapse")
    drops: dict[str, list[float]] = {size: [] for size in SIZES}
    for code, effect, onset in collapses.select("authority_code", "effect", "onset_date").rows():
        own = answers.filter(pl.col("authority_code") == code)
        before = own.filter(pl.col("received_date") < onset)
        after = own.filter(pl.col("received_date") >= onset + SETTLED)
        if after.height >= 30:  # onsets late in the data leave too little after them
            on_time = [frame["on_time"].to_numpy().mean() for frame in (before, after)]
            drops[effect].append(on_time[0] - on_time[1])
    assert drops["small"] and drops["large"], drops
    # Small: about ten points; large: about fifty. Each council also drifts on its own.
    assert max(drops["small"]) < 0.25, drops
    assert min(drops["large"]) > 0.3, drops
    assert np.mean(drops["small"]) < 0.5 * np.mean(drops["large"]), drops


def _per_day(frame: pl.DataFrame, first: date, last: date) -> float:
    """Stage 1 complaints received from FIRST up to (not including) LAST, per day."""
    received = frame.filter(pl.col("received_date") >= first, pl.col("received_date") < last)
    return received.height / (last - first).days


def _volume_ratios(nation: Path, kind: str) -> dict[str, list[float]]:
    """For each council of KIND, complaints per day after the scenario settled against before
    onset, divided by the same ratio at councils with no scenario (which grow every year)."""
    truth = truth_of(nation)
    complaints = complaints_of(nation).filter(pl.col("stage") == 1)
    healthy = complaints.filter(~pl.col("authority_code").is_in(truth["authority_code"].to_list()))
    first, end = date(2020, 7, 1), LAST_DAY + timedelta(days=1)  # after the first lockdown
    ratios: dict[str, list[float]] = {size: [] for size in SIZES}
    chosen = truth.filter(pl.col("scenario") == kind)
    for code, effect, onset in chosen.select("authority_code", "effect", "onset_date").rows():
        settled = onset + SETTLED
        if settled > LAST_DAY - timedelta(days=90) or onset < first + timedelta(days=90):
            continue
        own = complaints.filter(pl.col("authority_code") == code)
        ratio = _per_day(own, settled, end) / _per_day(own, first, onset)
        ratios[effect].append(
            ratio / (_per_day(healthy, settled, end) / _per_day(healthy, first, onset))
        )
    return ratios


def test_councils_with_falling_volumes_receive_fewer_complaints_after_onset(nation):
    ratios = _volume_ratios(nation, "volume_falling")
    assert ratios["large"] or ratios["medium"], ratios
    # Large: to about 35% of before; medium: about 64%; small: about 87%.
    assert all(r < 0.55 for r in ratios["large"]), ratios
    assert all(r < 0.85 for r in ratios["medium"]), ratios
    # A small fall is within one council's chance variation at this scale.


def test_hollowing_out_councils_receive_fewer_complaints_and_escalate_more_after_onset(nation):
    ratios = _volume_ratios(nation, "hollowing_out")
    everyone = [r for size in SIZES for r in ratios[size]]
    assert len(everyone) >= 2, ratios
    # To about 62% of before when large, 79% when medium, 93% when small.
    assert np.mean(everyone) < 0.9, ratios
    assert all(r < 0.85 for r in ratios["large"]), ratios

    truth = truth_of(nation).filter(pl.col("scenario") == "hollowing_out")
    complaints = complaints_of(nation)
    # Stage 1 complaints by when they arrived, each with whether it went on to stage 2;
    # those arriving in the last quarter have had too little time to escalate.
    escalated = complaints.filter(pl.col("stage") == 2).select(
        "authority_code", "complaint_ref", escalated=pl.lit(True)
    )
    before = pl.col("received_date") < pl.col("onset_date")
    after = pl.col("received_date") >= pl.col("onset_date") + SETTLED
    shares = (
        complaints.filter(pl.col("stage") == 1, pl.col("received_date") <= date(2024, 12, 31))
        .join(escalated, on=["authority_code", "complaint_ref"], how="left")
        .with_columns(pl.col("escalated").fill_null(False))
        .join(truth.select("authority_code", "effect", "onset_date"), on="authority_code")
        .group_by("authority_code", "effect")
        .agg(
            before=pl.col("escalated").filter(before).mean(),
            after=pl.col("escalated").filter(after).mean(),
            settled=after.sum(),
        )
        .filter(pl.col("settled") >= 20)
        .with_columns(rise=pl.col("after") - pl.col("before"))
    )
    # Each council against its own record (escalation differs between councils), weighted
    # by how many complaints it had once the scenario settled. Large: from about 15% to
    # about 31%; medium: to about 23%; small: to about 17%.
    assert shares.height >= 2, shares

    def weighted_rise(frame: pl.DataFrame) -> float:
        return float((frame["rise"] * frame["settled"]).sum() / frame["settled"].sum())

    assert weighted_rise(shares) > 0.03, shares
    assert weighted_rise(shares.filter(pl.col("effect") != "small")) > 0.05, shares


def test_public_interest_reports_are_likelier_after_onset_at_failing_councils():
    # Public interest reports are rare (0.8% of upheld, unremedied decisions), so this
    # makes Ombudsman decisions alone, at ten times the national volume.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(SEED).spawn(5)]
    timeline = build_timeline()
    councils = build_councils(streams[0])
    effects = build_effects(streams[1], councils, timeline)
    decisions = generate_decisions(streams[3], councils, timeline, effects, 10.0)
    lag = timedelta(days=OMBUDSMAN_LAG + 60)
    candidates = (
        decisions.frame.filter(pl.col("fault_found"), ~pl.col("satisfactory_remedy_by_authority"))
        .join(effects.truth, on="authority_code", how="left")
        .with_columns(
            failing_now=pl.col("scenario").is_in(FAILING)
            & (pl.col("decision_date") >= pl.col("onset_date") + lag)
        )
    )
    healthy = candidates.filter(pl.col("scenario").is_null())["public_interest_report"]
    failing = candidates.filter("failing_now")
    # Healthy councils keep the national rate; failing ones draw reports after onset,
    # most where the failure is large.
    assert abs(healthy.mean() - PUBLIC_INTEREST) < 0.0015
    assert failing["public_interest_report"].mean() > 2 * healthy.mean()
    by_effect = dict(failing.group_by("effect").agg(pl.col("public_interest_report").mean()).rows())
    assert by_effect["large"] > 1.5 * by_effect["small"], by_effect


def test_nothing_in_scrutiny_but_the_evaluation_reads_the_ground_truth():
    # The synthetic nation writes it, the demo builder and the CLI pass its path on, and
    # only scrutiny.warning.evaluation opens it; no module outside the synthetic nation
    # sees the scenarios or their effects.
    package = Path(__file__).resolve().parent.parent / "src" / "scrutiny"
    naming = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "ground_truth" in path.read_text(encoding="utf-8").lower()
    }
    assert naming == {
        "demo/synth/__init__.py",
        "demo/build.py",
        "cli/data.py",
        "warning/evaluation.py",
    }
    outside = [
        path
        for path in package.rglob("*.py")
        if "demo/synth" not in str(path.relative_to(package))
        and any(
            f"scrutiny.demo.synth.{module}" in path.read_text(encoding="utf-8")
            for module in ("scenarios", "effects")
        )
    ]
    assert outside == []

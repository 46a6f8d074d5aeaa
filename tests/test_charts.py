"""Charts: each builds from the library's figures, validates as Vega-Lite, carries its data
and draws as SVG; and the figures behind them (funnel plots, SPC series, headlines)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from scrutiny.core.periods import period_label
from scrutiny.measures.benchmarking import council_benchmark
from scrutiny.measures.council_figures import spc_series
from scrutiny.measures.funnel_plot import funnel_plot
from scrutiny.measures.headlines import distribution, national_headlines, periods_with_data
from scrutiny.measures.words import VARIATIONS
from scrutiny.publish import charts
from scrutiny.reference.authorities import load_authorities
from scrutiny.reference.peers import peer_group

YEAR = date(2024, 4, 1)


def unitary_codes(n: int) -> list[str]:
    councils = load_authorities().filter(pl.col("current") & (pl.col("type") == "unitary"))
    return councils.get_column("gss_code").head(n).to_list()


def make_rows(
    codes: list[str], start: date = YEAR, indicator: str = "stage1_on_time"
) -> pl.DataFrame:
    """An indicator frame: council i answered 40 + 10i complaints, about 70% in time, and
    the last council far fewer in time (an outlier)."""
    denominators = [40.0 + 10 * i for i in range(len(codes))]
    numerators = [round(d * 0.7) for d in denominators]
    numerators[-1] = round(denominators[-1] * 0.2)
    return pl.DataFrame(
        {
            "authority_code": codes,
            "indicator": indicator,
            "period_start": start,
            "period_end": date(start.year + 1, 3, 31),
            "numerator": [float(n) for n in numerators],
            "denominator": denominators,
            "value": [100 * n / d for n, d in zip(numerators, denominators, strict=True)],
        }
    )


def test_funnel_plot_puts_every_council_on_the_funnel_with_limits_around_the_target():
    codes = unitary_codes(30)
    plot = funnel_plot(make_rows(codes), "stage1_on_time", YEAR)
    assert plot is not None
    assert plot.points.height == 30
    pooled = 100 * plot.points["numerator"].sum() / plot.points["denominator"].sum()
    assert plot.target == pytest.approx(pooled)
    curve = plot.curve
    assert (curve["lower_99_8"] <= curve["lower_95"]).all()
    assert (curve["lower_95"] <= plot.target).all() and (curve["upper_95"] >= plot.target).all()
    assert (curve["upper_95"] <= curve["upper_99_8"]).all()
    outlier = plot.points.filter(pl.col("code") == codes[-1]).row(0, named=True)
    assert outlier["flag"] == "low_alarm"
    assert outlier["position"] == "well below the range expected (unfavourable)"


def test_funnel_chart_carries_every_council_the_limits_and_the_highlight_and_draws_as_svg():
    codes = unitary_codes(30)
    plot = funnel_plot(make_rows(codes), "stage1_on_time", YEAR)
    assert plot is not None
    chart = charts.funnel_chart(
        plot.points,
        plot.curve,
        target=plot.target,
        value_title="Percent",
        denominator_title="Stage 1 complaints responded",
        highlight=codes[0],
    )
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    data = spec["datasets"]
    assert {r["code"] for r in data["councils"]} | {r["code"] for r in data["chosen"]} == set(codes)
    assert [r["code"] for r in data["chosen"]] == [codes[0]]
    assert {r["limit"] for r in data["limits"]} == {
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
    }
    assert data["target"] == [{"target": plot.target}]
    svg = charts.to_svg(chart)
    assert svg.startswith("<svg") and "</svg>" in svg


def test_funnel_plot_of_a_council_uses_its_peer_group_and_agrees_with_its_benchmark(demo_url):
    from scrutiny.measures.indicators import compute_indicators
    from scrutiny.store.db import make_engine

    engine = make_engine(demo_url)
    rows = compute_indicators(engine, "financial_year")
    start = periods_with_data(rows)[0]
    code = "E06000047"
    plot = funnel_plot(rows, "stage1_on_time", start, highlight=code, peers="type")
    benchmark = council_benchmark(engine, code, period_label(start, "financial_year"))
    engine.dispose()
    assert plot is not None
    mine = plot.points.filter(pl.col("code") == code).row(0, named=True)
    expected = benchmark.filter(pl.col("indicator") == "stage1_on_time").row(0, named=True)
    assert mine["value"] == pytest.approx(expected["value"])
    assert mine["flag"] == expected["flag"]
    assert mine["upper_99_8"] == pytest.approx(expected["upper_99_8"])
    group = peer_group(code, "type")
    assert set(plot.points["code"]) <= {code, *group.codes}
    assert plot.points.height > expected["peers"] / 2


def test_a_median_indicator_has_no_funnel_plot():
    rows = make_rows(unitary_codes(10), indicator="stage1_median_days")
    assert funnel_plot(rows, "stage1_median_days", YEAR) is None


def quarters(values: list[float], code: str = "E06000047") -> pl.DataFrame:
    starts = pl.date_range(date(2020, 4, 1), date(2030, 1, 1), "3mo", eager=True)[: len(values)]
    return pl.DataFrame(
        {
            "authority_code": code,
            "indicator": "stage1_on_time",
            "period_start": starts,
            "period_end": starts,
            "numerator": values,
            "denominator": 100.0,
            "value": values,
        }
    ).vstack(
        # Complaints received each quarter, which say the quarter has data.
        pl.DataFrame(
            {
                "authority_code": code,
                "indicator": "stage1_per_10k",
                "period_start": starts,
                "period_end": starts,
                "numerator": 5.0,
                "denominator": 1000.0,
                "value": 50.0,
            }
        )
    )


def test_spc_series_has_the_mean_limits_and_marks_a_special_cause():
    values = [70.0, 72, 69, 71, 70, 73, 68, 70, 71, 69, 72, 70, 71, 70, 30]
    series = spc_series(quarters(values), "E06000047", "stage1_on_time")
    assert series.height == len(values)
    assert series["period"][0] == "2020-21 Q1"
    assert series["mean"][0] == pytest.approx(sum(values) / len(values))
    assert series["upper_limit"][0] > series["mean"][0] > series["lower_limit"][0]
    last = series.row(-1, named=True)
    assert last["variation"] == "concern"  # lower is worse for answers on time
    assert "outside the process limits" in last["special_causes"]
    alt = charts.spc_alt(series, "Answered on time", "percent", "Durham")
    assert alt.startswith("SPC chart of Durham's answered on time for 15 quarters from 2020-21 Q1")
    assert f"process limits {charts.figure(last['lower_limit'], 'percent')} to " in alt
    special = series.filter(pl.col("variation") != "common_cause").height
    assert f"{special} quarters show an unusual change" in alt
    assert alt.endswith(f"at 30.0%, is {VARIATIONS['concern']}.")
    chart = charts.spc_chart(series, value_title="Percent")
    spec = chart.to_dict()
    assert len(spec["datasets"]["series"]) == len(values)
    assert charts.to_svg(chart).startswith("<svg")


def test_spc_series_with_too_few_quarters_has_no_limits():
    series = spc_series(quarters([50.0, 60, 55, 58]), "E06000047", "stage1_on_time")
    assert series["upper_limit"].is_null().all()
    assert set(series["variation"]) == {"common_cause"}
    alt = charts.spc_alt(series, "Answered on time", "percent", "Durham")
    assert "too few quarters for process limits (13 are needed)" in alt
    assert charts.to_svg(charts.spc_chart(series, value_title="Percent")).startswith("<svg")


def test_trend_chart_draws_one_line_per_series():
    series = pl.DataFrame(
        {
            "period_start": [date(2022, 4, 1), date(2023, 4, 1)] * 2,
            "period": ["2022-23", "2023-24"] * 2,
            "series": ["Durham", "Durham", "Peers' median", "Peers' median"],
            "value": [60.0, 65.0, 70.0, 71.0],
        }
    )
    chart = charts.trend_chart(series, value_title="Percent")
    spec = chart.to_dict()
    assert len(spec["datasets"]["series"]) == 4
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Durham", "Peers' median"]
    assert charts.to_svg(chart).startswith("<svg")


def test_distribution_chart_has_every_council_the_median_and_the_highlight():
    codes = unitary_codes(30)
    values = distribution(make_rows(codes), "stage1_on_time", YEAR)
    assert values.height == 30
    chart = charts.distribution_chart(values, value_title="Percent", highlight=codes[3])
    spec = chart.to_dict()
    assert len(spec["datasets"]["councils"]) == 30
    assert spec["datasets"]["median"][0]["value"] == pytest.approx(values["value"].median())
    assert spec["datasets"]["chosen"][0]["code"] == codes[3]
    assert charts.to_svg(spec).startswith("<svg")


def test_a_histogram_drawn_from_the_values_alone_is_the_one_drawn_with_every_councils_name():
    codes = unitary_codes(30)
    values = distribution(make_rows(codes), "stage1_on_time", YEAR)
    spec = charts.to_spec(charts.distribution_chart(values, value_title="Percent"))
    assert spec["datasets"]["councils"] == [{"value": v} for v in values["value"]]
    named = {**spec, "datasets": {**spec["datasets"], "councils": values.to_dicts()}}
    assert charts.to_svg(spec) == charts.to_svg(named)


def test_the_converter_is_started_once_a_process_and_draws_after_it():
    started = charts.warm_up()
    assert charts.warm_up() is started
    started.join()
    assert not started.is_alive()
    series = spc_series(quarters([50.0, 60, 55, 58]), "E06000047", "stage1_on_time")
    assert charts.to_svg(charts.spc_chart(series, value_title="Percent")).startswith("<svg")


def test_a_chart_drawn_again_is_not_drawn_twice_and_a_changed_one_is():
    codes = unitary_codes(30)
    values = distribution(make_rows(codes), "stage1_on_time", YEAR)
    spec = charts.to_spec(charts.distribution_chart(values, value_title="Percent"))
    first = charts.to_svg(spec)
    drawn = charts._drawn.cache_info()
    assert charts.to_svg(charts.distribution_chart(values, value_title="Percent")) == first
    assert charts._drawn.cache_info().hits == drawn.hits + 1
    changed = charts.to_svg(charts.distribution_chart(values, value_title="Share"))
    assert charts._drawn.cache_info().misses == drawn.misses + 1
    assert "Share" in changed and "Share" not in first


def test_national_headlines_pool_the_counts_of_every_council():
    codes = unitary_codes(30)
    rows = make_rows(codes)
    headline = national_headlines(rows, YEAR).filter(pl.col("indicator") == "stage1_on_time")
    row = headline.row(0, named=True)
    assert row["councils"] == 30
    assert row["value"] == pytest.approx(100 * rows["numerator"].sum() / rows["denominator"].sum())
    assert row["median"] == pytest.approx(rows["value"].median())

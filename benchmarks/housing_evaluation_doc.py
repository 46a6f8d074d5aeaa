"""The tables and prose of docs/early-warning-real-data.md, for
benchmarks/housing_evaluation.py, which works out the figures and writes the document."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import polars as pl

from scrutiny.core.periods import financial_year_label
from scrutiny.warning import housing_evaluation as evaluation
from scrutiny.warning import tsm_evaluation as tsm

LABELS = {r.name: r.label for r in tsm.HISTORY + tsm.RATES + tsm.TSM}


def figure(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def signed(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:+.3f}"


def share(value: float, places: int) -> str:
    """A precision with Wilson's 95% interval."""
    low, high = evaluation.wilson_interval(value * places, places)
    return f"{figure(value)} ({figure(low)}–{figure(high)})"


def year_table(results: list[evaluation.YearResult]) -> str:
    lines = [
        "| Year | Ranking | Landlords | With a severe finding | Base rate "
        "| Precision@10 (95% interval) | Precision@20 (95% interval) | AUC ± s.e. |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {LABELS[r.ranking]} | {r.landlords} | {r.positives} "
            f"| {figure(r.base_rate)} | {share(r.precision_10, min(10, r.landlords))} "
            f"| {share(r.precision_20, min(20, r.landlords))} "
            f"| {figure(r.auc, 3)} ± {figure(r.auc_se, 3)} |"
        )
    return "\n".join(lines)


def pooled_table(summary: list[tsm.Pooled]) -> str:
    def interval(i: tsm.Interval, digits: int = 2) -> str:
        return f"{figure(i.estimate, digits)} ({figure(i.low, digits)}–{figure(i.high, digits)})"

    def difference(p: tsm.Pooled, baseline: str) -> str:
        if baseline not in p.differences:
            return "·"
        d = p.differences[baseline]
        return f"{signed(d.estimate)} ({signed(d.low)} to {signed(d.high)})"

    lines = [
        "| Ranking | Precision@10 | Precision@20 | AUC | AUC minus naive "
        "| AUC minus volume | AUC minus homes owned |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in summary:
        lines.append(
            f"| {LABELS[p.ranking]} | {interval(p.precision_10)} | {interval(p.precision_20)} "
            f"| {interval(p.auc, 3)} | {difference(p, 'naive')} | {difference(p, 'volume')} "
            f"| {difference(p, 'homes_owned')} |"
        )
    return "\n".join(lines)


@dataclass
class Part:
    """One evaluation: its years, its per-year and pooled tables, and its figures."""

    years: list[int]
    evaluated: tsm.Evaluation
    summary: dict[str, tsm.Pooled]

    @property
    def landlords(self) -> int:
        return next(iter(self.summary.values())).landlords

    @property
    def positives(self) -> int:
        return next(iter(self.summary.values())).positives

    def tables(self) -> str:
        pooled = pooled_table(list(self.summary.values()))
        if len(self.years) == 1:
            return f"{financial_year_label(self.years[0])}, with 95% intervals:\n\n{pooled}"
        by_year = year_table(self.evaluated.results)
        return f"{by_year}\n\nPooled over the years, with 95% intervals:\n\n{pooled}"

    def auc(self, ranking: str) -> str:
        return figure(self.summary[ranking].auc.estimate, 3)

    def versus(self, ranking: str, baseline: str) -> str:
        d = self.summary[ranking].differences[baseline]
        return f"{signed(d.estimate)} (95% interval {signed(d.low)} to {signed(d.high)})"


@dataclass(frozen=True)
class Facts:
    """What the document says about the data, worked out in main."""

    coverage: str  # how much of the last year the findings file holds
    left_out: str  # landlords with a findings history but no TSM row
    london: str  # London boroughs' share of the landlords and positives
    tsm_councils: str  # council landlords per TSM year
    period: dict[int, int]  # outcome year -> TSM year, latest year ended
    published: dict[int, int]  # outcome year -> TSM year, latest year published
    draws: int  # the bootstrap's draws


def reflow(markdown: str, width: int = 88) -> str:
    """Rewrap the document's paragraphs and bullets, which the figures put in them leave
    ragged; headings, tables and indented blocks stay as they are."""
    blocks = []
    for block in markdown.strip().split("\n\n"):
        if block.startswith(("#", "|", "    ")):
            blocks.append(block)
            continue
        items = [item for item in ("\n" + block).split("\n- ") if item.strip()]
        if block.startswith("- "):
            blocks.append(
                "\n".join(
                    textwrap.fill(
                        " ".join(item.split()), width, initial_indent="- ", subsequent_indent="  "
                    )
                    for item in items
                )
            )
        else:
            blocks.append(textwrap.fill(" ".join(block.split()), width))
    return "\n\n".join(blocks) + "\n"


def verdict(d: tsm.Interval) -> str:
    """How an AUC difference reads: its interval clear of zero, or not."""
    if d.low > 0:
        return "higher than"
    if d.high < 0:
        return "lower than"
    return "within noise of"


def document(
    decisions: pl.DataFrame, history: Part, tsm_part: Part, strict: Part, facts: Facts
) -> str:
    first, last = financial_year_label(history.years[0]), financial_year_label(history.years[-1])
    results = history.evaluated.results
    unranked = {r.label: r.unranked_positives for r in results if r.ranking == "naive"}
    unranked_text = ", ".join(f"{label}: {n}" for label, n in unranked.items())
    dates = decisions.get_column("decision_date")
    counts = [r.landlords for r in results]
    hits = [r.positives for r in results]
    sizes, positives = f"{min(counts)} to {max(counts)}", f"{min(hits)} to {max(hits)}"

    def pairs(used: dict[int, int]) -> str:
        return " and ".join(
            f"{financial_year_label(t)}'s figures for {financial_year_label(y)}"
            for y, t in used.items()
        )

    h, t, s = history.summary, tsm_part.summary, strict.summary
    return reflow(f"""# Early warning on real Housing Ombudsman findings

Generated by `benchmarks/housing_evaluation.py` from the shipped file
`src/scrutiny/reference/data/housing_ombudsman_findings.csv` ({decisions.height:,} findings
matched to councils, dated {dates.dt.min()} to {dates.dt.max()}) and the Regulator of Social
Housing's Tenant Satisfaction Measures (TSM) workbooks shipped in
`src/scrutiny/reference/data/rsh_tsm/`. The libraries are
`scrutiny.warning.housing_evaluation` and `scrutiny.warning.tsm_evaluation`. Do not edit
by hand.

## The questions

Could scrutiny, on 1 April each year, have named the council landlords that would go on
to receive at least one **severe maladministration** finding from the Housing Ombudsman
in the coming financial year, using only what was known before that day? And does it
help to take each landlord's **size** into account, or to add what the councils report
in the **Tenant Satisfaction Measures**: how quickly they answer complaints, how many
complaints they get for their size, and how satisfied tenants are with complaint
handling?

## Method

- **Years**: each complete financial year from {first} to {last} (1 April to 31 March).
  2026-27 has barely begun in the data and is not used. {last} is in the file in full
  but thin at its end: {facts.coverage}. Decisions are published some weeks after
  they are made, so {last}'s outcomes are probably undercounted. It also has fewer
  severe findings than the year before though more findings in all; whether that is a
  change in the Ombudsman's practice or severe findings being published later, the file
  cannot tell.
- **Out of sample**: a ranking for year Y is built only from findings dated before 1
  April of Y, and only from TSM figures for a year that ended before Y began (see below
  for when RSH published them). A finding dated on or after that day never affects it,
  and no TSM year that overlaps Y can inform it (tests prove both). **Nothing is
  fitted**: every score and combination below was written down before any outcome was
  looked at and is the same in every year, so no weight learnt on one year is ever
  scored on that year.
- **Landlords**: the councils with at least one finding before Y begins and a size (a
  row in the TSM, which covers every social landlord with 1,000 or more homes). A council whose
  first finding comes during Y cannot be ranked by its history and is left out, as is
  a council with no TSM row (landlords with a history but no TSM row:
  {facts.left_out}). Severe findings at councils left out are not counted as
  positives ({unranked_text}). A ranked council with no findings in the scoring window
  scores 0. Every ranking in a year is scored on the same landlords.
- **Outcome**: at least one severe maladministration finding dated during Y.
- **Measures**: precision at 10 and 20 (the share of the top 10 and top 20 that went on
  to a severe finding; landlords tied at the cut share the remaining places, which is
  the expected precision if ties were broken at random), with Wilson's 95% interval; and
  the area under the ROC curve (AUC: the rank-sum formula, ties averaged; 0.5 is chance,
  1 is perfect), with Hanley and McNeil's standard error in each year. **Pooled**
  precision is hits over places across the years; pooled AUC is the share of same-year
  (positive, negative) pairs ranked the right way round, because scores are not
  comparable across years. Pooled AUCs and the differences between rankings have 95%
  intervals from a paired bootstrap ({facts.draws:,} draws, landlords resampled within each
  year, every ranking scored on the same draws).
- **Not used**: the findings file's `landlord_stock_size` column. It is filled for 22 of
  the 114 landlords, 21 of them with a severe finding, so it would leak the outcome. The
  conversion drops it, and a test checks that no evaluation code names it.

## The rankings

**scrutiny's early-warning score**, over the 24 months before Y begins:

    score = Σ recency × points
    points  = 3 severe maladministration, 2 maladministration, 1 service failure,
              0 reasonable redress / no maladministration / outside jurisdiction,
              + 1 if the finding is a complaint-handling fault
    recency = 1 for findings in the 12 months before Y, 0.5 for 12 to 24 months before

That is the volume of recent findings times their average seriousness, with the latest
year counting double.

**The naive ranking**: the number of maladministration and severe maladministration
findings in the previous financial year.

**References**: *volume alone*, the number of findings of any kind in the previous
financial year, shows how much of any ranking is simply how often a landlord comes before
the Ombudsman; *homes owned alone* shows how much is simply size. Size is the confound to
beat: a ranking no better than homes owned knows nothing a stock count does not.

**Size** is the number of low-cost rented homes the council owns (LCRA: social and
affordable rent; the denominator of TSM measure CH01). For year Y it is taken from the
latest TSM year that ended before Y began; for {first} and
{financial_year_label(history.years[1])}, before any such year,
2023-24's stock is used. That stock was counted after those years ended, but a council's
stock changes little from one year to the next and is not an outcome. TSM figures by
council: {facts.tsm_councils}.

**Rates**: the early-warning score, the naive count and last year's severe findings,
each per 1,000 homes owned.

**TSM predictors**, each from the council's own TSM figures for rented homes, read as
"higher means a severe finding is more likely":

- stage 1 and stage 2 complaints answered outside the Complaint Handling Code's
  timescales, as a share of those answered (CH02);
- stage 1 and stage 2 complaints per 1,000 homes (CH01), and the number of stage 2
  complaints (the step before the Ombudsman);
- the share of tenants who complained and were not satisfied with the landlord's
  complaint handling (100 minus TP09).

More complaints per home is not in itself a failing (a landlord that makes complaining
easy gets more), but more complaints give more chances of a case reaching the
Ombudsman. Three combinations, declared with the rest and not fitted: the **TSM
composite**, the average of the percentile ranks of the five rates and shares (not the
stage 2 count, which is largely size); **homes owned and TSM composite**, the average of
the two percentile ranks; and **naive and TSM composite**, likewise. A missing figure
takes the middle rank.

**Which TSM year informs Y.** The TSM year 2023-24 ran from April 2023 to March 2024;
RSH published it in November 2024, and 2024-25's in November 2025. The main evaluation
uses the latest TSM year that had *ended* before Y began ({pairs(facts.period)}): nothing from
Y goes into the ranking, and a council holds its own figures when the year ends. But
ranking a council against the others needs everyone's figures, which were public only
from November, some eight months into Y. So the strict check uses only a TSM year
RSH had *published* before Y began, which leaves {pairs(facts.published)}: one outcome year,
with figures two years old.

## Results: findings history and size, {first} to {last}

{history.tables()}

## Results: what the TSM figures add, latest TSM year ended

{tsm_part.tables()}

## Results: the strict check, latest TSM year published

{strict.tables()}

## What this shows

**Findings history.** Both the early-warning score and the naive count pick out the
landlords heading for a severe finding far better than chance: most of the top 10 each
year got one, against a base rate of roughly one in three. But scrutiny's score is
{verdict(h["early_warning"].differences["naive"])} the naive count: the pooled AUC
difference is {history.versus("early_warning", "naive")}, and precision at 10 and 20 go
one way in some years and the other in others. Volume alone does nearly as well as
either (AUC {history.auc("volume")}).

**Size.** Homes owned alone reaches AUC {history.auc("homes_owned")}: bigger landlords
are more likely to get a severe finding. Last year's findings know more than size (naive
minus homes owned: {history.versus("naive", "homes_owned")}). Dividing findings by homes
owned makes the rankings worse, not better: naive per 1,000 homes has AUC
{history.auc("naive_per_1000")}, {verdict(h["naive_per_1000"].differences["naive"])} the
naive count ({history.versus("naive_per_1000", "naive")}). That is because the outcome
itself, at least one severe finding in a year, grows with size: a landlord with 30,000
homes has many more chances of one than a landlord with 3,000. Rates answer a different
question, which landlords get more findings than their size would suggest, and that is
the fairer question for judging a council's complaint handling; it is not the better
way to predict where the next severe finding will land.

**TSM figures.** Over {financial_year_label(tsm_part.years[0])} and
{financial_year_label(tsm_part.years[-1])} ({tsm_part.landlords} landlord-years,
{tsm_part.positives} with a severe finding):

- Timeliness predicts little: the shares answered late have AUC
  {tsm_part.auc("stage1_late")} (stage 1) and {tsm_part.auc("stage2_late")} (stage 2),
  below homes owned alone ({tsm_part.auc("homes_owned")}). Dissatisfaction with complaint
  handling has {tsm_part.auc("dissatisfied")}.
- Complaint volumes predict much more: stage 1 complaints per 1,000 homes have AUC
  {tsm_part.auc("stage1_rate")}, and the number of stage 2 complaints
  {tsm_part.auc("stage2_count")}.
- The TSM composite, which uses no Ombudsman finding at all, has AUC
  {tsm_part.auc("tsm_composite")}, {verdict(t["tsm_composite"].differences["naive"])} the
  naive count ({tsm_part.versus("tsm_composite", "naive")}).
- The TSM figures know something beyond size: homes owned and TSM composite together are
  {verdict(t["homes_and_tsm"].differences["homes_owned"])} homes owned alone
  ({tsm_part.versus("homes_and_tsm", "homes_owned")}).
- Added to the naive count, the composite gives AUC {tsm_part.auc("naive_and_tsm")},
  {verdict(t["naive_and_tsm"].differences["naive"])} the naive count alone
  ({tsm_part.versus("naive_and_tsm", "naive")}).

The strict check, with only published figures (2023-24's TSM for
{financial_year_label(strict.years[0])}), tells the same story on one year: the composite
has AUC {strict.auc("tsm_composite")} against the naive count's {strict.auc("naive")};
naive and TSM composite is {verdict(s["naive_and_tsm"].differences["naive"])} the naive
count ({strict.versus("naive_and_tsm", "naive")}); homes owned and TSM composite is
{verdict(s["homes_and_tsm"].differences["homes_owned"])} homes owned alone
({strict.versus("homes_and_tsm", "homes_owned")}).

**In plain words**: on their own, the real TSM figures do **not** beat the naive count
of last year's findings; they do about as well as it (AUC {tsm_part.auc("tsm_composite")}
against {tsm_part.auc("naive")}), which is notable for figures that never mention the
Ombudsman. They add to size: homes owned and the TSM composite together are
{verdict(t["homes_and_tsm"].differences["homes_owned"])} homes owned alone, though the
composite on its own is {verdict(t["tsm_composite"].differences["homes_owned"])} it
({tsm_part.versus("tsm_composite", "homes_owned")}). What they know comes from how many
complaints a council gets far more than from how quickly it answers them. Added to the
naive count they give AUC {tsm_part.auc("naive_and_tsm")}
({strict.auc("naive_and_tsm")} in the strict check), around the ceiling of about 0.82
that an earlier independent check found for any method built on findings history. The
gain over the naive count alone, {signed(t["naive_and_tsm"].differences["naive"].estimate)},
has an interval whose lower end is {signed(t["naive_and_tsm"].differences["naive"].low)}
(and {signed(s["naive_and_tsm"].differences["naive"].low)} in the strict check), it rests
on two outcome years, and it is one of many comparisons made here, so it is a lead to
test on 2025-26's TSM figures and 2026-27's findings, not a result. Whatever the
ranking, this is a warning list of where severe findings are likely to land, not
evidence that one landlord's complaint handling is worse than another's.

## Caveats

- **The public archive is about half of all determinations.** The Ombudsman does not
  publish every decision, so counts understate every landlord's history and outcome, and
  if what gets published is not a random half, the rankings and outcomes share its bias.
- **Publication lag**: decisions appear some weeks after they are made, so the last
  months in the file are thin, and {last}'s outcomes are probably undercounted.
- **The categories are a heuristic.** The finding (severe maladministration ... outside
  jurisdiction) is the Ombudsman's; the category, and so the complaint-handling flag, is
  the dataset author's own label from the decision text.
- **Landlords are matched by name** to councils (with Cornwall Housing as Cornwall);
  two housing associations in the file were not matched and are left out. TSM landlords
  are matched to councils by their old ONS code, or by name.
- **TSM figures are the landlords' own**, collected under RSH's rules but not audited
  complaint by complaint, and only landlords with 1,000 or more homes report them.
- **London**: London boroughs are {facts.london} in the TSM years; they are large,
  get many complaints per home and many findings, so part of what any of these rankings
  picks up is simply London.
- **Many comparisons**: {len(LABELS)} rankings against three baselines; at the 95% level
  about one comparison in twenty will look real by chance.
- **Small numbers**: {sizes} landlords and {positives} positives a year; with an AUC
  standard error of about 0.05, a difference under 0.1 in any one year is noise. The TSM
  comparisons rest on two outcome years (the strict check on one).
- The Ombudsman's practice changed over these years (the file has about a dozen severe
  findings a year before 2023 and well over a hundred after), which a ranking built on
  past years cannot anticipate; {first} is scored on a thin history.
""")

"""Point-in-time features of a firm, computed from frames of its records: one definition for every caller.

The same function serves the whole population (training, re-scoring a million firms) and a single application
(the online path hands it one request and that firm's records). It is set-based throughout: records are paired
with the requests about their firm, filtered to what was known at each request's time, and aggregated with
NumPy segment operations, so one request costs microseconds per feature and a million cost seconds.

What "known at time t" means, for a request (firm, t):
- a record counts only if it was dated on or before t (decision, publication, report or as-of date);
- a public-credit record stops counting once repaired (信用修复) or once its listing ended, on or before t;
- windows ("in the last 12 months") are (t - window, t];
- tax and customs report once a year, a few weeks after the year ends, on dates that drift: a 12-month window
  would hold none or two of them, so those features use the latest reported year and the one before it.
Missing data is information, not an error: a firm that never exported has NaN export features, which LightGBM
routes on its own, and counts of things that never happened are 0.

Frames and their columns (dates as datetime64[D], money as float yuan, missing as NaN / NaT / ""); a frame
is anything that maps a column name to an array: a pandas DataFrame, or a plain dict of NumPy arrays, which
is what one firm's few rows come as (building a DataFrame costs more than computing its features):
- requests: enterprise_id, as_of
- firms: enterprise_id, kind, region, industry_section, registered_on, registered_capital
- public_credit: enterprise_id, kind, severity, decision_date, end_date, repaired_on
- tax: enterprise_id, tax_year, rating, rated_on, tax_paid, declared_revenue, arrears
- customs: enterprise_id, year, reported_on, credit_class, import_value, export_value, violations
Every record frame may also carry `id`, which orders records of the same date (see _Paired.tie).
- bank: enterprise_id, reporting_bank, as_of, outstanding_balance, credit_limit, max_overdue_days,
  deposit_turnover, repayments_on_time, repayments_late
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# A frame of records: column name to array (a pandas DataFrame is one).
Columns = pd.DataFrame | Mapping[str, Any]

DAY = np.timedelta64(1, "D")
YEAR = 365 * DAY

# Best first, as the tax bureau ranks them (M: a new firm without a full year of history).
TAX_RATING_ORDINAL = {"A": 5.0, "B": 4.0, "M": 3.0, "C": 2.0, "D": 1.0}
CUSTOMS_CLASS_ORDINAL = {"advanced_certified": 3.0, "registered": 2.0, "dishonest": 1.0}
TAX_RATING_BY_ORDINAL = {value: rating for rating, value in TAX_RATING_ORDINAL.items()}


@dataclass(frozen=True)
class Feature:
    """A model input. `monotone` is +1 where more of it can never lower the risk, -1 where it can never raise
    it, 0 where the data decides; `categorical` ones reach LightGBM as pandas categories."""

    name: str
    meaning_en: str
    meaning_zh: str
    monotone: int = 0
    categorical: bool = False
    # Where it comes from: "registry" (public) or one of CONSENTED_SOURCES, which need the firm's consent.
    source: str = "registry"


FEATURES: tuple[Feature, ...] = (
    Feature("firm_age_years", "years since registration", "成立年限"),
    Feature("kind", "kind of firm", "主体类型", categorical=True),
    Feature("province", "province of registration", "注册省份", categorical=True),
    Feature("industry_section", "industry section", "行业门类", categorical=True),
    Feature("registered_capital", "registered capital", "注册资本"),
    Feature("tax_rating", "latest tax credit rating", "最近纳税信用等级", monotone=-1, source="tax"),
    Feature(
        "tax_rating_trend",
        "change in tax credit rating since the year before",
        "纳税信用等级变化",
        monotone=-1,
        source="tax",
    ),
    Feature("tax_paid_latest_year", "tax paid in the latest tax year", "最近年度纳税额", source="tax"),
    Feature("tax_paid_growth", "growth of tax paid over the year before", "纳税额同比增长", source="tax"),
    Feature(
        "declared_revenue_latest_year", "revenue declared for the latest tax year", "最近年度申报收入", source="tax"
    ),
    Feature("tax_arrears", "tax arrears on the latest return", "欠税金额", monotone=1, source="tax"),
    Feature("tax_years_on_record", "years of tax history", "纳税记录年数", source="tax"),
    Feature(
        "penalties_minor_12m", "minor penalties in the last 12 months", "近12个月轻微行政处罚", source="public_credit"
    ),
    Feature(
        "penalties_ordinary_12m",
        "ordinary penalties in the last 12 months",
        "近12个月一般行政处罚",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "penalties_serious_12m",
        "serious penalties in the last 12 months",
        "近12个月严重行政处罚",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "penalties_minor_36m", "minor penalties in the last 36 months", "近36个月轻微行政处罚", source="public_credit"
    ),
    Feature(
        "penalties_ordinary_36m",
        "ordinary penalties in the last 36 months",
        "近36个月一般行政处罚",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "penalties_serious_36m",
        "serious penalties in the last 36 months",
        "近36个月严重行政处罚",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "dishonest_debtor", "listed as a dishonest judgment debtor", "失信被执行人", monotone=1, source="public_credit"
    ),
    Feature(
        "serious_dishonesty_listed",
        "on a serious-dishonesty list",
        "严重失信主体名单",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "abnormal_operation_listed",
        "on the abnormal-operation list",
        "经营异常名录",
        monotone=1,
        source="public_credit",
    ),
    Feature(
        "commitment_breaches_36m",
        "broken credit commitments in the last 36 months",
        "近36个月违背信用承诺",
        monotone=1,
        source="public_credit",
    ),
    Feature("commendations_36m", "commendations in the last 36 months", "近36个月表彰", source="public_credit"),
    Feature("customs_class", "customs credit class", "海关信用等级", monotone=-1, source="customs"),
    Feature("export_value_latest_year", "exports in the latest reported year", "最近年度出口额", source="customs"),
    Feature("export_growth", "growth of exports over the year before", "出口额同比增长", source="customs"),
    Feature("import_value_latest_year", "imports in the latest reported year", "最近年度进口额", source="customs"),
    Feature(
        "customs_violations_36m",
        "customs violations in the last 36 months",
        "近36个月海关违规",
        monotone=1,
        source="customs",
    ),
    Feature("bank_outstanding", "total outstanding with lending banks", "银行贷款余额", source="bank"),
    Feature("bank_utilisation", "share of credit limits in use", "授信使用率", monotone=1, source="bank"),
    Feature(
        "overdue_days_max_12m",
        "most days overdue in the last 12 months",
        "近12个月最长逾期天数",
        monotone=1,
        source="bank",
    ),
    Feature(
        "late_repayment_share_12m",
        "share of repayments late in the last 12 months",
        "近12个月逾期还款占比",
        monotone=1,
        source="bank",
    ),
    Feature("deposit_turnover_12m", "deposit turnover in the last 12 months", "近12个月存款流水", source="bank"),
    Feature("lending_banks", "banks with a credit line", "授信银行数", source="bank"),
)
FEATURE_NAMES = tuple(feature.name for feature in FEATURES)
FEATURES_BY_NAME = {feature.name: feature for feature in FEATURES}
CATEGORICAL = tuple(feature.name for feature in FEATURES if feature.categorical)
MONOTONE = {feature.name: feature.monotone for feature in FEATURES if feature.monotone}
# Lists a firm is on until it is taken off (its end date); other records are acts decided on a day.
STANDING_LISTS = ("dishonest_judgment_debtor", "serious_dishonesty_list", "abnormal_operation_list")
# The sources a firm must consent to before they count (the registry is public).
CONSENTED_SOURCES = ("public_credit", "tax", "customs", "bank")
# How long a bank's snapshot of a relationship is taken as current.
BANK_SNAPSHOT_VALIDITY = 2 * YEAR


@dataclass
class RecordFrames:
    """Everything the features are computed from; `requests` says which firm at which time."""

    requests: Columns
    firms: Columns
    public_credit: Columns
    tax: Columns
    customs: Columns
    bank: Columns
    # How long a negative public-credit record counts after the act ended (征信业管理条例: five years).
    negative_retention_years: int = 5


def build_features(frames: RecordFrames) -> pd.DataFrame:
    """One row per request, in request order, one column per FEATURES entry.

    A request may say, per source, whether the firm's consent lets that source be used at its time: a boolean
    column `uses_<source>` (see CONSENTED_SOURCES). Where it is false the source's records are left out, as if
    the firm had none; a source without such a column is used.

    A request may also say from when repairs are known, `repairs_known_on` (its own time by default): a
    decision taken today about an application made last month counts a record repaired since as repaired
    (信用修复 takes effect at once), while every other record is still read as it stood at the request's time."""
    requests = frames.requests
    firm_of_request = np.asarray(requests["enterprise_id"], dtype=np.int64)
    as_of = np.asarray(requests["as_of"], dtype="datetime64[D]")

    def paired(source: str, date_column: str) -> _Paired:
        usable = np.asarray(requests[f"uses_{source}"], dtype=bool) if f"uses_{source}" in requests else None
        return _Paired.pair(getattr(frames, source), firm_of_request, as_of, date_column, usable=usable)

    out: dict[str, np.ndarray] = {}
    out.update(_firm_features(frames.firms, firm_of_request, as_of))
    out.update(_tax_features(paired("tax", "rated_on")))
    repairs_known_on = (
        np.asarray(requests["repairs_known_on"], dtype="datetime64[D]") if "repairs_known_on" in requests else as_of
    )
    out.update(
        _public_credit_features(
            paired("public_credit", "decision_date"), repairs_known_on, frames.negative_retention_years
        )
    )
    out.update(_customs_features(paired("customs", "reported_on")))
    out.update(_bank_features(paired("bank", "as_of")))
    features = pd.DataFrame({name: out[name] for name in FEATURE_NAMES}, index=getattr(requests, "index", None))
    for name in CATEGORICAL:
        # The model maps categories to the codes it was trained with; a frame only says which labels it holds.
        features[name] = pd.Categorical(features[name])
    return features


@dataclass(frozen=True)
class _Paired:
    """A source's records paired with every request about their firm, keeping only those known at its time.

    `request[i]` is the request the i-th kept row serves, `record[i]` the record it came from, `age[i]` how many
    days before the request's time that record is dated. Other columns are read with `column(name)`, aligned
    the same way."""

    records: Columns
    as_of: np.ndarray
    record: np.ndarray
    request: np.ndarray
    date: np.ndarray
    age: np.ndarray
    # Breaks ties between records of the same date the same way on every path: the record's id where the
    # frame has one (the database's order of rows is no order at all), else its position.
    tie: np.ndarray

    @classmethod
    def pair(
        cls,
        records: Columns,
        firm_of_request: np.ndarray,
        as_of: np.ndarray,
        date_column: str,
        *,
        usable: np.ndarray | None = None,
    ):
        """`usable[j]`, where given, says whether request j may draw on these records at all."""
        record_firm = np.asarray(records["enterprise_id"], dtype=np.int64)
        order = np.argsort(firm_of_request, kind="stable")
        sorted_firms = firm_of_request[order]
        first = np.searchsorted(sorted_firms, record_firm, side="left")
        counts = np.searchsorted(sorted_firms, record_firm, side="right") - first
        # A record meets each request about its firm: a firm applying twice has its records counted twice.
        record = np.repeat(np.arange(len(record_firm)), counts)
        within = np.arange(len(record)) - np.repeat(np.cumsum(counts) - counts, counts)
        request = order[np.repeat(first, counts) + within]
        dated = np.asarray(records[date_column], dtype="datetime64[D]")[record]
        known = dated <= as_of[request]
        if usable is not None:
            known &= usable[request]
        ids = np.asarray(records["id"], dtype=np.int64) if "id" in records else np.arange(len(record_firm))
        return cls(
            records=records,
            as_of=as_of,
            record=record[known],
            request=request[known],
            date=dated[known],
            age=(as_of[request[known]] - dated[known]) // DAY,
            tie=ids[record[known]],
        )

    @property
    def n_requests(self) -> int:
        return len(self.as_of)

    def column(self, name: str) -> np.ndarray:
        return np.asarray(self.records[name])[self.record]

    def dates(self, name: str) -> np.ndarray:
        return np.asarray(self.records[name], dtype="datetime64[D]")[self.record]

    def keep(self, mask: np.ndarray) -> _Paired:
        return _Paired(
            self.records,
            self.as_of,
            self.record[mask],
            self.request[mask],
            self.date[mask],
            self.age[mask],
            self.tie[mask],
        )

    def within(self, days: int) -> np.ndarray:
        return self.age < days

    def count(self, mask: np.ndarray | None = None) -> np.ndarray:
        request = self.request if mask is None else self.request[mask]
        return np.bincount(request, minlength=self.n_requests).astype(float)

    def total(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Sum per request of the known values of the rows in `mask`; NaN where the request has none."""
        known = ~np.isnan(values)
        mask = known if mask is None else mask & known
        sums = np.bincount(self.request[mask], weights=values[mask], minlength=self.n_requests)
        return np.where(self.count(mask) > 0, sums, np.nan)

    def maximum(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Largest known value per request of the rows in `mask` (fmax: one unknown value hides nothing)."""
        result = np.full(self.n_requests, np.nan)
        np.fmax.at(result, self.request[mask], values[mask])
        return result

    def latest(self, values: np.ndarray, *, rank: int = 0, by: np.ndarray | None = None) -> np.ndarray:
        """Per request, the value on its most recent record (rank 0) or the one before it (rank 1), most recent
        by date or by `by` (e.g. the tax year); NaN where there is no such record."""
        result = np.full(self.n_requests, np.nan)
        if not len(self.request):
            return result
        order = np.lexsort((self.tie, self.date, self.date if by is None else by, self.request))
        request = self.request[order]
        ends = np.flatnonzero(np.r_[request[1:] != request[:-1], True])
        starts = np.r_[0, ends[:-1] + 1]
        chosen = ends - rank
        has = chosen >= starts
        result[request[ends[has]]] = values[order[chosen[has]]]
        return result

    def latest_of_each(self, group: np.ndarray) -> _Paired:
        """Only the most recent row of each (request, group), e.g. each lending bank's latest snapshot."""
        if not len(self.request):
            return self
        order = np.lexsort((self.tie, self.date, group, self.request))
        request, grouped = self.request[order], group[order]
        last = np.r_[(request[1:] != request[:-1]) | (grouped[1:] != grouped[:-1]), True]
        mask = np.zeros(len(self.request), dtype=bool)
        mask[order[last]] = True
        return self.keep(mask)


def _ordinal(labels: np.ndarray, ranks: dict[str, float]) -> np.ndarray:
    """Each label's rank; NaN for a blank or unknown label."""
    result = np.full(len(labels), np.nan)
    for label, rank in ranks.items():
        result[labels == label] = rank
    return result


def _growth(current: np.ndarray, before: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, current / before - 1.0, np.nan)


def _firm_features(firms: Columns, firm_of_request: np.ndarray, as_of: np.ndarray) -> dict[str, np.ndarray]:
    position = pd.Index(np.asarray(firms["enterprise_id"], dtype=np.int64)).get_indexer(firm_of_request)
    if (position < 0).any():
        missing = sorted(set(firm_of_request[position < 0].tolist()))[:5]
        raise ValueError(f"requests name firms that are not in the firms frame: {missing}")
    registered_on = np.asarray(firms["registered_on"], dtype="datetime64[D]")[position]
    return {
        "firm_age_years": ((as_of - registered_on) // DAY) / 365.25,
        "kind": np.asarray(firms["kind"], dtype=object)[position],
        "province": np.asarray(firms["region"], dtype="<U2")[position].astype(object),
        "industry_section": np.asarray(firms["industry_section"], dtype=object)[position],
        "registered_capital": np.asarray(firms["registered_capital"], dtype=float)[position],
    }


def _tax_features(tax: _Paired) -> dict[str, np.ndarray]:
    # One return a tax year: an amended return replaces the one it amends (the latest published counts).
    year = tax.column("tax_year").astype(float)
    returns = tax.latest_of_each(year)
    year = returns.column("tax_year").astype(float)
    ordinal = _ordinal(returns.column("rating"), TAX_RATING_ORDINAL)
    rated = ~np.isnan(ordinal)
    with_rating = returns.keep(rated)
    latest = with_rating.latest(ordinal[rated], by=year[rated])
    before = with_rating.latest(ordinal[rated], rank=1, by=year[rated])
    consecutive = (
        with_rating.latest(year[rated], rank=1, by=year[rated]) == with_rating.latest(year[rated], by=year[rated]) - 1
    )
    paid = returns.column("tax_paid").astype(float)
    paid_latest = returns.latest(paid, by=year)
    return {
        "tax_rating": latest,
        "tax_rating_trend": np.where(consecutive, latest - before, np.nan),  # over a gap it is no trend
        "tax_paid_latest_year": paid_latest,
        "tax_paid_growth": _year_on_year(returns, paid, year),
        "declared_revenue_latest_year": returns.latest(returns.column("declared_revenue").astype(float), by=year),
        "tax_arrears": returns.latest(returns.column("arrears").astype(float), by=year),
        "tax_years_on_record": returns.count(),
    }


def _year_on_year(reports: _Paired, values: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Growth of the latest year's value over the year just before it; NaN when that year is missing (a gap
    would turn it into growth over two years)."""
    latest_year = reports.latest(year, by=year)
    before_year = reports.latest(year, rank=1, by=year)
    growth = _growth(reports.latest(values, by=year), reports.latest(values, rank=1, by=year))
    return np.where(before_year == latest_year - 1, growth, np.nan)


def _public_credit_features(
    records: _Paired, repairs_known_on: np.ndarray, retention_years: int
) -> dict[str, np.ndarray]:
    as_of = records.as_of[records.request]
    repaired_on = records.dates("repaired_on")
    end_date = records.dates("end_date")
    kind = records.column("kind")
    # A negative record counts for retention_years after the act ended: a listing when it ended (one still on
    # the list has not), anything else when it was decided.
    act_ended = np.where(np.isin(kind, STANDING_LISTS), end_date, np.where(np.isnat(end_date), records.date, end_date))
    kept = ~(_years_after(act_ended, retention_years) <= as_of) | (kind == "commendation")
    # A repaired record, or a listing that has ended, no longer counts (NaT compares False: still standing).
    standing = ~(repaired_on <= repairs_known_on[records.request]) & ~(end_date <= as_of) & kept
    severity = records.column("severity")
    penalty = standing & (kind == "administrative_penalty")
    out = {}
    for level in ("minor", "ordinary", "serious"):
        for months, days in ((12, 365), (36, 3 * 365)):
            out[f"penalties_{level}_{months}m"] = records.count(penalty & (severity == level) & records.within(days))
    out["dishonest_debtor"] = np.minimum(records.count(standing & (kind == "dishonest_judgment_debtor")), 1)
    out["serious_dishonesty_listed"] = np.minimum(records.count(standing & (kind == "serious_dishonesty_list")), 1)
    out["abnormal_operation_listed"] = np.minimum(records.count(standing & (kind == "abnormal_operation_list")), 1)
    three_years = records.within(3 * 365)
    out["commitment_breaches_36m"] = records.count(standing & (kind == "commitment_breach") & three_years)
    out["commendations_36m"] = records.count((kind == "commendation") & three_years)
    return out


def _years_after(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day `years` later (29 February: 28 February), NaT staying NaT."""
    stamps = pd.to_datetime(days)
    return (stamps + pd.DateOffset(years=years)).to_numpy(dtype="datetime64[D]")


def _customs_features(customs: _Paired) -> dict[str, np.ndarray]:
    reports = customs.latest_of_each(customs.column("year").astype(float))  # one report a year, as for tax
    year = reports.column("year").astype(float)
    ordinal = _ordinal(reports.column("credit_class"), CUSTOMS_CLASS_ORDINAL)
    exports = reports.column("export_value").astype(float)
    violations = reports.column("violations").astype(float)
    return {
        "customs_class": reports.latest(ordinal, by=year),
        "export_value_latest_year": reports.latest(exports, by=year),
        "export_growth": _year_on_year(reports, exports, year),
        "import_value_latest_year": reports.latest(reports.column("import_value").astype(float), by=year),
        # A count: none reported in the window is 0, whether or not the firm trades abroad.
        "customs_violations_36m": np.nan_to_num(reports.total(violations, reports.within(3 * 365))),
    }


def _bank_features(bank: _Paired) -> dict[str, np.ndarray]:
    last_year = bank.within(365)
    overdue = bank.column("max_overdue_days").astype(float)
    on_time = bank.column("repayments_on_time").astype(float)
    late = bank.column("repayments_late").astype(float)
    turnover = bank.column("deposit_turnover").astype(float)
    repayments = bank.total(on_time + late, last_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        late_share = np.where(repayments > 0, bank.total(late, last_year) / repayments, np.nan)

    # Each lending bank's latest snapshot, if recent enough to describe the relationship as it stands.
    current = bank.keep(bank.within(BANK_SNAPSHOT_VALIDITY // DAY))
    snapshot = current.latest_of_each(pd.factorize(current.column("reporting_bank"))[0])
    outstanding = snapshot.total(snapshot.column("outstanding_balance").astype(float))
    limit = snapshot.total(snapshot.column("credit_limit").astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(limit > 0, outstanding / limit, np.nan)
    return {
        "bank_outstanding": outstanding,
        "bank_utilisation": utilisation,
        "overdue_days_max_12m": bank.maximum(overdue, last_year),
        "late_repayment_share_12m": late_share,
        "deposit_turnover_12m": bank.total(turnover, last_year),
        "lending_banks": snapshot.count(snapshot.column("credit_limit").astype(float) > 0),
    }

"""Reads for scoring: the record frames features are computed from, the champion, drift against a sample."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import operator
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.models import (
    Application,
    BankRecord,
    CustomsRecord,
    Dispute,
    DisputeStatus,
    Enterprise,
    PublicCreditRecord,
    TaxRecord,
)
from creditloan.models.applications import ApplicationStatus
from creditloan.reference.industries import DIVISIONS, SECTIONS
from creditloan.reference.regions import PROVINCES
from creditloan.selectors import consent_days
from scoring.ml import explain
from scoring.ml.features import CONSENTED_SOURCES, FEATURE_NAMES, RecordFrames, build_features
from scoring.ml.metrics import psi_table
from scoring.ml.model import ModelIntegrityError, RiskModel
from scoring.ml.scale import MasterScale, ScoreScale
from scoring.models import ModelStatus, ModelVersion, PolicyOperator, PolicyRule, Score

# Columns each frame needs (see scoring.ml.features), and which of them are dates.
FIRM_COLUMNS = ("enterprise_id", "kind", "region", "industry", "registered_on", "registered_capital")
SOURCES: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "public_credit": (
        PublicCreditRecord,
        ("id", "enterprise_id", "kind", "severity", "decision_date", "end_date", "repaired_on"),
        ("decision_date", "end_date", "repaired_on"),
    ),
    "tax": (
        TaxRecord,
        ("id", "enterprise_id", "tax_year", "rating", "rated_on", "tax_paid", "declared_revenue", "arrears"),
        ("rated_on",),
    ),
    "customs": (
        CustomsRecord,
        ("id", "enterprise_id", "year", "reported_on", "credit_class", "import_value", "export_value", "violations"),
        ("reported_on",),
    ),
    "bank": (
        BankRecord,
        (
            "id",
            "enterprise_id",
            "reporting_bank",
            "as_of",
            "outstanding_balance",
            "credit_limit",
            "max_overdue_days",
            "deposit_turnover",
            "repayments_on_time",
            "repayments_late",
        ),
        ("as_of",),
    ),
}
TEXT_COLUMNS = {"kind", "severity", "rating", "credit_class", "reporting_bank", "region", "industry"}
ID_COLUMNS = {"id", "enterprise_id"}
# Beyond this many firms one scan of each table beats an IN list.
WHOLE_TABLE_ABOVE = 20_000
# Beyond this many firms, rows stream through COPY rather than a plain fetch (see _few_firms_frames).
COPY_ABOVE = 100
SECTION_OF_DIVISION = {code: division.section for code, division in DIVISIONS.items()}


def application_latest_score(application: Application) -> Score | None:
    """The score that counts for an application: its latest (a reassessment after a repair or a dispute adds a
    new one, and the earlier ones stay as the record of what was decided then)."""
    return application.scores.order_by("-created_at").first()


def record_frames(*, requests: pd.DataFrame, id_range: tuple[int, int] | None = None) -> RecordFrames:
    """The firms named in `requests` (enterprise_id, as_of) and all their records, as frames; with `id_range`
    (first, last), every firm whose id lies in it, read as one range scan of each table's firm index.

    Records dated after a request's time are loaded too and left to the feature code, which is where the
    point-in-time rule lives (one rule, one place, one test). So are the records of sources the firm had not
    consented to at that time: each request says, per source, whether some financing authorisation (授权)
    covered it on its day, and the feature code leaves the others out."""
    firm_ids = np.unique(np.asarray(requests["enterprise_id"], dtype=np.int64))
    requests = _with_consent(requests, firm_ids=firm_ids, id_range=id_range)
    if id_range is None and len(firm_ids) <= COPY_ABOVE:
        frames, corrected = _few_firms_frames(requests, [int(firm_id) for firm_id in firm_ids])
        return _without_corrected(frames, corrected=corrected)
    firms_query = Enterprise.objects.annotate(enterprise_id=F("id"))
    if id_range is not None:
        first, last = id_range
        firms_query = firms_query.filter(id__gte=first, id__lte=last)
        in_scope = {"enterprise_id__gte": first, "enterprise_id__lte": last}
    elif len(firm_ids) > WHOLE_TABLE_ABOVE:
        in_scope = {}
    else:
        firms_query = firms_query.filter(id__in=firm_ids)
        in_scope = {"enterprise_id__in": firm_ids}
    firms = _copied_frame(firms_query, FIRM_COLUMNS, ("registered_on",))
    firms["industry_section"] = firms["industry"].str[:2].map(SECTION_OF_DIVISION)
    frames = {
        name: _copied_frame(model.objects.filter(**in_scope), columns, dates)
        for name, (model, columns, dates) in SOURCES.items()
    }
    return _without_corrected(RecordFrames(requests=requests, firms=firms, **frames))


def _without_corrected(frames: RecordFrames, corrected: Iterable[tuple[str, int]] | None = None) -> RecordFrames:
    """The frames less every record a dispute found wrong (异议 upheld for the firm, "corrected"): it never
    should have counted, so it counts at no time, training included. (And with the retention of negative
    records in force here.) `corrected` gives those records as (source, record id) where they were read with the
    frames; otherwise every corrected record is read."""
    frames.negative_retention_years = settings.CREDIT_NEGATIVE_RETENTION_YEARS
    if corrected is None:
        corrected = Dispute.objects.filter(status=DisputeStatus.CORRECTED).values_list("source", "record_id")
    by_source: dict[str, list[int]] = {}
    for source, record_id in corrected:
        by_source.setdefault(source, []).append(record_id)
    for source, record_ids in by_source.items():
        records = getattr(frames, source)
        kept = ~np.isin(np.asarray(records["id"], dtype=np.int64), np.array(record_ids, dtype=np.int64))
        if isinstance(records, pd.DataFrame):
            setattr(frames, source, records[kept].reset_index(drop=True))
        else:
            setattr(frames, source, {name: np.asarray(column)[kept] for name, column in records.items()})
    return frames


def _with_consent(requests: pd.DataFrame, *, firm_ids: np.ndarray, id_range: tuple[int, int] | None) -> pd.DataFrame:
    """The requests with a `uses_<source>` column per consented source: whether a grant covered it that day."""
    if id_range is not None:
        days = consent_days(id_range=id_range)
    else:
        days = consent_days(firm_ids=None if len(firm_ids) > WHOLE_TABLE_ABOVE else firm_ids.tolist())
    firm_of_request = np.asarray(requests["enterprise_id"], dtype=np.int64)
    # A decision taken now uses what the firm consents to now (consent_on), whatever day its records are read
    # as of; history (training, drift, replay) uses the consent of its own day.
    consent_on = np.asarray(requests["consent_on" if "consent_on" in requests else "as_of"], dtype="datetime64[D]")
    columns = {}
    for source in CONSENTED_SOURCES:
        granted = [(firm, first, last) for firm, of_source, first, last in days if of_source == source]
        columns[f"uses_{source}"] = _covered(firm_of_request, consent_on, granted)
    return requests.assign(**columns)


def _covered(firm_of_request: np.ndarray, as_of: np.ndarray, grants: list[tuple[int, dt.date, dt.date]]) -> np.ndarray:
    """For each (firm, day) request, whether one of the (firm, first day, last day) grants covers it."""
    covered = np.zeros(len(firm_of_request), dtype=bool)
    if not grants or not len(firm_of_request):
        return covered
    grant_firm = np.array([grant[0] for grant in grants], dtype=np.int64)
    first = np.array([grant[1] for grant in grants], dtype="datetime64[D]")
    last = np.array([grant[2] for grant in grants], dtype="datetime64[D]")
    order = np.argsort(grant_firm, kind="stable")
    grant_firm, first, last = grant_firm[order], first[order], last[order]
    start = np.searchsorted(grant_firm, firm_of_request, side="left")
    counts = np.searchsorted(grant_firm, firm_of_request, side="right") - start
    # Every (request, grant of its firm) pair, as in the features' pairing of records with requests.
    request = np.repeat(np.arange(len(firm_of_request)), counts)
    grant = np.repeat(start, counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    within = (first[grant] <= as_of[request]) & (as_of[request] <= last[grant])
    covered[request[within]] = True
    return covered


def _few_firms_frames(requests: pd.DataFrame, firm_ids: list[int]) -> tuple[RecordFrames, list[tuple[str, int]]]:
    """The online path: one firm's few rows (or a handful of firms'), as plain column arrays, and the records a
    dispute found wrong, as (source, record id). One statement brings them all, each row a JSON array tagged with
    what it is: for a few rows, a statement per table, the ORM's query building, COPY's set-up and a DataFrame's
    construction each cost more than the rows themselves."""
    rows: dict[str, list] = {part: [] for part in ("firms", *SOURCES, "corrected")}
    if firm_ids:  # "IN ()" is a syntax error on PostgreSQL
        with connection.cursor() as cursor:
            cursor.execute(
                _few_firms_sql(len(firm_ids)), [*firm_ids] * (1 + len(SOURCES)) + [DisputeStatus.CORRECTED, *firm_ids]
            )
            for part, row in cursor.fetchall():
                # PostgreSQL's driver may hand JSON over parsed; SQLite's as text.
                rows[part].append(json.loads(row) if isinstance(row, str) else row)
    firms = _columns(rows["firms"], FIRM_COLUMNS, ("registered_on",))
    firms["industry_section"] = np.array(
        [SECTION_OF_DIVISION.get(str(code)[:2]) for code in firms["industry"]], dtype=object
    )
    frames = {name: _columns(rows[name], columns, dates) for name, (_, columns, dates) in SOURCES.items()}
    corrected = [(source, int(record_id)) for source, record_id in rows["corrected"]]
    return RecordFrames(requests=requests, firms=firms, **frames), corrected


@functools.cache
def _few_firms_sql(firm_count: int) -> str:
    """The statement of _few_firms_frames for `firm_count` firm ids (given once per part, then the dispute status
    before the last). The models' own tables and columns, never input (hence nosec B608)."""
    array = "json_build_array" if connection.vendor == "postgresql" else "json_array"
    ids = ", ".join(["%s"] * firm_count)
    firm_columns = ", ".join(["id", *FIRM_COLUMNS[1:]])
    parts = [f"SELECT 'firms', {array}({firm_columns}) FROM {Enterprise._meta.db_table} WHERE id IN ({ids})"]  # nosec B608
    parts += [
        f"SELECT '{name}', {array}({', '.join(columns)}) FROM {model._meta.db_table} WHERE enterprise_id IN ({ids})"  # nosec B608
        for name, (model, columns, _) in SOURCES.items()
    ]
    parts.append(
        f"SELECT 'corrected', {array}(source, record_id) FROM {Dispute._meta.db_table} "  # nosec B608
        f"WHERE status = %s AND enterprise_id IN ({ids})"
    )
    return " UNION ALL ".join(parts)  # nosec B608


def _columns(rows: list, columns: Iterable[str], dates: Iterable[str]) -> dict[str, np.ndarray]:
    """Rows (sequences in `columns`' order) as typed column arrays: dates as datetime64[D], text as str ('' for
    blank), ids as int64, figures as float (NaN for blank)."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(list(columns))
    data = {}
    for name, column in zip(columns, values, strict=True):
        if name in dates:
            data[name] = np.array(column, dtype="datetime64[D]")
        elif name in TEXT_COLUMNS:
            data[name] = np.array([value or "" for value in column], dtype=object)
        elif name in ID_COLUMNS:
            data[name] = np.array(column, dtype=np.int64)
        else:
            data[name] = np.array(column, dtype=float)
    return data


def firm_id_chunks(size: int) -> list[tuple[int, int]]:
    """The registry's ids cut into runs of at most `size` firms, as (first, last) pairs."""
    ids = np.fromiter(Enterprise.objects.order_by("id").values_list("id", flat=True).iterator(50_000), dtype=np.int64)
    if not len(ids):
        return []
    chunks = np.array_split(ids, -(-len(ids) // size))
    return [(int(chunk[0]), int(chunk[-1])) for chunk in chunks]


def firm_ids_between(first: int, last: int) -> np.ndarray:
    return np.fromiter(
        Enterprise.objects.filter(id__gte=first, id__lte=last).order_by("id").values_list("id", flat=True),
        dtype=np.int64,
    )


def _copied_frame(query: QuerySet, columns: Iterable[str], dates: Iterable[str]) -> pd.DataFrame:
    """The query's columns as a frame: dates as datetime64[D], amounts as float, text as str ('' for blank).
    On PostgreSQL the rows stream through COPY: millions of rows as one text parsed in C, where Python tuples
    would cost ten times more."""
    columns = list(columns)
    rows_query = query.order_by().values_list(*columns)
    if connection.vendor == "postgresql":
        return _typed(_copied(rows_query, columns, dates), columns, dates)
    return _typed(pd.DataFrame.from_records(list(rows_query), columns=columns), columns, dates)


def _copied(rows_query: QuerySet, columns: list[str], dates: Iterable[str]) -> pd.DataFrame:
    sql, params = rows_query.query.sql_with_params()
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ({connection.ops.compose_sql(sql, params)}) TO STDOUT (FORMAT csv)") as copy,
    ):
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(
        buffer,
        names=columns,
        header=None,
        # Every column's type said up front: guessing from the first rows fails on a date column whose early
        # rows are empty, and guessing per block mixes types within a column.
        dtype={
            name: str if name in TEXT_COLUMNS or name in dates else "int64" if name in ID_COLUMNS else "float64"
            for name in columns
        },
        keep_default_na=False,
        na_values={name: [""] for name in columns if name not in TEXT_COLUMNS},
    )


def _typed(frame: pd.DataFrame, columns: list[str], dates: Iterable[str]) -> pd.DataFrame:
    for name in columns:
        if name in dates:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601").to_numpy(dtype="datetime64[D]")
        elif name in TEXT_COLUMNS:
            frame[name] = frame[name].fillna("").astype(str)
        elif name not in ID_COLUMNS:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    return frame


def loaded_model(version: ModelVersion) -> RiskModel:
    """The version's model, verified (text and manifest against their hashes) when this process first loads
    it, then kept in memory under the record's id and text hash: the text (hundreds of kilobytes) and the
    manifest are not read again on every score."""
    key = (version.pk, version.sha256)
    model = _LOADED.get(key)
    if model is None:
        stored = ModelVersion.objects.only("number", "sha256", "model_text", "manifest").get(pk=version.pk)
        if stored.sha256 != version.sha256 or stored.manifest.get("model_sha256") != stored.sha256:
            raise DomainError(
                ErrorCode.MODEL_INTEGRITY,
                _("v%(number)s: its manifest and its record disagree on the hash; it cannot be used.")
                % {"number": stored.number},
            )
        if hashlib.sha256(stored.model_text.encode()).hexdigest() != stored.sha256:
            raise DomainError(
                ErrorCode.MODEL_INTEGRITY,
                _("v%(number)s: the stored model text has been altered; it cannot be used.")
                % {"number": stored.number},
            )
        try:
            model = RiskModel.from_files(stored.model_text, stored.manifest)
        except ModelIntegrityError as error:
            raise DomainError(
                ErrorCode.MODEL_INTEGRITY,
                _("v%(number)s: the stored model does not load: %(error)s") % {"number": stored.number, "error": error},
            ) from None
        _LOADED[key] = model
        while len(_LOADED) > 4:
            _LOADED.pop(next(iter(_LOADED)))
    return model


_LOADED: dict[tuple[int, str], RiskModel] = {}


def loaded_models_forget() -> None:
    """Drop the models this process holds, as a restart would: the next score loads and verifies afresh."""
    _LOADED.clear()


def grade_scale(version: ModelVersion) -> MasterScale:
    """The grade bands of the version's PDs, as its verified manifest seals them (the fixed bands for a version
    saved before scales were fitted): what every grade it gave was cut by."""
    return loaded_model(version).master_scale_


def stated_grade_scale(version: ModelVersion) -> MasterScale | None:
    """The grade bands and their figures as the version's manifest states them, read for display without
    loading the model (a list of versions would otherwise parse every model); None if they cannot be read.
    Grading goes through grade_scale, which verifies the manifest first."""
    try:
        return MasterScale.from_manifest(version.manifest)
    except (ValueError, TypeError):  # a manifest edited by hand may hold anything
        return None


def champion() -> ModelVersion | None:
    """The champion's record, without its model text (loaded_model reads that once per process)."""
    return ModelVersion.objects.filter(status=ModelStatus.CHAMPION).defer("model_text", "manifest").first()


def roll_back_target() -> ModelVersion | None:
    """The version a roll-back brings back: the most recently promoted of those that are not the champion."""
    return (
        ModelVersion.objects.exclude(status=ModelStatus.CHAMPION)
        .filter(promoted_at__isnull=False)
        .defer("model_text", "manifest")
        .order_by("-promoted_at")
        .first()
    )


def recent_applications(*, since: dt.date) -> pd.DataFrame:
    """Applications submitted on or after `since`, as (enterprise_id, as_of): the population scored lately."""
    rows = Application.objects.filter(submitted_at__date__gte=since).values_list("enterprise_id", "submitted_at")
    frame = pd.DataFrame.from_records(list(rows), columns=["enterprise_id", "submitted_at"])
    submitted = pd.to_datetime(frame["submitted_at"], utc=True)
    frame["as_of"] = pd.to_datetime(submitted.dt.tz_convert(settings.TIME_ZONE).dt.date).to_numpy(dtype="datetime64[D]")
    return frame


def unscored_applications() -> list[int]:
    """Applications submitted and never scored, oldest first."""
    return list(
        Application.objects.filter(status=ApplicationStatus.SUBMITTED, scores__isnull=True)
        .order_by("submitted_at")
        .values_list("pk", flat=True)
    )


def latest_submission_day() -> dt.date | None:
    latest = Application.objects.aggregate(latest=Max("submitted_at"))["latest"]
    return timezone.localtime(latest).date() if latest else None


def model_drift(*, version: ModelVersion, since: dt.date, reference: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """PSI of the score and of every feature, the training sample (`reference`, as
    matching.selectors.training_sample gives it) against applications since `since`; returns the table (most
    shifted first) and the sizes of both samples."""
    current = recent_applications(since=since)
    if current.empty:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            _("No applications have been submitted since %(since)s: there is nothing to compare.") % {"since": since},
        )
    model = loaded_model(version)
    expected = build_features(record_frames(requests=reference[["enterprise_id", "as_of"]]))
    actual = build_features(record_frames(requests=current[["enterprise_id", "as_of"]]))
    expected.insert(0, "score (PD)", model.predict_proba(expected)[:, 1])
    actual.insert(0, "score (PD)", model.predict_proba(actual[list(FEATURE_NAMES)])[:, 1])
    return psi_table(expected, actual), len(expected), len(actual)


_OPERATORS = {
    PolicyOperator.EQ: operator.eq,
    PolicyOperator.NE: operator.ne,
    PolicyOperator.GT: operator.gt,
    PolicyOperator.GTE: operator.ge,
    PolicyOperator.LT: operator.lt,
    PolicyOperator.LTE: operator.le,
}


def score_scale() -> ScoreScale:
    return ScoreScale(**settings.SCORE_SCALE)


def active_policy_rules() -> list[PolicyRule]:
    return list(PolicyRule.objects.filter(active=True).order_by("code"))


def policy_exclusions(features: pd.Series, rules: Iterable[PolicyRule] | None = None) -> list[dict]:
    """The active policy rules this firm's features break, each with its reason in both languages."""
    broken = []
    for rule in active_policy_rules() if rules is None else rules:
        value = features[rule.feature]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if _OPERATORS[rule.operator](float(value), rule.threshold):
            broken.append(
                {"rule": rule.code, "feature": rule.feature, "reason_zh": rule.reason_zh, "reason_en": rule.reason_en}
            )
    return broken


@functools.cache
def _reference_names() -> explain.ValueNames:
    """What the categorical features' codes stand for, for the reasons: provinces have only Chinese names in
    GB/T 2260, so the English reason gives the name with its code."""
    return {
        "province": {code: (name, f"{name} ({code})") for code, name in PROVINCES.items()},
        "industry_section": {code: (section.name_zh, section.name_en) for code, section in SECTIONS.items()},
    }


def enterprise_assess(
    *,
    enterprise_id: int,
    as_of: dt.date | None = None,
    version: ModelVersion | None = None,
    repairs_known_on: dt.date | None = None,
    policy_rules: Iterable[PolicyRule] | None = None,
) -> Score:
    """The score a firm would get, not stored: what an applicant sees before applying. With
    `repairs_known_on`, records repaired by that day count as repaired even where `as_of` is earlier.
    `policy_rules` (the active ones) spares their read when the caller keeps them."""
    as_of = as_of or timezone.localdate()
    [score] = enterprises_assess(
        [(enterprise_id, as_of, repairs_known_on or as_of)], version=version, policy_rules=policy_rules
    )
    return score


def enterprises_assess(
    requests: Sequence[tuple[int, dt.date, dt.date]],
    *,
    version: ModelVersion | None = None,
    policy_rules: Iterable[PolicyRule] | None = None,
) -> list[Score]:
    """enterprise_assess for several firms at once, one Score (not stored) per request (enterprise_id, as_of,
    repairs known on), in request order: one read of their records, one pass of the model over all of them, as a
    worker scoring a batch of applications does (the improvements each firm is offered too: one pass over all their
    variants). A firm may be asked for more than once."""
    version = version or champion()
    if version is None:
        raise DomainError(ErrorCode.NO_CHAMPION, _("No risk model has been promoted yet, so firms cannot be scored."))
    model = loaded_model(version)
    policy_rules = active_policy_rules() if policy_rules is None else list(policy_rules)
    firm_ids = [enterprise_id for enterprise_id, _as_of, _repairs in requests]
    # Scored now, for a decision now: under the consent each firm gives today.
    today = timezone.localdate()
    frames = record_frames(
        requests=pd.DataFrame(
            {
                "enterprise_id": np.array(firm_ids, dtype=np.int64),
                "as_of": np.array([as_of for _id, as_of, _repairs in requests], dtype="datetime64[D]"),
                "repairs_known_on": np.array([repairs for _id, _as_of, repairs in requests], dtype="datetime64[D]"),
                "consent_on": np.array([today] * len(requests), dtype="datetime64[D]"),
            }
        )
    )
    # The firms' registry rows are among the frames read: one missing, no such firm.
    missing = set(firm_ids) - set(np.asarray(frames.firms["enterprise_id"]).tolist())
    if missing:
        raise DomainError(ErrorCode.NOT_FOUND, f"no enterprise with id {min(missing)}", field="enterprise")
    features = build_features(frames)
    probabilities = model.predict_proba(features)[:, 1]
    contributions = model.contributions(features)
    scale = score_scale()
    now = timezone.now()
    # The sources no authorisation covers today: their features are empty because the firm withheld them, which
    # the reasons say as such ("纳税数据未授权"), never as "no record".
    withheld = [
        [source for source in CONSENTED_SOURCES if not bool(frames.requests[f"uses_{source}"].iloc[position])]
        for position in range(len(requests))
    ]
    rows = [features.iloc[position] for position in range(len(requests))]
    exclusions = [policy_exclusions(row, policy_rules) for row in rows]
    improvements = explain.improvements_of_each(
        features,
        lambda frame: model.predict_proba(frame)[:, 1],
        scale=scale,
        withheld=withheld,
        knocked_out_on=[[rule["feature"] for rule in its_exclusions] for its_exclusions in exclusions],
    )
    scores = []
    for position, (enterprise_id, as_of, _repairs) in enumerate(requests):
        probability = float(probabilities[position])
        scores.append(
            Score(
                enterprise_id=enterprise_id,
                model_version=version,
                as_of=as_of,
                probability_of_default=probability,
                points=scale.points(probability),
                grade=model.master_scale_.grade(probability),
                features=_json_features(rows[position]),
                reasons=explain.explanation(
                    rows[position],
                    contributions.iloc[position],
                    scale=scale,
                    value_names=_reference_names(),
                    withheld=withheld[position],
                    exclusions=exclusions[position],
                ),
                improvements=improvements[position],
                exclusions=exclusions[position],
                created_at=now,
            )
        )
    return scores


def _json_features(row: pd.Series) -> dict:
    values = {}
    for name in FEATURE_NAMES:
        value = row[name]
        if isinstance(value, (float, np.floating)):
            values[name] = None if np.isnan(value) else float(value)
        else:
            values[name] = None if pd.isna(value) else str(value)
    return values

"""Point-in-time features from record frames: what counts at time t, and what does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.ml.features import FEATURE_NAMES, RecordFrames, build_features

T = np.datetime64("2026-06-30", "D")


def day(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


def frames(*, requests=None, public_credit=(), tax=(), customs=(), bank=()) -> RecordFrames:
    """A firm (id 1, company, registered 2020) and whichever records a test gives it."""
    firms = pd.DataFrame(
        {
            "enterprise_id": [1, 2],
            "kind": ["company", "sole_proprietor"],
            "region": ["110105", "440305"],
            "industry_section": ["C", "F"],
            "registered_on": np.array(["2020-03-01", "2025-12-01"], dtype="datetime64[D]"),
            "registered_capital": [1_000_000.0, np.nan],
        }
    )

    def frame(rows, columns, dates):
        result = pd.DataFrame(list(rows), columns=columns)
        for name in dates:
            result[name] = pd.to_datetime(result[name]).to_numpy(dtype="datetime64[D]")
        return result

    return RecordFrames(
        requests=requests if requests is not None else pd.DataFrame({"enterprise_id": [1], "as_of": [T]}),
        firms=firms,
        public_credit=frame(
            public_credit,
            ["enterprise_id", "kind", "severity", "decision_date", "end_date", "repaired_on"],
            ["decision_date", "end_date", "repaired_on"],
        ),
        tax=frame(
            tax,
            ["enterprise_id", "tax_year", "rating", "rated_on", "tax_paid", "declared_revenue", "arrears"],
            ["rated_on"],
        ),
        customs=frame(
            customs,
            ["enterprise_id", "year", "reported_on", "credit_class", "import_value", "export_value", "violations"],
            ["reported_on"],
        ),
        bank=frame(
            bank,
            [
                "enterprise_id",
                "reporting_bank",
                "as_of",
                "outstanding_balance",
                "credit_limit",
                "max_overdue_days",
                "deposit_turnover",
                "repayments_on_time",
                "repayments_late",
            ],
            ["as_of"],
        ),
    )


TAX = [(1, 2023, "B", "2024-04-20", 80_000.0, 2e6, 0.0), (1, 2024, "A", "2025-04-20", 100_000.0, 2.5e6, 500.0)]
PUBLIC = [
    (1, "administrative_penalty", "serious", "2025-09-01", None, None),
    (1, "administrative_penalty", "minor", "2024-01-10", None, None),
    (1, "dishonest_judgment_debtor", "", "2026-01-05", None, None),
    (1, "commendation", "", "2025-02-01", None, None),
]
CUSTOMS = [
    (1, 2024, "2025-02-15", "registered", 10_000.0, 300_000.0, 0),
    (1, 2025, "2026-02-15", "advanced_certified", 20_000.0, 450_000.0, 1),
]
BANK = [
    (1, "HXB", "2024-12-31", 100_000.0, 200_000.0, 0, 1e6, 10, 0),
    (1, "HXB", "2025-12-31", 150_000.0, 200_000.0, 12, 1.2e6, 9, 1),
    (1, "JNB", "2025-12-31", 50_000.0, 300_000.0, 0, 3e5, 4, 0),
]


def everything() -> RecordFrames:
    return frames(public_credit=PUBLIC, tax=TAX, customs=CUSTOMS, bank=BANK)


def test_features_of_a_firm_with_records_of_every_source():
    row = build_features(everything()).iloc[0]

    assert list(row.index) == list(FEATURE_NAMES)
    assert row["firm_age_years"] == pytest.approx((T - day("2020-03-01")).astype(int) / 365.25)
    assert (row["kind"], row["province"], row["industry_section"]) == ("company", "11", "C")
    assert row["tax_rating"] == 5.0  # A, the latest
    assert row["tax_rating_trend"] == 1.0  # up from B
    assert row["tax_paid_latest_year"] == 100_000.0
    assert row["tax_paid_growth"] == pytest.approx(0.25)
    assert row["declared_revenue_latest_year"] == 2.5e6
    assert row["tax_arrears"] == 500.0
    assert row["tax_years_on_record"] == 2
    assert row["penalties_serious_12m"] == 1 and row["penalties_serious_36m"] == 1
    assert row["penalties_minor_12m"] == 0 and row["penalties_minor_36m"] == 1
    assert row["dishonest_debtor"] == 1
    assert row["serious_dishonesty_listed"] == 0
    assert row["commendations_36m"] == 1
    assert row["customs_class"] == 3.0  # advanced certified, the latest
    assert row["export_value_latest_year"] == 450_000.0
    assert row["export_growth"] == pytest.approx(0.5)
    assert row["customs_violations_36m"] == 1
    assert row["bank_outstanding"] == 200_000.0  # HXB's latest 150k + JNB's 50k
    assert row["bank_utilisation"] == pytest.approx(200_000 / 500_000)
    assert row["overdue_days_max_12m"] == 12
    assert row["late_repayment_share_12m"] == pytest.approx(1 / 14)
    assert row["lending_banks"] == 2


def test_a_firm_without_records_has_missing_values_and_zero_counts():
    row = build_features(frames()).iloc[0]

    assert (
        np.isnan(row["tax_rating"]) and np.isnan(row["export_value_latest_year"]) and np.isnan(row["bank_utilisation"])
    )
    assert row["penalties_serious_36m"] == 0 and row["dishonest_debtor"] == 0 and row["lending_banks"] == 0


@pytest.mark.parametrize(
    "future_record",
    [
        {"tax": [(1, 2025, "D", "2026-07-01", 0.0, 0.0, 99_999.0)]},
        {"public_credit": [(1, "serious_dishonesty_list", "", "2026-07-01", None, None)]},
        {"customs": [(1, 2026, "2026-07-01", "dishonest", 0.0, 9e9, 40)]},
        {"bank": [(1, "TFB", "2026-07-01", 9e6, 1e6, 180, 0.0, 0, 12)]},
    ],
)
def test_a_record_dated_after_t_changes_nothing(future_record):
    before = build_features(everything())
    sources = {"public_credit": PUBLIC, "tax": TAX, "customs": CUSTOMS, "bank": BANK}
    for name, rows in future_record.items():
        sources[name] = [*sources[name], *rows]

    after = build_features(frames(**sources))

    pd.testing.assert_frame_equal(before, after)


def test_a_record_repaired_by_t_stops_counting_and_one_repaired_later_still_counts():
    repaired = [(1, "administrative_penalty", "serious", "2025-09-01", None, "2026-03-01")]
    repaired_later = [(1, "administrative_penalty", "serious", "2025-09-01", None, "2026-08-01")]

    assert build_features(frames(public_credit=repaired)).iloc[0]["penalties_serious_12m"] == 0
    assert build_features(frames(public_credit=repaired_later)).iloc[0]["penalties_serious_12m"] == 1


def test_a_listing_that_ended_by_t_no_longer_counts():
    ended = [(1, "dishonest_judgment_debtor", "", "2024-01-05", "2025-01-05", None)]

    assert build_features(frames(public_credit=ended)).iloc[0]["dishonest_debtor"] == 0


def test_each_request_sees_the_firm_as_it_was_at_its_own_time():
    requests = pd.DataFrame(
        {"enterprise_id": [1, 2, 1], "as_of": np.array(["2024-06-30", "2026-06-30", "2026-06-30"], "datetime64[D]")}
    )

    features = build_features(frames(requests=requests, tax=TAX))

    assert features["tax_rating"].tolist()[0] == 4.0  # only the B of 2024 was published by then
    assert np.isnan(features["tax_rating"].tolist()[1])  # firm 2 has no tax records
    assert features["tax_rating"].tolist()[2] == 5.0


def test_one_request_gives_the_same_features_as_the_same_request_among_many():
    alone = build_features(everything())
    crowd = everything()
    crowd.requests = pd.DataFrame(
        {
            "enterprise_id": [2, 1, 2, 1],
            "as_of": np.array(["2026-01-01", "2025-01-01", "2026-06-30", T], "datetime64[D]"),
        }
    )

    among_many = build_features(crowd).iloc[[3]].reset_index(drop=True)

    pd.testing.assert_frame_equal(alone, among_many, check_categorical=False)


def test_a_request_for_an_unknown_firm_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"\[99\]"):
        build_features(frames(requests=pd.DataFrame({"enterprise_id": [99], "as_of": [T]})))


def test_records_of_the_same_date_are_ordered_by_their_id_whatever_the_frames_order():
    same_day = [(1, 2024, "C", "2025-04-20", 1.0, 1.0, 900.0), (1, 2024, "A", "2025-04-20", 1.0, 1.0, 0.0)]
    forward, backward = frames(tax=same_day), frames(tax=same_day[::-1])
    forward.tax["id"] = [10, 11]
    backward.tax["id"] = [11, 10]

    assert build_features(forward).iloc[0]["tax_rating"] == build_features(backward).iloc[0]["tax_rating"] == 5.0


def test_an_amended_return_replaces_its_year_instead_of_counting_as_another():
    amended = [*TAX, (1, 2024, "A", "2025-06-01", 120_000.0, 2.6e6, 0.0)]

    row = build_features(frames(tax=amended)).iloc[0]

    assert row["tax_years_on_record"] == 2
    assert row["tax_paid_latest_year"] == 120_000.0
    assert row["tax_paid_growth"] == pytest.approx(0.5)  # 2024 amended over 2023, not 2024 over itself
    assert row["tax_arrears"] == 0.0


def test_growth_needs_the_year_just_before_a_gap_is_not_growth():
    with_gap = [(1, 2021, "B", "2022-04-20", 80_000.0, 2e6, 0.0), (1, 2024, "A", "2025-04-20", 100_000.0, 2e6, 0.0)]

    assert np.isnan(build_features(frames(tax=with_gap)).iloc[0]["tax_paid_growth"])


def test_a_rating_trend_needs_the_year_just_before():
    with_gap = [(1, 2021, "C", "2022-04-20", 1.0, 1.0, 0.0), (1, 2024, "A", "2025-04-20", 1.0, 1.0, 0.0)]

    assert np.isnan(build_features(frames(tax=with_gap)).iloc[0]["tax_rating_trend"])


def test_old_customs_records_leave_zero_violations_in_the_window():
    old = [(1, 2020, "2021-02-15", "registered", 1.0, 1.0, 3)]

    assert build_features(frames(customs=old)).iloc[0]["customs_violations_36m"] == 0


def test_an_unknown_value_does_not_hide_the_known_ones():
    one_unknown = [*BANK, (1, "JNB", "2026-03-31", 10.0, 300_000.0, np.nan, 1.0, 0, 0)]

    assert build_features(frames(bank=one_unknown)).iloc[0]["overdue_days_max_12m"] == 12


@pytest.mark.parametrize("source", ["public_credit", "tax", "customs", "bank"])
def test_a_source_the_firm_has_not_consented_to_counts_as_no_records(source):
    records = {"public_credit": PUBLIC, "tax": TAX, "customs": CUSTOMS, "bank": BANK}
    consented = pd.DataFrame({"enterprise_id": [1, 1], "as_of": [T, T], f"uses_{source}": [True, False]})

    features = build_features(frames(requests=consented, **records))
    without_the_source = build_features(frames(**{name: rows for name, rows in records.items() if name != source}))
    with_everything = build_features(frames(**records))

    pd.testing.assert_series_equal(features.iloc[1], without_the_source.iloc[0], check_names=False)
    pd.testing.assert_series_equal(features.iloc[0], with_everything.iloc[0], check_names=False)
    assert not features.iloc[0].equals(features.iloc[1])


def test_every_feature_names_the_source_it_comes_from():
    from scoring.ml.features import CONSENTED_SOURCES, FEATURES

    assert {feature.source for feature in FEATURES} == {"registry", *CONSENTED_SOURCES}
    assert [feature.name for feature in FEATURES if feature.source == "registry"] == [
        "firm_age_years",
        "kind",
        "province",
        "industry_section",
        "registered_capital",
    ]


def test_a_repair_known_after_the_requests_time_counts_when_the_request_says_so():
    listed = [(1, "dishonest_judgment_debtor", "", "2026-01-05", None, "2026-07-20")]  # repaired after T
    as_it_stood = pd.DataFrame({"enterprise_id": [1], "as_of": [T]})
    repairs_known_today = pd.DataFrame({"enterprise_id": [1], "as_of": [T], "repairs_known_on": [day("2026-08-01")]})

    assert build_features(frames(requests=as_it_stood, public_credit=listed)).iloc[0]["dishonest_debtor"] == 1
    assert build_features(frames(requests=repairs_known_today, public_credit=listed)).iloc[0]["dishonest_debtor"] == 0


def test_knowing_repairs_later_lets_no_other_later_record_in():
    later = [(1, "administrative_penalty", "serious", "2026-07-10", None, None)]  # decided after T
    repairs_known_today = pd.DataFrame({"enterprise_id": [1], "as_of": [T], "repairs_known_on": [day("2026-08-01")]})

    assert (
        build_features(frames(requests=repairs_known_today, public_credit=later)).iloc[0]["penalties_serious_12m"] == 0
    )


def test_a_negative_record_stops_counting_once_its_retention_after_the_act_has_passed():
    penalty = [(1, "administrative_penalty", "ordinary", "2025-01-15", None, None)]  # 17 months before T
    kept_five_years = frames(public_credit=penalty)
    kept_one_year = frames(public_credit=penalty)
    kept_one_year.negative_retention_years = 1

    assert build_features(kept_five_years).iloc[0]["penalties_ordinary_36m"] == 1
    assert build_features(kept_one_year).iloc[0]["penalties_ordinary_36m"] == 0


def test_a_listing_still_standing_counts_however_old_and_an_ended_one_counts_no_more():
    still_listed = [(1, "serious_dishonesty_list", "", "2018-03-01", None, None)]
    delisted = [(1, "serious_dishonesty_list", "", "2018-03-01", "2020-03-01", None)]

    assert build_features(frames(public_credit=still_listed)).iloc[0]["serious_dishonesty_listed"] == 1
    assert build_features(frames(public_credit=delisted)).iloc[0]["serious_dishonesty_listed"] == 0

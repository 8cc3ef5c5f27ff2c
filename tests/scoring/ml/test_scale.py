"""Points for a PD, and the master scale that grades it: fixed bands for versions saved before scales were fitted,
and bands fitted at shares of the training PDs, pooled until they are monotone in held-out defaults."""

import numpy as np
import pytest

from scoring.ml.scale import (
    FIXED_SCALE,
    GRADES,
    MAX_GRADE_SHARE,
    MasterScale,
    ScaleFitError,
    ScoreScale,
    fit_master_scale,
)

SCALE = ScoreScale(base_points=600, base_odds=50, points_to_double_odds=20)
# 1,000 distinct training PDs, 0.0001 apart: the target shares' cuts fall between rows 100, 300, 550 and 800.
TRAINING_PD = np.arange(1, 1001) / 10_000


def held_out(rows_and_defaults: dict[float, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Held-out rows: for each PD, (rows, of which defaulted)."""
    pds, defaulted = [], []
    for pd_, (rows, defaults) in rows_and_defaults.items():
        pds += [pd_] * rows
        defaulted += [1] * defaults + [0] * (rows - defaults)
    return np.array(pds), np.array(defaulted)


# One PD inside each band of the scale fitted on TRAINING_PD: A below 0.01005, B to 0.03005, C to 0.05505, D to
# 0.08005, E above.
INSIDE = dict(zip(GRADES, (0.005, 0.02, 0.04, 0.07, 0.09)))


def test_base_odds_give_the_base_points():
    assert SCALE.points(1 / 51) == 600


def test_doubling_the_good_odds_adds_the_points_to_double():
    assert SCALE.points(1 / 101) == 620
    assert SCALE.points(1 / 26) == 580


def test_points_fall_as_the_probability_of_default_rises():
    points = SCALE.points([0.001, 0.01, 0.05, 0.2, 0.6])

    assert list(points) == sorted(points, reverse=True)


def test_certain_predictions_still_give_finite_points():
    assert SCALE.points(0.0) > SCALE.points(0.001)
    assert SCALE.points(1.0) < SCALE.points(0.999)


def test_a_scale_needs_positive_odds_and_doubling_points():
    with pytest.raises(ValueError, match="positive"):
        ScoreScale(base_odds=0)


@pytest.mark.parametrize(
    ("probability", "letter"),
    [(0.0, "A"), (0.0099, "A"), (0.01, "B"), (0.024, "B"), (0.03, "C"), (0.07, "D"), (0.10, "E"), (0.9, "E")],
)
def test_the_fixed_bands_cut_the_probability_of_default_as_before(probability, letter):
    assert FIXED_SCALE.grade(probability) == letter
    assert FIXED_SCALE.grades([probability]).tolist() == [letter]
    assert not FIXED_SCALE.fitted


def test_cuts_fall_at_the_target_shares_of_the_training_firms():
    pds, defaulted = held_out({INSIDE[letter]: (100, k) for k, letter in enumerate(GRADES)})

    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)

    assert scale.uppers == pytest.approx((0.01005, 0.03005, 0.05505, 0.08005))
    assert [row["training_rows"] for row in scale.table] == [100, 200, 250, 250, 200]
    assert [row["training_share"] for row in scale.table] == [0.1, 0.2, 0.25, 0.25, 0.2]
    assert scale.fitted and scale.pooled == ()


def test_the_table_reports_each_grades_held_out_count_and_observed_default_rate():
    pds, defaulted = held_out({INSIDE[letter]: (50, k) for k, letter in enumerate(GRADES)})

    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)

    assert [row["held_out_rows"] for row in scale.table] == [50] * 5
    assert [row["held_out_defaults"] for row in scale.table] == [0, 1, 2, 3, 4]
    assert [row["held_out_default_rate"] for row in scale.table] == [0.0, 0.02, 0.04, 0.06, 0.08]
    assert scale.held_out_monotone is True


def test_a_grade_riskier_on_held_out_than_the_next_is_pooled_into_the_worse_letter():
    # B defaults more often than C on the held-out period (6% against 2%).
    pds, defaulted = held_out(
        {INSIDE["A"]: (100, 0), INSIDE["B"]: (100, 6), INSIDE["C"]: (100, 2), INSIDE["D"]: (100, 8), 0.09: (100, 9)}
    )

    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)

    assert scale.pooled == (("B", "C"),)
    # B is left empty: its firms grade C, whose band now starts where A's ends.
    assert scale.uppers == pytest.approx((0.01005, 0.01005, 0.05505, 0.08005))
    assert scale.grade(INSIDE["B"]) == "C"
    rates = [row["held_out_default_rate"] for row in scale.table]
    assert rates == [0.0, None, 0.04, 0.08, 0.09]
    assert [row["training_rows"] for row in scale.table] == [100, 0, 450, 250, 200]
    assert scale.held_out_monotone is True


def test_pooling_repeats_until_no_rate_falls_from_a_to_e():
    # C above D, and the pooled C+D (4.5%) still above E's 4%: all three pool into E.
    pds, defaulted = held_out(
        {INSIDE["A"]: (200, 0), INSIDE["B"]: (200, 2), INSIDE["C"]: (200, 12), INSIDE["D"]: (200, 6)}
        | {INSIDE["E"]: (200, 8)}
    )

    with pytest.raises(ScaleFitError, match=r"grade E would hold 70% of the training rows after pooling C\+D\+E"):
        fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)


def test_a_grade_without_held_out_rows_is_passed_over_by_the_monotonicity_check():
    pds, defaulted = held_out({INSIDE["A"]: (100, 1), INSIDE["C"]: (100, 2), INSIDE["D"]: (100, 3), 0.09: (100, 4)})

    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)

    assert scale.pooled == ()
    assert scale.table[1]["held_out_default_rate"] is None and scale.table[1]["training_rows"] == 200


def test_no_grade_holds_most_of_the_training_firms_on_a_skewed_population():
    rng = np.random.default_rng(5)
    # Most firms bunched at low risk, a long tail of risky ones: fixed bands put 80% of them in one grade.
    training = 1 / (1 + np.exp(-rng.normal(-3.2, 0.35, 5000)))
    held_out_pd = 1 / (1 + np.exp(-rng.normal(-3.2, 0.35, 2000)))
    defaulted = (rng.random(2000) < held_out_pd).astype(int)
    assert max(np.mean(FIXED_SCALE.grades(training) == letter) for letter in GRADES) > 0.5

    scale = fit_master_scale(training, held_out_pd=held_out_pd, held_out_defaulted=defaulted)

    assert max(row["training_share"] for row in scale.table) <= MAX_GRADE_SHARE
    rates = [row["held_out_default_rate"] for row in scale.table if row["held_out_default_rate"] is not None]
    assert rates == sorted(rates)


def test_grade_and_grades_agree_and_no_pd_falls_in_an_empty_letter():
    pds, defaulted = held_out({INSIDE["A"]: (100, 3), INSIDE["B"]: (100, 1), INSIDE["C"]: (100, 4), 0.09: (100, 9)})
    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)
    assert scale.pooled == (("A", "B"),)
    probe = np.concatenate([np.linspace(0, 1, 2001), np.array(scale.uppers), TRAINING_PD])

    letters = scale.grades(probe)

    assert letters.tolist() == [scale.grade(value) for value in probe]
    assert "A" not in set(letters.tolist())


def test_tied_pds_move_a_cut_to_the_nearest_change_of_pd():
    # 250 firms share PD 0.02 at rows 200 to 449, across the 30% cut (row 300): it moves to row 200, the nearer.
    training = np.concatenate([np.arange(1, 201) / 20_000, np.full(250, 0.02), 0.03 + np.arange(550) / 10_000])
    pds, defaulted = held_out({0.005: (100, 0), 0.007: (100, 1), 0.02: (100, 2), 0.05: (100, 3), 0.08: (100, 4)})

    scale = fit_master_scale(training, held_out_pd=pds, held_out_defaulted=defaulted)

    assert [row["training_rows"] for row in scale.table] == [100, 100, 350, 250, 200]
    assert scale.grade(0.02) == "C"


def test_a_pd_shared_by_most_firms_is_refused_with_the_share_it_would_hold():
    training = np.concatenate([np.linspace(0.001, 0.01, 200), np.full(600, 0.03), np.linspace(0.05, 0.2, 200)])
    pds, defaulted = held_out({0.005: (100, 0), 0.03: (100, 3), 0.1: (100, 10)})

    with pytest.raises(ScaleFitError, match="would hold 60% of the training rows because tied PDs"):
        fit_master_scale(training, held_out_pd=pds, held_out_defaulted=defaulted)


@pytest.mark.parametrize(
    ("training", "held_out_pd", "defaulted", "message"),
    [
        (TRAINING_PD[:99], [0.01, 0.05], [0, 1], "99 training rows are too few to fit 5 grades: at least 100"),
        (np.full(500, 0.03), [0.01, 0.05], [0, 1], r"every training row has the same PD \(0.03\)"),
        (TRAINING_PD, [0.01, 0.05], [0, 0], "the 2 held-out rows hold no default"),
        (TRAINING_PD, [], [], "there are no held-out rows"),
        (TRAINING_PD, [0.01, 1.5], [0, 1], "the held-out PDs must be probabilities between 0 and 1; 1 are not"),
        (np.append(TRAINING_PD, np.nan), [0.01], [1], "the training PDs must be probabilities"),
        (TRAINING_PD, [0.01, 0.05], [1], "one held-out outcome per held-out PD"),
        (TRAINING_PD, [0.01, 0.05], [0, 2], "must be 0/1"),
    ],
    ids=["tiny", "one-pd", "no-default", "no-held-out", "pd-above-one", "nan", "outcomes-short", "outcome-2"],
)
def test_fitting_refuses_what_cannot_support_five_grades(training, held_out_pd, defaulted, message):
    with pytest.raises(ScaleFitError, match=message):
        fit_master_scale(training, held_out_pd=held_out_pd, held_out_defaulted=defaulted)


def test_the_smallest_sample_it_accepts_still_fits_five_grades():
    pds, defaulted = held_out({0.01: (10, 0), 0.05: (10, 1), 0.09: (10, 2)})

    scale = fit_master_scale(TRAINING_PD[::10], held_out_pd=pds, held_out_defaulted=defaulted)

    assert [row["training_rows"] for row in scale.table] == [10, 20, 25, 25, 20]


@pytest.mark.parametrize("shares", [(0.5, 0.5), (0.2, 0.2, 0.2, 0.2, 0.3), (0.0, 0.25, 0.25, 0.25, 0.25)])
def test_shares_must_be_five_positive_fractions_of_the_whole(shares):
    with pytest.raises(ScaleFitError, match="shares must be 5 positive fractions"):
        fit_master_scale(TRAINING_PD, held_out_pd=[0.05], held_out_defaulted=[1], shares=shares)


def test_a_scale_survives_its_dict_and_a_manifest_without_one_grades_with_the_fixed_bands():
    pds, defaulted = held_out({INSIDE[letter]: (100, k) for k, letter in enumerate(GRADES)})
    scale = fit_master_scale(TRAINING_PD, held_out_pd=pds, held_out_defaulted=defaulted)

    read = MasterScale.from_manifest({"master_scale": scale.to_dict()})

    assert read == scale and read.rows() == scale.rows()
    assert MasterScale.from_manifest({"features": []}) is FIXED_SCALE
    assert [row["pd_to"] for row in FIXED_SCALE.rows()] == [0.01, 0.025, 0.05, 0.10, 1.0]
    assert FIXED_SCALE.held_out_monotone is None


@pytest.mark.parametrize(
    ("stated", "message"),
    [
        ({"method": "population_shares", "uppers": [0.01, 0.02, 0.03]}, "4 upper bounds"),
        ({"method": "population_shares", "uppers": [0.03, 0.02, 0.04, 0.05]}, "must not fall"),
        ({"method": "population_shares", "uppers": [0.01, 0.02, 0.04, 1.5]}, "between 0 and 1"),
        ({"method": "population_shares", "uppers": ["0.01", 0.02, 0.04, 0.05]}, "are numbers"),
        ({"method": "guesswork", "uppers": [0.01, 0.02, 0.04, 0.05]}, "unknown master scale method"),
        ({"uppers": [0.01, 0.02, 0.04, 0.05]}, "its method and uppers"),
    ],
)
def test_a_stated_scale_that_is_not_one_is_refused(stated, message):
    with pytest.raises(ValueError, match=message):
        MasterScale.from_manifest({"master_scale": stated})

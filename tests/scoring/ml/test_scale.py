import pytest

from scoring.ml.scale import ScoreScale, grade

SCALE = ScoreScale(base_points=600, base_odds=50, points_to_double_odds=20)


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


@pytest.mark.parametrize(
    ("probability", "letter"),
    [(0.0, "A"), (0.0099, "A"), (0.01, "B"), (0.024, "B"), (0.03, "C"), (0.07, "D"), (0.10, "E"), (0.9, "E")],
)
def test_grades_cut_the_probability_of_default(probability, letter):
    assert grade(probability) == letter


def test_a_scale_needs_positive_odds_and_doubling_points():
    with pytest.raises(ValueError, match="positive"):
        ScoreScale(base_odds=0)

"""`train_model --csv`: the pipeline proven on a table that is not ours."""

import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


@pytest.fixture
def loans_table(tmp_path):
    """1,000 labelled rows: risk rises with debt ratio, falls with years in business, differs by sector. The
    true risk itself ranks these rows at an AUC of 0.76: the most any model can reach here."""
    rng = np.random.default_rng(3)
    n = 1000
    debt_ratio = rng.uniform(0, 1.5, n)
    years = rng.integers(0, 30, n).astype(float)
    years[rng.random(n) < 0.1] = np.nan
    sector = rng.choice(["retail", "farming", "building", "software"], n)
    log_odds = -3.2 + 2.2 * debt_ratio - 0.06 * np.nan_to_num(years, nan=5) + (sector == "building") * 0.8
    bad = rng.random(n) < 1 / (1 + np.exp(-log_odds))
    path = tmp_path / "loans.csv"
    pd.DataFrame(
        {
            "debt_ratio": debt_ratio,
            "years": years,
            "sector": sector,
            "outcome": np.where(bad, "bad", "good"),
        }
    ).to_csv(path, index=False)
    return path


def test_cross_validation_reports_both_models_on_identical_folds(loans_table, capsys):
    call_command(
        "train_model", "--csv", str(loans_table), "--target", "outcome", "--positive", "bad", "--cv", "4", "--json"
    )

    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 1000
    assert report["categorical"] == ["sector"]
    for model in ("lightgbm", "baseline"):
        assert len(report[model]["folds"]["auc"]) == 4
        assert 0.65 < report[model]["auc"] < 0.8
        assert 0 < report[model]["ks"] < 1


def test_a_held_out_fifth_without_cv(loans_table, capsys):
    call_command("train_model", "--csv", str(loans_table), "--target", "outcome", "--positive", "bad")

    out = capsys.readouterr().out
    assert "held out a stratified 20% of the rows" in out
    assert "AUC" in out and "KS" in out


def test_an_unknown_target_column_is_named_with_the_columns_there_are(loans_table):
    with pytest.raises(CommandError, match="no column 'default'; the columns are debt_ratio, years, sector, outcome"):
        call_command("train_model", "--csv", str(loans_table), "--target", "default")


def test_two_labels_without_positive_ask_which_is_the_bad_one(loans_table):
    with pytest.raises(CommandError, match="positive"):
        call_command("train_model", "--csv", str(loans_table), "--target", "outcome")


def test_target_options_need_a_table():
    with pytest.raises(CommandError, match="go with --csv"):
        call_command("train_model", "--target", "outcome")

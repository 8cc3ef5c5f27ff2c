"""replay_matching: past applications against changed weights or products, reported per bank and product,
with nothing changed."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from creditloan.demo.services import demo_world_generate
from creditloan.errors import DomainError
from creditloan.models import Application, Bank
from matching.models import LoanProduct, MatchingSettings, Offer, Ranking
from matching.replay import replay, replayed_applications
from matching.selectors import training_sample
from matching.services import approval_model_train
from scoring.ml.scale import FIXED_SCALE
from scoring.selectors import champion, grade_scale
from scoring.services import model_train

SINCE = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_world_generate(enterprises=7000, seed=7, as_of=dt.date(2026, 10, 31))
        model_train(training_sample=training_sample)
        approval_model_train()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def world(trained, db):
    return None


def stored() -> dict:
    """Everything a replay could be tempted to write."""
    return {
        "offers": list(Offer.objects.order_by("pk").values_list("pk", "status", "product_id")),
        "rankings": Ranking.objects.count(),
        "settings": MatchingSettings.objects.count(),
        "products": list(LoanProduct.objects.order_by("pk").values()),
        "applications": list(Application.objects.order_by("pk").values_list("pk", "status")),
    }


def by_code(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows}


def test_replaying_without_changes_reports_the_same_offers_twice(world):
    report = replay(since=SINCE).to_dict()

    assert report["applications"] > 100
    assert report["applications_with_other_offers"] == 0
    assert report["eligible_share"]["current"] == report["eligible_share"]["changed"] > 0
    for row in report["banks"] + report["products"]:
        assert row["current"] == row["changed"]


def test_replayed_applications_are_graded_with_the_champions_own_bands(world):
    scale = grade_scale(champion())

    replayed = replayed_applications(since=SINCE, until=None)

    letters = [application.applicant.grade for application in replayed]
    probabilities = [application.applicant.probability_of_default for application in replayed]
    assert scale.fitted
    assert letters == scale.grades(probabilities).tolist()
    assert letters != FIXED_SCALE.grades(probabilities).tolist()


def test_a_replay_keeps_every_bank_within_its_monthly_capacity(world):
    Bank.objects.update(monthly_capacity=5)

    report = replay(since=SINCE).to_dict()

    assert report["banks"]
    for row in report["banks"]:
        assert row["busiest_month"]["current"] <= 5
    assert report["offered_share"]["current"] < report["eligible_share"]["current"]


def test_pausing_a_product_moves_its_offers_to_others_and_changes_nothing(world):
    before = stored()
    busiest = max(
        by_code(replay(since=SINCE).to_dict()["products"], "product").values(), key=lambda row: row["current"]["offers"]
    )

    report = replay(since=SINCE, product_changes=[{"product": busiest["product"], "active": False}]).to_dict()

    paused = by_code(report["products"], "product")[busiest["product"]]
    assert paused["current"]["offers"] > 0 and paused["changed"]["offers"] == 0
    assert report["applications_with_other_offers"] > 0
    others = [row for row in report["products"] if row["product"] != busiest["product"]]
    assert sum(row["changed"]["offers"] for row in others) > sum(row["current"]["offers"] for row in others)
    assert stored() == before


def test_tightening_a_rule_leaves_fewer_firms_eligible_for_the_bank(world):
    product = LoanProduct.objects.filter(bank__code__isnull=False).order_by("pk").first()
    bank = product.bank.code
    every_product_of_the_bank = [
        {"product": code, "min_tax_rating": "A", "max_risk_grade": "A"}
        for code in LoanProduct.objects.filter(bank=product.bank).values_list("code", flat=True)
    ]

    report = replay(since=SINCE, product_changes=every_product_of_the_bank).to_dict()

    row = by_code(report["banks"], "bank")[bank]
    assert row["changed"]["eligible_share"] < row["current"]["eligible_share"]
    assert row["changed"]["offers"] < row["current"]["offers"]


def test_a_product_that_does_not_exist_yet_can_be_tried_out(world):
    bank = Bank.objects.order_by("code").first()
    cheap_and_open = {
        "product": "WHATIF-1",
        "bank": bank.code,
        "name": "普惠快贷",
        "guarantee_mode": "credit",
        "repayment_methods": ["equal_instalments"],
        "amount_min": "10000",
        "amount_max": "10000000",
        "term_min_months": 1,
        "term_max_months": 60,
        "rate_min": "0.036",
        "rate_max": "0.040",
    }

    report = replay(since=SINCE, product_changes=[cheap_and_open]).to_dict()

    added = by_code(report["products"], "product")["WHATIF-1"]
    assert added["current"]["offers"] == 0 and added["changed"]["offers"] > 0
    assert added["bank"] == bank.code
    assert not LoanProduct.objects.filter(code="WHATIF-1").exists()


def test_weights_that_offer_one_product_each_make_at_most_one_offer_an_application(world):
    report = replay(since=SINCE, weight_changes={"top_k": 1, "price": 1.0}).to_dict()

    offers = sum(row["changed"]["offers"] for row in report["banks"])
    assert offers == round(report["offered_share"]["changed"] * report["applications"])
    assert offers < sum(row["current"]["offers"] for row in report["banks"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_changes": {"speed": 1}}, "weights: unknown keys speed"),
        ({"weight_changes": {"price": -1}}, "weights: -1 is not a weight from 0 to 100"),
        ({"weight_changes": {"top_k": 0}}, "top_k: 0 is not a whole number from 1 to 10"),
        ({"weight_changes": [1, 2]}, "weights: expected a JSON object"),
        ({"product_changes": {"product": "X"}}, "product changes: expected a JSON list"),
        ({"product_changes": [{"active": False}]}, 'entry 1: expected an object naming its "product"'),
        ({"product_changes": [{"product": "NOPE"}]}, "entry 1 (NOPE): no product has this code; to add one"),
        ({"product_changes": [{"product": "NOPE", "bank": "ZZ"}]}, "entry 1 (NOPE): no bank with code 'ZZ'"),
        ({"until": dt.date(2026, 1, 1)}, "until 2026-01-01 is before since 2026-05-01"),
    ],
)
def test_changes_that_make_no_sense_are_refused_saying_where(world, changes, message):
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        replay(since=SINCE, **changes)


def test_a_product_change_is_checked_like_the_admin_checks_it(world):
    first, second = LoanProduct.objects.order_by("pk").values_list("code", flat=True)[:2]
    changes = [
        {"product": first, "active": False},
        {"product": second, "min_tax_rating": "Z", "colour": "red"},
    ]

    with pytest.raises(DomainError, match=rf"entry 2 \({second}\): unknown fields colour"):
        replay(since=SINCE, product_changes=changes)
    changes[1].pop("colour")
    with pytest.raises(DomainError, match=rf"entry 2 \({second}\): min_tax_rating: .*'Z' is not a valid choice"):
        replay(since=SINCE, product_changes=changes)
    changes[1] = {"product": second, "amount_min": "5000000", "amount_max": "100000"}
    with pytest.raises(DomainError, match=rf"entry 2 \({second}\): amount_max: the maximum amount 100000"):
        replay(since=SINCE, product_changes=changes)
    assert LoanProduct.objects.get(code=first).active


def test_the_command_reads_its_files_and_prints_the_report(world, tmp_path, capsys):
    weights = tmp_path / "weights.json"
    weights.write_text('{"price": 0.6}')
    product = LoanProduct.objects.order_by("pk").first()
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"product": product.code, "active": False}]))

    call_command(
        "replay_matching", "--since", "2026-05-01", "--weights", weights, "--product-changes", products, "--json"
    )
    report = json.loads(capsys.readouterr().out)
    call_command("replay_matching", "--since", "2026-05-01", "--until", "2026-10-31")
    text = capsys.readouterr().out

    assert report["applications"] > 0 and report["banks"]
    assert "at least one eligible product" in text and "busiest month / capacity" in text


def test_the_command_says_where_a_file_is_not_json(world, tmp_path):
    broken = tmp_path / "weights.json"
    broken.write_text('{"price": 0.6,\n "fit": }')

    with pytest.raises(CommandError, match=r"weights file .*weights.json: not JSON: line 2 column 9"):
        call_command("replay_matching", "--since", "2026-05-01", "--weights", broken)
    with pytest.raises(CommandError, match="'May 1' is not a date"):
        call_command("replay_matching", "--since", "May 1")

import datetime as dt
import filecmp

import pytest
from django.core.management import call_command
from django.db.models import F, Q

from creditloan.demo.world import build_world
from creditloan.identifiers import validate_resident_id, validate_uscc
from creditloan.models import Application, Bank, Enterprise, ImportFile, ImportRejection, Role, TaxRecord, User
from matching import dashboard
from matching.models import Loan, LoanOutcome, LoanProduct, Offer

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(scope="module")
def world():
    return build_world(3000, seed=21, as_of=AS_OF)


def test_the_same_seed_writes_the_same_files(tmp_path):
    call_command("generate_demo_data", "--enterprises", "200", "--seed", "4", "--out", str(tmp_path / "a"))
    call_command("generate_demo_data", "--enterprises", "200", "--seed", "4", "--out", str(tmp_path / "b"))
    call_command("generate_demo_data", "--enterprises", "200", "--seed", "5", "--out", str(tmp_path / "c"))

    names = ["enterprises.csv", "public_credit.csv", "tax.csv", "customs.csv", "bank.csv"]
    matched, mismatched, _ = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)
    assert matched == names and mismatched == []
    assert not filecmp.cmp(tmp_path / "a" / "enterprises.csv", tmp_path / "c" / "enterprises.csv", shallow=False)


def test_every_firm_has_valid_distinct_codes_and_real_reference_data(world):
    firms = world.enterprises

    assert firms["uscc"].is_unique
    assert all(validate_uscc(code) == code for code in firms["uscc"])
    assert all(validate_resident_id(number) == number for number in firms["legal_representative_id"] if number)


def test_the_world_has_the_gaps_and_mix_of_real_life(world):
    firms, tax, bank, public, customs = world.enterprises, world.tax, world.bank, world.public_credit, world.customs

    kinds = firms["kind"].value_counts(normalize=True)
    assert 0.55 < kinds["company"] < 0.75 and 0.25 < kinds["sole_proprietor"] < 0.4
    assert (tax["rating"] == "M").any()
    assert 0.3 < bank["uscc"].nunique() / len(firms) < 0.7  # many firms have no bank history
    assert customs["uscc"].nunique() / len(firms) < 0.15  # most firms never trade abroad
    assert (public["kind"] == "dishonest_judgment_debtor").sum() / len(firms) < 0.05
    penalties = public[public["kind"] == "administrative_penalty"]
    assert 0 < (penalties["repaired_on"] != "").sum() < len(penalties)


def test_worse_firms_get_worse_records(world):
    quality = dict(zip(world.enterprises["uscc"], world.quality, strict=True))
    tax = world.tax[world.tax["rating"].isin(["A", "D"])]
    by_rating = tax.assign(quality=tax["uscc"].map(quality)).groupby("rating")["quality"].mean()

    assert by_rating["A"] > 0.5 > -0.5 > by_rating["D"]


@pytest.mark.django_db
def test_generate_demo_data_loads_a_world_through_the_importer_with_banks_history_and_accounts(capsys):
    call_command("generate_demo_data", "--enterprises", "1500", "--seed", "3")

    assert Enterprise.objects.count() == 1500
    assert not ImportRejection.objects.exists()
    assert set(ImportFile.objects.values_list("source", flat=True)) == {
        "enterprises",
        "public_credit",
        "tax",
        "customs",
        "bank",
    }
    assert Bank.objects.count() >= 8
    products = LoanProduct.objects.all()
    assert products.count() >= 40
    assert all(100_000 <= p.amount_min <= p.amount_max <= 10_000_000 for p in products)
    assert all(3 <= p.term_min_months <= p.term_max_months <= 36 for p in products)
    assert all(0.035 <= float(p.rate_min) <= float(p.rate_max) <= 0.15 for p in products)
    assert {p.guarantee_mode for p in products} == {"credit", "guarantee", "collateral"}
    for product in products:
        product.full_clean()  # the demo's eligibility rules are ones an operator could enter
    assert products.exclude(min_tax_rating="").exists() and products.exclude(regions=[]).exists()
    assert Application.objects.count() > 200 and Offer.objects.count() > Application.objects.count()
    decided = Loan.objects.exclude(outcome=LoanOutcome.PERFORMING)
    default_rate = decided.filter(outcome=LoanOutcome.DEFAULTED).count() / decided.count()
    assert 0.02 <= default_rate <= 0.12
    assert Application.objects.dates("submitted_at", "year").count() >= 4  # enough years to split out of time
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {Role.APPLICANT, Role.BANK_OFFICER, Role.OPERATOR}
    assert User.objects.get(username="applicant").memberships.exists()
    assert "xinyidai-demo-2026" in capsys.readouterr().out
    assert TaxRecord.objects.filter(rated_on__gt=AS_OF).count() == 0


@pytest.mark.django_db
def test_generate_demo_data_with_if_empty_leaves_a_loaded_database_alone(capsys):
    call_command("generate_demo_data", "--enterprises", "100", "--seed", "3")
    before = Enterprise.objects.count(), Application.objects.count()

    call_command("generate_demo_data", "--enterprises", "100", "--seed", "8", "--if-empty")

    assert (Enterprise.objects.count(), Application.objects.count()) == before
    assert "already loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_history_has_believable_distinct_stage_times(capsys):
    call_command("generate_demo_data", "--enterprises", "1000", "--seed", "3")
    since = dt.date(2000, 1, 1)

    steps = dashboard.funnel(since=since)
    times = dashboard.answer_times(since=since)

    assert steps["offered"] > steps["accepted"] > steps["approved"] > steps["disbursed"] > 0
    assert 1 < times.first_answer.median < times.first_answer.p90 < 7 * 24
    assert 6 < times.decision.median < times.decision.p90 < 12 * 24
    out_of_order = Offer.objects.filter(
        Q(accepted_at__lt=F("offered_at")) | Q(decided_at__lt=F("accepted_at")) | Q(disbursed_at__lt=F("decided_at"))
    )
    assert not out_of_order.exists()
    paid = Offer.objects.filter(status="disbursed")
    assert paid.count() == paid.filter(disbursed_at__isnull=False, loan__isnull=False).count()

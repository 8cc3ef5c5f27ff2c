"""The product supermarket: products open to applications with their terms, in the order asked for, and what each
asks of a firm in the page's language."""

from decimal import Decimal

import pytest
from django.utils import translation

from matching.catalogue import COMPARE_MOST, catalogue, compared, requirements
from tests.matching.test_products import product


@pytest.fixture
def shelf(bank):
    cheap = product(bank, code="CHEAP", name="便宜贷", rate_min=Decimal("0.0300"), amount_max=Decimal("500000"))
    large = product(bank, code="LARGE", name="大额贷", rate_min=Decimal("0.0450"), amount_max=Decimal("9000000"))
    long_ = product(bank, code="LONG", name="长期贷", rate_min=Decimal("0.0400"), term_max_months=36)
    paused = product(bank, code="PAUSED", name="暂停贷", rate_min=Decimal("0.0200"), active=False)
    for each in (cheap, large, long_, paused):
        each.save()
    return {"cheap": cheap, "large": large, "long": long_, "paused": paused}


def codes(products) -> list[str]:
    return [each.code for each in products]


def test_the_cheapest_comes_first_and_a_paused_product_is_not_on_the_shelf(shelf):
    assert codes(catalogue()) == ["CHEAP", "LONG", "LARGE"]


@pytest.mark.parametrize(("sort", "first"), [("amount", "LARGE"), ("term", "LONG"), ("nonsense", "CHEAP")])
def test_the_shelf_sorts_as_asked_and_falls_back_to_the_rate(shelf, sort, first):
    assert codes(catalogue(sort=sort))[0] == first


def test_a_product_of_a_bank_that_left_is_not_on_the_shelf(shelf, bank):
    bank.active = False
    bank.save()
    assert codes(catalogue()) == []


def test_guarantee_filters_and_an_unknown_one_shows_all(shelf, bank):
    product(bank, code="SECURED", name="抵押贷", guarantee_mode="collateral").save()
    assert codes(catalogue(guarantee_mode="collateral")) == ["SECURED"]
    assert len(catalogue(guarantee_mode="gold")) == 4


def test_compared_keeps_the_order_chosen_and_leaves_out_paused_and_unknown_ones(shelf):
    chosen = [shelf["large"].pk, shelf["paused"].pk, 0, shelf["cheap"].pk, shelf["large"].pk]
    assert codes(compared(chosen)) == ["LARGE", "CHEAP"]


def test_at_most_four_are_compared(bank):
    many = [product(bank, code=f"P{n}", name=f"贷{n}") for n in range(COMPARE_MOST + 2)]
    for each in many:
        each.save()
    assert len(compared([each.pk for each in many])) == COMPARE_MOST


def test_requirements_read_in_the_pages_language(bank):
    strict = product(
        bank,
        regions=["4403"],
        industries_included=["C"],
        min_firm_age_years=Decimal("2"),
        min_tax_rating="B",
        min_annual_tax_paid=Decimal("10000"),
        policy_tags=["tax_data"],
    )
    with translation.override("zh-hans"):
        chinese = requirements(strict)
    with translation.override("en"):
        english = requirements(strict)
    assert "广东省深圳市" in chinese[0] and "制造业" in chinese[1]
    assert any("¥10,000" in line for line in english)
    assert any("at least 2 years" in line for line in english)
    assert any("B" in line and "better" in line for line in english)
    assert len(chinese) == len(english) == 6


def test_a_product_that_asks_nothing_beyond_its_terms_has_no_requirements(bank):
    assert requirements(product(bank)) == []

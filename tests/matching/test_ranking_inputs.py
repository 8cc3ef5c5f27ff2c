"""What a worker keeps in memory to rank and route (matching.ranking_inputs): kept while its tables are unchanged,
and any change, made any way, in force from the next application the warm worker routes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creditloan.models import Bank
from matching.models import LoanProduct
from matching.ranking_inputs import ranking_inputs
from matching.routing import application_route
from matching.services import matching_settings_publish, product_set_active
from tests.factories import BankFactory, LoanProductFactory, consent, scored_application


def banks_offered(offers) -> list[str]:
    return [offer.bank.code for offer in offers]


def test_a_warm_worker_keeps_the_catalogue_and_reads_only_its_version_while_nothing_changes(application, on_postgres):
    kept = ranking_inputs()

    with CaptureQueriesContext(connection) as statements:
        again = ranking_inputs()

    assert again is kept
    # One statement on PostgreSQL; elsewhere the version is the rows themselves, one read per table.
    assert len(statements) == (1 if on_postgres else len(kept.version))


def test_a_product_paused_is_not_offered_to_the_next_application_a_warm_worker_routes(application):
    assert banks_offered(application_route(application_id=application.pk)) == ["A", "B", "C"]
    product_set_active(product_id=LoanProduct.objects.get(bank__code="A").pk, active=False)

    offers = application_route(application_id=scored_application(application.enterprise).pk)

    assert banks_offered(offers) == ["B", "C", "D"]


def test_a_change_made_behind_the_services_back_is_in_force_for_the_next_application_too(application):
    application_route(application_id=application.pk)
    # An operator's shell or a data fix: no service is told, the table's version changes all the same.
    Bank.objects.filter(code="B").update(active=False)
    LoanProduct.objects.filter(bank__code="C").update(rate_min=Decimal("0.0300"), rate_max=Decimal("0.0310"))

    offers = application_route(application_id=scored_application(application.enterprise).pk)

    assert banks_offered(offers) == ["C", "A", "D"]


def test_a_product_changed_earlier_in_the_routings_own_transaction_is_seen(application):
    # Within one transaction every row written carries the same transaction id: the version must tell the rows
    # apart by more than that.
    application_route(application_id=application.pk)
    LoanProduct.objects.filter(bank__code="A").update(active=False)

    offers = application_route(application_id=scored_application(application.enterprise).pk)

    assert banks_offered(offers) == ["B", "C", "D"]


def test_weights_published_rank_and_offer_the_next_application_a_warm_worker_routes(application):
    application_route(application_id=application.pk)
    matching_settings_publish(approval=0, price=1, fit=0, response=0, top_k=2, note="price alone, two offers")

    offers = application_route(application_id=scored_application(application.enterprise).pk)

    ranking = offers[0].application.rankings.get()
    assert banks_offered(offers) == ["A", "B"]
    assert ranking.settings.note == "price alone, two offers"
    assert [entry["utility"] for entry in ranking.entries] == pytest.approx([e["price"] for e in ranking.entries])


def test_a_product_added_is_offered_to_the_next_application(application):
    application_route(application_id=application.pk)
    LoanProductFactory(bank=BankFactory(code="E"), rate_min=Decimal("0.020"), rate_max=Decimal("0.030"))
    consent(application.enterprise, banks=Bank.objects.filter(code="E"))

    offers = application_route(application_id=scored_application(application.enterprise).pk)

    assert banks_offered(offers) == ["E", "A", "B"]

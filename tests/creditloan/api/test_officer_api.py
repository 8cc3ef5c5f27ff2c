"""A bank officer's API: their own bank's queue only, an offer opened with its access logged, and each
decision taken once however often it is sent."""

import datetime as dt

from django.utils import timezone

from creditloan.api.officer import QueuedOffer, queue_row
from creditloan.models import AccessLog
from matching.models import Loan, Offer
from matching.selectors import bank_queue_rows
from tests.factories import ApplicationFactory


def test_the_queue_holds_only_the_officers_own_bank(world):
    mine = world["as_officer_a"].get("/api/v1/offers/").json()
    theirs = world["as_officer_b"].get("/api/v1/offers/").json()

    assert [row["id"] for row in mine["results"]] == [world["offer"].pk]
    assert theirs["count"] == 0


def test_the_queue_filters_by_state_and_refuses_an_unknown_one(world):
    client = world["as_officer_a"]

    assert client.get("/api/v1/offers/?status=approved").json()["count"] == 0
    assert client.get("/api/v1/offers/?status=all&ordering=-offered_at").json()["count"] == 1
    refused = client.get("/api/v1/offers/?status=everything")
    assert refused.status_code == 400 and "status" in refused.json()["fields"]


def test_another_banks_offer_is_not_found_and_its_firm_not_logged(world):
    path = f"/api/v1/offers/{world['offer'].pk}"

    assert world["as_officer_b"].get(f"{path}/").status_code == 404
    assert world["as_officer_b"].post(f"{path}/accept/").status_code == 404
    assert AccessLog.objects.count() == 0
    assert Offer.objects.get().status == "offered"


def test_opening_an_offer_logs_the_look_and_shows_only_what_the_firm_shared(world):
    opened = world["as_officer_a"].get(f"/api/v1/offers/{world['offer'].pk}/").json()

    assert opened["offer"]["uscc"] == world["firm"].uscc
    assert opened["shared_sources"] == [] and opened["records"] == []
    entry = AccessLog.objects.get()
    assert (entry.viewer, entry.bank.code) == (world["officer_a"], "A")


def test_an_officer_accepts_approves_and_records_the_payout(world):
    client, path = world["as_officer_a"], f"/api/v1/offers/{world['offer'].pk}"

    accepted = client.post(f"{path}/accept/", HTTP_IDEMPOTENCY_KEY="accept-1")
    approved = client.post(
        f"{path}/approve/", {"amount": "500000", "annual_rate": "0.0500", "term_months": 12}, format="json"
    )
    paid = client.post(
        f"{path}/disburse/", {"amount": "500000", "disbursed_on": timezone.localdate().isoformat()}, format="json"
    )

    assert accepted.json()["status"] == "accepted"
    assert approved.json()["status"] == "approved" and approved.json()["approved_rate"] == "0.0500"
    assert paid.json()["status"] == "disbursed"
    assert Loan.objects.get().amount == 500000


def test_a_decision_sent_twice_with_one_key_is_taken_once_and_answered_the_same(world):
    client, path = world["as_officer_a"], f"/api/v1/offers/{world['offer'].pk}"
    decline = {"reason": "insufficient_credit", "note": "经营不足两年"}

    first = client.post(f"{path}/decline/", decline, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    decided_at = Offer.objects.get().decided_at
    again = client.post(f"{path}/decline/", decline, format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    without_key = client.post(f"{path}/decline/", decline, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Offer.objects.get().decided_at == decided_at
    assert without_key.status_code == 409 and without_key.json()["code"] == "invalid_transition"


def test_a_decision_outside_the_products_terms_is_refused_by_field(world):
    client, path = world["as_officer_a"], f"/api/v1/offers/{world['offer'].pk}"
    client.post(f"{path}/accept/")

    refused = client.post(
        f"{path}/approve/", {"amount": "500000", "annual_rate": "0.5000", "term_months": 12}, format="json"
    )

    assert refused.status_code == 400
    assert "annual_rate" in refused.json()["fields"]
    assert Offer.objects.get().status == "accepted"


def test_the_queues_fast_rows_are_what_its_serializer_would_write(world):
    Offer.objects.filter(pk=world["offer"].pk).update(decided_at=timezone.now())
    rows = list(bank_queue_rows(bank=world["products"]["A"].bank, status="all"))

    assert [queue_row(row) for row in rows] == QueuedOffer(rows, many=True).data


def test_the_fast_rows_match_the_serializer_in_utc_too(world, settings):
    settings.TIME_ZONE = "UTC"
    rows = list(bank_queue_rows(bank=world["products"]["A"].bank, status="all"))

    assert [queue_row(row) for row in rows] == QueuedOffer(rows, many=True).data


def routed(world, *, hours_due: float, status: str = "offered", firm=None, **fields) -> Offer:
    """An offer to bank A of an application of its own, offered two weeks ago, due `hours_due` hours from now."""
    now = timezone.now()
    product = world["products"]["A"]
    return Offer.objects.create(
        application=ApplicationFactory(enterprise=firm or world["firm"], applicant=world["applicant"]),
        product=product,
        bank=product.bank,
        rank=1,
        status=status,
        offered_at=now - dt.timedelta(days=14),
        deadline=now + dt.timedelta(hours=hours_due),
        **fields,
    )


def test_the_queue_lists_open_offers_first_and_flags_only_open_ones_overdue(world):
    late = routed(world, hours_due=-3)
    declined = routed(world, hours_due=-48, status="declined", decline_reason="high_leverage")
    approved = routed(world, hours_due=-24, status="approved")

    rows = world["as_officer_a"].get("/api/v1/offers/?status=all").json()["results"]

    assert [(row["id"], row["overdue"]) for row in rows] == [
        (late.pk, True),
        (world["offer"].pk, False),
        (approved.pk, False),
        (declined.pk, False),
    ]
    assert [row["due_at"] is None for row in rows] == [False, False, True, True]


def test_the_queue_narrows_by_product_lateness_and_firm_and_counts_what_it_lists(world):
    late = routed(world, hours_due=-3)
    other_firm = routed(world, hours_due=30, firm=world["other_firm"])
    routed(world, hours_due=-5, status="lapsed")
    client = world["as_officer_a"]

    def ids(query: str) -> tuple[int, list[int]]:
        body = client.get(f"/api/v1/offers/?{query}").json()
        return body["count"], [row["id"] for row in body["results"]]

    assert ids("status=all&overdue=true") == (1, [late.pk])
    assert ids("overdue=false") == (3, [late.pk, other_firm.pk, world["offer"].pk])
    assert ids("search=另一家") == (1, [other_firm.pk])
    assert ids("search=91110000100") == (1, [other_firm.pk])
    assert ids("status=all&product=B-1") == (0, [])
    assert ids("status=all&product=A-1&page_size=2") == (4, [late.pk, other_firm.pk])


def test_the_queue_pages_count_every_row_and_a_page_past_the_last_is_not_found(world):
    routed(world, hours_due=-3)
    routed(world, hours_due=30, firm=world["other_firm"])
    client = world["as_officer_a"]

    second = client.get("/api/v1/offers/?page_size=2&page=2").json()
    past_the_last = client.get("/api/v1/offers/?page_size=2&page=3")
    none_open = client.get("/api/v1/offers/?product=B-1").json()

    assert [row["id"] for row in second["results"]] == [world["offer"].pk]
    assert second["count"] == 3
    assert second["next"] is None
    assert second["previous"].endswith("/api/v1/offers/?page_size=2")
    assert past_the_last.status_code == 404
    assert none_open == {"count": 0, "next": None, "previous": None, "results": []}


def test_the_queue_refuses_a_filter_it_cannot_read_naming_it(world):
    client = world["as_officer_a"]

    maybe = client.get("/api/v1/offers/?overdue=maybe")
    empty = client.get("/api/v1/offers/?search=")
    too_long = client.get(f"/api/v1/offers/?search={'x' * 101}")

    assert maybe.status_code == empty.status_code == too_long.status_code == 400
    assert list(maybe.json()["fields"]) == ["overdue"]
    assert list(empty.json()["fields"]) == ["search"]
    assert list(too_long.json()["fields"]) == ["search"]


def test_another_banks_officer_finds_none_of_these_offers_by_any_filter(world):
    routed(world, hours_due=-3)

    body = world["as_officer_b"].get("/api/v1/offers/?status=all&search=示例").json()

    assert body["count"] == 0 and body["results"] == []


def test_the_offer_and_its_queue_row_give_each_stages_own_time(world):
    client, path = world["as_officer_a"], f"/api/v1/offers/{world['offer'].pk}"
    client.post(f"{path}/accept/")
    taken_up = client.get(f"{path}/").json()["offer"]
    client.post(f"{path}/approve/", {"amount": "500000", "annual_rate": "0.0500", "term_months": 12}, format="json")
    client.post(
        f"{path}/disburse/", {"amount": "500000", "disbursed_on": timezone.localdate().isoformat()}, format="json"
    )

    paid = client.get(f"{path}/").json()["offer"]
    (row,) = client.get("/api/v1/offers/?status=all").json()["results"]

    assert taken_up["accepted_at"] is not None and taken_up["decided_at"] is None
    assert paid["accepted_at"] == taken_up["accepted_at"] <= paid["decided_at"] <= paid["disbursed_at"]
    assert [row[name] for name in ("accepted_at", "decided_at", "disbursed_at")] == [
        paid["accepted_at"],
        paid["decided_at"],
        paid["disbursed_at"],
    ]

"""Drill 5: two officers of one bank decide the same offer at the same moment, many times over. Exactly one
decision is taken each time: one answer 200, the other 409 naming the offer's new state, never two decisions,
never a 5xx; and a declined offer routes its application on once, not twice.

The two requests are released together by a barrier, over the API as the officers' systems would send them.
Half the offers get two acceptances, half two declines (the dangerous pair: each decline routes the application
to its next product).

    .venv/bin/python bench/drills/run.py decision_race
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills import seed  # noqa: E402
from bench.drills.stack import Stack, at_once, check, header, wait_for  # noqa: E402

APPLICATIONS = 40


def drill(stack: Stack, args) -> None:
    header(stack, "drill 5: two officers decide the same offer at the same moment")
    people = seed.applicants_at_work(stack, 8)
    pairs = _two_officers_per_bank()
    ids = []
    for index in range(APPLICATIONS):
        status, body, _ = seed.submit(stack, people[index % len(people)])
        check(status == 201, f"submit answered {status}")
        ids.append(body["id"])
    wait_for("the applications routed", lambda: seed.unsettled(ids) == 0, seconds=120)
    offers = _open_offers(ids)
    check(len(offers) >= APPLICATIONS, f"only {len(offers)} offers to race on")

    answers: Counter = Counter()
    for index, (offer_id, bank_id) in enumerate(offers):
        event = "accept" if index % 2 else "decline"
        body = {"reason": "insufficient_credit", "note": "drill"} if event == "decline" else None
        pair = pairs[bank_id]
        path = f"/api/v1/offers/{offer_id}/{event}/"
        results = at_once(
            [lambda token=token, path=path, body=body: stack.request("POST", path, body, token) for token in pair]
        )
        statuses = sorted(status for status, _ in results)
        answers[(event, tuple(statuses))] += 1
        check(statuses == [200, 409], f"offer #{offer_id}, two {event}s: answered {statuses}: {results}")

    wait_for("declined offers routed on", lambda: seed.unsettled(ids) == 0, seconds=120)
    _check_routed_on_once(ids)
    outcome = seed.account_for(ids)
    print(
        f"{len(offers)} offers raced, two officers each: "
        + ", ".join(
            f"{count} × two {event}s → {list(statuses)}" for (event, statuses), count in sorted(answers.items())
        )
    )
    print(f"accounted for: {outcome}")


def _two_officers_per_bank() -> dict[int, tuple[str, str]]:
    from creditloan.models import Bank, User
    from creditloan.models.accounts import Role
    from creditloan.services import api_token_issue

    pairs = {}
    for bank in Bank.objects.all():
        officers = [
            User.objects.create_user(
                username=f"drill-officer-{bank.code.lower()}-{n}", role=Role.BANK_OFFICER, bank=bank
            )
            for n in (1, 2)
        ]
        pairs[bank.pk] = tuple(api_token_issue(user=officer, name="drill")[1] for officer in officers)
    return pairs


def _open_offers(application_ids: list[int]) -> list[tuple[int, int]]:
    from matching.models import Offer

    return list(
        Offer.objects.filter(application_id__in=application_ids, status="offered")
        .order_by("pk")
        .values_list("pk", "bank_id")
    )


def _check_routed_on_once(application_ids: list[int]) -> None:
    """Each decline offers the application's next product once: the offers still open never outnumber what
    routing sends at once (top K), and each decided offer was decided by one person."""
    from matching.models import MatchingSettings, Offer

    top_k = MatchingSettings.objects.order_by("-pk").values_list("top_k", flat=True).first() or 3
    open_per_application = Counter(
        Offer.objects.filter(application_id__in=application_ids, status__in=["offered", "accepted"]).values_list(
            "application_id", flat=True
        )
    )
    crowded = {app: count for app, count in open_per_application.items() if count > top_k}
    check(not crowded, f"applications with more than {top_k} open offers (routed on twice): {crowded}")


if __name__ == "__main__":
    from bench.drills.run import main

    sys.exit(main(["decision_race", *sys.argv[1:]]))

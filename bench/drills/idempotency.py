"""Drill 6: the same application submitted twice at the same moment, many times over.

- With one Idempotency-Key: one application; both answers are the same 201 with the same id (the later one
  marked Idempotent-Replayed), and it is scored and routed once.
- Without a key: each request is a new application, both complete (a client that wants one must send a key).
- The key used again with a different body: refused with 422 and a reason, nothing stored.
Never a half-written application: every id answered exists, and nothing exists that was not answered.

    .venv/bin/python bench/drills/run.py idempotency
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.drills import seed  # noqa: E402
from bench.drills.stack import Stack, at_once, check, header, wait_for  # noqa: E402

ROUNDS = 30


def drill(stack: Stack, args) -> None:
    from creditloan.models import Application, IdempotencyRecord

    header(stack, "drill 6: one application sent twice at once, with and without an Idempotency-Key")
    people = seed.applicants_at_work(stack, 4)

    answered: list[int] = []
    for round_number in range(ROUNDS):
        person = people[round_number % len(people)]
        key = str(uuid.uuid4())
        pair = at_once([lambda person=person, key=key: seed.submit(stack, person, key)] * 2)
        statuses = [status for status, _, _ in pair]
        check(statuses == [201, 201], f"round {round_number}, one key: answered {statuses}: {pair}")
        ids = {body["id"] for _, body, _ in pair}
        check(len(ids) == 1, f"round {round_number}, one key: two applications {ids}")
        check(pair[0][1] == pair[1][1], f"round {round_number}, one key: the replay differs from the first answer")
        answered += ids

        pair = at_once([lambda person=person: seed.submit(stack, person)] * 2)
        statuses = [status for status, _, _ in pair]
        check(statuses == [201, 201], f"round {round_number}, no key: answered {statuses}")
        ids = {body["id"] for _, body, _ in pair}
        check(len(ids) == 2, f"round {round_number}, no key: {len(ids)} applications, expected 2")
        answered += ids

    key = str(uuid.uuid4())
    first = seed.submit(stack, people[0], key)
    before = Application.objects.count()
    changed = stack.request(
        "POST",
        "/api/v1/applications/",
        seed.application_payload(people[0]) | {"amount": "900000.00"},
        people[0].token,
        headers={"Idempotency-Key": key},
    )
    check(first[0] == 201 and changed[0] == 422, f"the reused key answered {first[0]}, then {changed[0]}")
    check(changed[1]["code"] == "idempotency_key_reused", f"the refusal says {changed[1]}")
    check(Application.objects.count() == before, "the refused request stored an application")
    answered.append(first[1]["id"])

    stored = set(Application.objects.filter(applicant__username__startswith="drill-").values_list("pk", flat=True))
    check(
        stored == set(answered),
        f"stored but never answered: {stored - set(answered)}; answered, not stored: {set(answered) - stored}",
    )
    wait_for("every application scored and routed", lambda: seed.unsettled(answered) == 0, seconds=180)
    outcome = seed.account_for(answered)
    keys = IdempotencyRecord.objects.count()
    check(keys == ROUNDS + 1, f"{keys} keys kept, expected {ROUNDS + 1}")
    print(
        f"{ROUNDS} rounds: one key sent twice at once → 1 application each time (the second answer a replay); "
        f"no key sent twice at once → 2 applications each time; a key reused for another body → 422 "
        f"idempotency_key_reused, nothing stored"
    )
    print(f"accounted for: {outcome}")


if __name__ == "__main__":
    from bench.drills.run import main

    sys.exit(main(["idempotency", *sys.argv[1:]]))

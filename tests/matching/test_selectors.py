"""The ranking's response-record term (bank_response_rates) measures a bank's first answer against its deadline,
read from the stage times: taking an offer up in time counts, whenever the decision came after."""

from matching.selectors import bank_response_rates
from tests.matching.test_dashboard import offer, products  # noqa: F401 (a fixture)


def test_a_bank_that_takes_offers_up_in_time_answers_in_time_however_long_it_then_decides(products):  # noqa: F811
    a, b = products["A"], products["B"]
    offer(a, status="approved", accepted=10, decided=200)  # deadline at 72 hours
    offer(a, status="declined", accepted=70, decided=300, decline_reason="collateral")
    offer(b, status="declined", decided=80, decline_reason="collateral")  # its one answer, late
    offer(b, status="accepted", accepted=20)
    offer(b, status="lapsed")
    offer(b, status="offered")  # not yet due

    assert bank_response_rates() == {"A": 1.0, "B": 1 / 3}

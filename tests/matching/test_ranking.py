"""Ranking: a utility anyone can recompute from its terms, ties that favour no bank, capacity respected."""

from collections import Counter

import numpy as np
import pytest

from matching.ranking import TERMS, ApprovalModel, Candidates, Weights, rank, top_within_capacity

NEUTRAL = ApprovalModel(banks=("A", "B", "C"), intercept=(0.0, 0.0, 0.0), pd_slope=(0.0, 0.0, 0.0), amount_slope=0.0)


def candidates(n: int = 3, **columns) -> Candidates:
    values = {
        "product_ids": np.arange(1, n + 1),
        "bank_positions": NEUTRAL.positions(["A", "B", "C"][:n]),
        "amount_min": np.full(n, 100_000.0),
        "amount_max": np.full(n, 3_000_000.0),
        "term_min": np.full(n, 3.0),
        "term_max": np.full(n, 24.0),
        "rate_min": np.full(n, 0.04),
        "rate_max": np.full(n, 0.08),
        "response_rate": np.full(n, 0.9),
    }
    values.update({name: np.asarray(value) for name, value in columns.items()})
    return Candidates(**values)


def ranked(
    pool: Candidates,
    weights: Weights,
    approval: ApprovalModel = NEUTRAL,
    key: int = 1,
    probability_of_default: float = 0.03,
):
    """The pool ranked for a request of 500,000 yuan over 12 months."""
    return rank(
        pool,
        application_key=key,
        probability_of_default=probability_of_default,
        amount=500_000,
        term_months=12,
        weights=weights,
        approval=approval,
    )


def test_the_cheaper_product_ranks_first_when_only_price_counts():
    result = ranked(candidates(rate_min=[0.06, 0.04, 0.05]), Weights(approval=0, price=1, fit=0, response=0))

    assert result.product_ids.tolist() == [2, 3, 1]


def test_the_bank_likelier_to_approve_ranks_first_when_only_approval_counts():
    approval = ApprovalModel(banks=("A", "B", "C"), intercept=(-1.0, 1.0, 0.0), pd_slope=(0, 0, 0), amount_slope=0)

    result = ranked(candidates(), Weights(approval=1, price=0, fit=0, response=0), approval)

    assert result.product_ids.tolist() == [2, 3, 1]


def test_a_request_in_the_middle_of_a_products_ranges_fits_it_best():
    result = ranked(
        candidates(amount_max=[600_000, 3_000_000, 20_000_000], term_max=[12, 21, 24]),
        Weights(approval=0, price=0, fit=1, response=0),
    )

    assert result.product_ids[0] == 2


def test_the_utility_is_the_weighted_mean_of_the_terms_it_records():
    weights = Weights(approval=0.4, price=0.3, fit=0.2, response=0.1)

    result = ranked(candidates(rate_min=[0.06, 0.04, 0.05], response_rate=[0.2, np.nan, 1.0]), weights)

    recomputed = result.terms @ weights.as_array() / weights.as_array().sum()
    np.testing.assert_allclose(result.utility, recomputed)
    row = result.rows()[0]
    assert set(row) == {"product", "utility", "expected_rate", *TERMS}
    assert 0 <= row["price"] <= 1 and 0 <= row["approval"] <= 1
    assert result.terms[result.product_ids.tolist().index(2), TERMS.index("response")] == 0.5  # no history


def test_a_riskier_applicant_is_expected_to_pay_nearer_the_top_of_the_rate_range():
    pool = candidates()

    safe = ranked(pool, Weights(), probability_of_default=0.0)
    risky = ranked(pool, Weights(), probability_of_default=0.2)

    assert safe.expected_rate.tolist() == [0.04] * 3
    assert risky.expected_rate.tolist() == [0.08] * 3


def test_equal_utilities_keep_one_order_per_application_and_favour_no_bank_across_applications():
    pool = candidates()
    first_place = Counter(ranked(pool, Weights(), key=key).product_ids[0] for key in range(3000))

    assert ranked(pool, Weights(), key=7).product_ids.tolist() == ranked(pool, Weights(), key=7).product_ids.tolist()
    assert set(first_place) == {1, 2, 3}
    assert all(800 < count < 1200 for count in first_place.values())


def test_no_bank_is_offered_more_than_it_can_still_take():
    result = ranked(candidates(rate_min=[0.04, 0.041, 0.05]), Weights(approval=0, price=1, fit=0, response=0))
    banks = {1: "A", 2: "A", 3: "B"}

    assert top_within_capacity(result.product_ids.tolist(), banks, {"A": 1, "B": 5}, k=3) == [1, 3]
    assert top_within_capacity(result.product_ids.tolist(), banks, {"A": 0, "B": 5}, k=3) == [3]


def test_the_approval_model_learns_each_banks_appetite_from_its_decisions():
    rng = np.random.default_rng(0)
    n = 6000
    banks = rng.choice(["strict", "lenient"], n)
    pd_ = rng.uniform(0.005, 0.2, n)
    log_odds = np.where(banks == "strict", -0.5, 1.5) - 1.2 * (np.log(pd_ / (1 - pd_)) + 3)
    approved = rng.random(n) < 1 / (1 + np.exp(-log_odds))

    model = ApprovalModel.fit(banks=banks, probability_of_default=pd_, amount=np.full(n, 500_000.0), approved=approved)

    strict, lenient, unseen = model.probability(model.positions(["strict", "lenient", "new"]), 0.03, 500_000)
    assert lenient > strict
    assert strict < unseen < lenient
    safe, risky = model.probability(model.positions(["strict", "strict"]), np.array([0.01, 0.15]), 500_000)
    assert safe > risky
    assert ApprovalModel.from_dict(model.to_dict()) == model


@pytest.mark.parametrize("weights", [{"approval": -1}, {"approval": 0, "price": 0, "fit": 0, "response": 0}])
def test_weights_must_be_shares_of_something(weights):
    with pytest.raises(ValueError):
        Weights(**weights)


def test_an_amount_that_never_varied_teaches_the_approval_model_nothing_about_amounts():
    rng = np.random.default_rng(1)
    banks = rng.choice(["A", "B"], 2000)
    approved = rng.random(2000) < np.where(banks == "A", 0.3, 0.7)

    model = ApprovalModel.fit(
        banks=banks,
        probability_of_default=rng.uniform(0.01, 0.1, 2000),
        amount=np.full(2000, 500_000.0),
        approved=approved,
    )

    small, large = model.probability(model.positions(["A", "A"]), 0.03, np.array([10_000.0, 10_000_000.0]))
    assert model.amount_slope == 0.0 and small == large


def test_an_unseen_bank_is_judged_by_the_banks_weighted_by_how_much_they_decided():
    model = ApprovalModel(
        banks=("big", "tiny"), intercept=(-1.0, 3.0), pd_slope=(0.0, 0.0), amount_slope=0.0, decisions=(990, 10)
    )

    unseen = model.probability(model.positions(["new"]), 0.03, 500_000)[0]

    assert unseen == pytest.approx(1 / (1 + np.exp(-(-1.0 * 0.99 + 3.0 * 0.01))))


def test_products_priced_alike_tie_even_when_their_floats_differ_in_the_last_bit():
    pool = candidates(2, rate_min=[0.03, 0.04], rate_max=[0.08, 0.07])
    only_price = Weights(approval=0, price=1, fit=0, response=0)
    first = Counter(
        rank(
            pool,
            application_key=key,
            probability_of_default=0.05,
            amount=500_000,
            term_months=12,
            weights=only_price,
            approval=NEUTRAL,
        ).product_ids[0]
        for key in range(400)
    )

    assert set(first) == {1, 2}


def test_ranking_some_positions_of_a_catalogue_is_ranking_those_products_alone():
    rng = np.random.default_rng(5)
    n = 200
    columns = {
        "product_ids": rng.permutation(np.arange(1000, 1000 + n)),
        "bank_positions": NEUTRAL.positions(rng.choice(["A", "B", "C", "new"], n)),
        "amount_min": rng.choice([50_000.0, 100_000.0], n),
        "amount_max": rng.choice([1_000_000.0, 3_000_000.0], n),
        "term_min": rng.choice([3.0, 12.0], n),
        "term_max": rng.choice([12.0, 36.0], n),
        "rate_min": rng.choice([0.03, 0.04], n),
        "rate_max": rng.choice([0.06, 0.08], n),
        "response_rate": rng.choice([0.5, 0.9, np.nan], n),
    }
    catalogue = Candidates(**columns)
    positions = np.flatnonzero(rng.random(n) < 0.3)
    alone = Candidates(**{name: values[positions] for name, values in columns.items()})
    approval = ApprovalModel(
        banks=("A", "B", "C"), intercept=(0.5, -0.2, 1.0), pd_slope=(-1.0, -0.5, -2.0), amount_slope=-0.1
    )

    def ranked_from(pool, **extra):
        return rank(
            pool,
            application_key=99,
            probability_of_default=0.04,
            amount=800_000,
            term_months=12,
            weights=Weights(),
            approval=approval,
            **extra,
        )

    assert ranked_from(catalogue, positions=positions).rows() == ranked_from(alone).rows()

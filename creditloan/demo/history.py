"""Several years of past applications, bank decisions and loan outcomes, driven by the firms' hidden quality.

Banks approve better firms more often (each with its own appetite), and loans default with a probability that
falls with quality, at a rate near what inclusive-finance lending reports (2-8%). Outcomes are only known
once they have happened: a loan still running at the world's date is 'performing'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditloan.demo import names

DAY = np.timedelta64(1, "D")
NEVER_DRAWN = 0.08  # of the approved loans still running, the share the firm never drew
DECLINE_REASONS = np.array(["insufficient_credit", "high_leverage", "insufficient_revenue", "industry_policy"])


@dataclass(frozen=True)
class History:
    applications: pd.DataFrame  # firm index, amount, term, purpose, guarantee, submitted_at, status
    offers: pd.DataFrame  # application index, product index, rank, status, each stage's time, decision terms
    loans: pd.DataFrame  # offer index, amount, rate, term, disbursed_on, outcome, outcome_on


def build_history(
    *,
    seed: int,
    as_of: dt.date,
    registered_on: np.ndarray,
    active: np.ndarray,
    quality: np.ndarray,
    leverage: np.ndarray,
    products: pd.DataFrame,
    banks: pd.DataFrame,
) -> History:
    """`products` has bank (index into `banks`), guarantee_mode, amount/term/rate ranges; `banks` has
    response_deadline_days, appetite and lapse_rate."""
    rng = np.random.default_rng(seed + 1)
    today = np.datetime64(as_of, "D")
    window_start = today - int(4.5 * 365) * DAY
    n_firms = len(quality)

    counts = np.where(active, rng.poisson(0.3, size=n_firms), 0)
    firm = np.repeat(np.arange(n_firms), counts)
    earliest = np.maximum(registered_on[firm] + 90 * DAY, window_start)
    latest = today - 20 * DAY
    usable = earliest < latest
    firm, earliest = firm[usable], earliest[usable]
    n = len(firm)
    span = (latest - earliest) // DAY
    submitted_day = earliest + (rng.random(n) * span).astype(np.int64) * DAY
    submitted_at = submitted_day.astype("datetime64[s]") + rng.integers(8 * 3600, 20 * 3600, size=n).astype(
        "timedelta64[s]"
    )
    order = np.argsort(submitted_at, kind="stable")
    firm, submitted_at = firm[order], submitted_at[order]

    amount = np.clip(np.round(rng.lognormal(np.log(500_000), 0.8, size=n), -4), 100_000, 10_000_000)
    term = rng.choice(np.array([6, 12, 24, 36]), size=n, p=[0.15, 0.45, 0.25, 0.15])
    guarantee = rng.choice(np.array(["credit", "guarantee", "collateral"]), size=n, p=[0.7, 0.2, 0.1])

    fits = (
        (guarantee[:, None] == products["guarantee_mode"].to_numpy()[None, :])
        & (amount[:, None] >= products["amount_min"].to_numpy()[None, :])
        & (amount[:, None] <= products["amount_max"].to_numpy()[None, :])
        & (term[:, None] >= products["term_min"].to_numpy()[None, :])
        & (term[:, None] <= products["term_max"].to_numpy()[None, :])
    )
    # Up to three fitting products, in random order: the routing of the day, before any learned ranking.
    noise = np.where(fits, rng.random(fits.shape), -1.0)
    top = np.argsort(-noise, axis=1)[:, :3]
    top_fits = np.take_along_axis(fits, top, axis=1)
    app_index, rank0 = np.nonzero(top_fits)
    product = top[app_index, rank0]
    bank = products["bank"].to_numpy()[product]
    m = len(product)

    offered_at = submitted_at[app_index] + rng.integers(600, 7200, size=m).astype("timedelta64[s]")
    deadline_days = banks["response_deadline_days"].to_numpy()[bank]
    deadline = offered_at + (deadline_days * 7 // 5 * 86400).astype("timedelta64[s]")
    lapsed = rng.random(m) < banks["lapse_rate"].to_numpy()[bank]
    seen_quality = quality[firm[app_index]] + 0.5 * rng.standard_normal(m)
    approve_logit = (
        0.3 + 1.5 * seen_quality - banks["appetite"].to_numpy()[bank] - 0.15 * np.log(amount[app_index] / 500_000)
    )
    approved = ~lapsed & (rng.random(m) < 1 / (1 + np.exp(-approve_logit)))
    decided_at = np.where(
        lapsed,
        deadline,
        offered_at + (rng.random(m) * deadline_days * 86400).astype("timedelta64[s]"),
    )

    # The first approval by rank wins; other approvals are closed when that loan is granted.
    rank_if_approved = np.where(approved, rank0, 99)
    best_rank = np.full(n, 99)
    np.minimum.at(best_rank, app_index, rank_if_approved)
    winner = approved & (rank0 == best_rank[app_index])
    withdrawn_app = rng.random(n) < 0.03
    status = np.select(
        [withdrawn_app[app_index] & ~winner, winner, approved, lapsed],
        ["closed", "disbursed", "closed", "lapsed"],
        "declined",
    )
    status = np.where(withdrawn_app[app_index] & winner, "closed", status)
    winner = winner & ~withdrawn_app[app_index]
    # Each stage's own time, from a stream of its own: the history's decisions and loans stay what they were.
    accepted_at, decided_at = _stage_times(
        np.random.default_rng(seed + 2),
        app_index=app_index,
        n_applications=n,
        offered_at=offered_at,
        answered_at=decided_at,
        status=status,
        winner=winner,
        lapse_rate=banks["lapse_rate"].to_numpy()[bank],
    )

    product_rate_min = products["rate_min"].to_numpy()[product]
    product_rate_max = products["rate_max"].to_numpy()[product]
    risk_position = np.clip(0.5 - 0.25 * seen_quality, 0, 1)
    approved_rate = np.round(product_rate_min + risk_position * (product_rate_max - product_rate_min), 4)
    approved_amount = np.clip(
        np.round(amount[app_index] * rng.uniform(0.6, 1.0, size=m), -4),
        products["amount_min"].to_numpy()[product],
        products["amount_max"].to_numpy()[product],
    )
    has_terms = winner
    offers = pd.DataFrame(
        {
            "application": app_index,
            "product": product,
            "rank": rank0 + 1,
            "status": status,
            "offered_at": offered_at,
            "deadline": deadline,
            "accepted_at": accepted_at,
            "decided_at": decided_at,
            "decline_reason": np.where(status == "declined", rng.choice(DECLINE_REASONS, size=m), ""),
            "approved_amount": np.where(has_terms, approved_amount, np.nan),
            "approved_rate": np.where(has_terms, approved_rate, np.nan),
            "approved_term_months": np.where(has_terms, term[app_index], 0),
        }
    )

    offer_index = np.nonzero(winner)[0]
    loan_term = term[app_index[offer_index]]
    disbursed_on = decided_at[offer_index].astype("datetime64[D]") + rng.integers(1, 10, size=len(offer_index)) * DAY
    in_past = disbursed_on <= today
    # Approved, and the payout still to come on the world's date.
    offers.loc[offer_index[~in_past], "status"] = "approved"
    offer_index, loan_term, disbursed_on = offer_index[in_past], loan_term[in_past], disbursed_on[in_past]
    # The payout is recorded during the bank's working hours on the loan's day.
    offers["disbursed_at"] = np.datetime64("NaT", "s")
    payout_hour = np.random.default_rng(seed + 3).integers(9 * 3600, 17 * 3600, size=len(offer_index))
    payout_hour = payout_hour.astype("timedelta64[s]")
    offers.loc[offer_index, "disbursed_at"] = disbursed_on.astype("datetime64[s]") + payout_hour
    loan_firm = firm[app_index[offer_index]]
    # Leverage sinks weak firms and barely touches strong ones (see creditloan.demo.world).
    weakness = 1 / (1 + np.exp(2 * quality[loan_firm]))
    default_logit = (
        -3.2
        - 1.3 * quality[loan_firm]
        + 1.2 * leverage[loan_firm] * weakness
        + 0.2 * rng.standard_normal(len(offer_index))
    )
    defaults = rng.random(len(offer_index)) < 1 / (1 + np.exp(-default_logit))
    default_on = (
        disbursed_on
        + (rng.uniform(0.15, 1.0, size=len(offer_index)) * loan_term * 30).astype(np.int64) * DAY
        + 90 * DAY
    )
    maturity = disbursed_on + loan_term * 30 * DAY
    outcome = np.select(
        [defaults & (default_on <= today), ~defaults & (maturity <= today)], ["defaulted", "repaid"], "performing"
    )
    outcome_on = np.where(
        outcome == "defaulted", default_on, np.where(outcome == "repaid", maturity, np.datetime64("NaT"))
    )
    loans = pd.DataFrame(
        {
            "offer": offer_index,
            "amount": approved_amount[offer_index],
            "annual_rate": approved_rate[offer_index],
            "term_months": loan_term,
            "disbursed_on": disbursed_on,
            "outcome": outcome,
            "outcome_on": outcome_on,
        }
    )
    # Some firms never draw a loan approved for them (the terms no longer suit them): the offer stays approved.
    # Taken only from loans with no outcome yet, so the risk model learns from the same loans either way.
    never_drawn = (outcome == "performing") & (np.random.default_rng(seed + 4).random(len(loans)) < NEVER_DRAWN)
    offers.loc[offer_index[never_drawn], ["status", "disbursed_at"]] = ["approved", np.datetime64("NaT", "s")]
    loans = loans[~never_drawn].reset_index(drop=True)

    offered_any = np.zeros(n, dtype=bool)
    offered_any[app_index] = True
    granted = np.zeros(n, dtype=bool)
    granted[app_index[winner]] = True
    app_status = np.select([~offered_any, withdrawn_app, granted], ["not_eligible", "withdrawn", "granted"], "declined")
    applications = pd.DataFrame(
        {
            "firm": firm,
            "amount": amount,
            "term_months": term,
            "purpose": rng.choice(names.APPLICATION_PURPOSES, size=n),
            "guarantee_mode": guarantee,
            "submitted_at": submitted_at,
            "status": app_status,
        }
    )
    return History(applications=applications, offers=offers, loans=loans)


def _stage_times(
    rng: np.random.Generator,
    *,
    app_index: np.ndarray,
    n_applications: int,
    offered_at: np.ndarray,
    answered_at: np.ndarray,
    status: np.ndarray,
    winner: np.ndarray,
    lapse_rate: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(accepted_at, decided_at) as banks leave them, given when each offer was last answered: most are taken
    up (接单) a while before their decision, sooner at banks that let fewer lapse; some declines come at once,
    without review. A lapsed offer has neither; a closed one no decision, and a 接单 only if it came before the
    application was granted (granting closes the other offers, as approving does on the platform)."""
    m = len(app_index)
    nat = np.datetime64("NaT", "s")
    lapsed, closed = status == "lapsed", status == "closed"
    declined_at_once = (status == "declined") & (rng.random(m) < 0.3)
    share_before_acceptance = np.clip(rng.lognormal(np.log(0.15 + 2 * lapse_rate), 0.6), 0.02, 0.9)
    waited = (answered_at - offered_at).astype("timedelta64[s]").astype(np.int64)
    taken_up_at = offered_at + (share_before_acceptance * waited).astype("timedelta64[s]")
    accepted_at = np.where(lapsed | declined_at_once, nat, taken_up_at)

    never = np.iinfo(np.int64).max
    granted_at = np.full(n_applications, never)
    np.minimum.at(granted_at, app_index, np.where(winner, answered_at.astype(np.int64), never))
    accepted_at = np.where(closed & (accepted_at.astype(np.int64) >= granted_at[app_index]), nat, accepted_at)
    decided_at = np.where(lapsed | closed, nat, answered_at)
    return accepted_at, decided_at

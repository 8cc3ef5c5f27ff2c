"""How long does matching one application against 10,000 products take?

Builds N products (default 10,000) with the rule mix of the demo catalogue (regions, industries, kinds, ages,
ratings, customs classes, grades, PDs, minimums, policy tags), compiles them once into the eligibility table,
then times, for a stream of varied applicants, the eligibility pass alone, the pass that keeps each rule's
failures (for reasons), and eligibility followed by ranking the eligible products (terms, utility, order):
p50 and p99, and the share of products each applicant was eligible for.

    .venv/bin/python bench/match.py [--products 10000] [--applicants 20000]

No database: the question is the cost of the vector pass itself (the catalogue is compiled once, as a
worker keeps it). bench/lapse_sweep.py measures the sweep of lapsed offers.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._setup import machine_description  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditloan.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--applicants", type=int, default=20_000)
    args = parser.parse_args()
    import django

    django.setup()
    from creditloan.demo.catalog import BANKS, products_of
    from creditloan.reference.regions import PROVINCES
    from matching.eligibility import Applicant, ProductRules, ProductTable
    from matching.ranking import ApprovalModel, Candidates, Weights, rank

    print(machine_description())
    rng = np.random.default_rng(3)
    templates = [template for index in range(len(BANKS)) for template in products_of(index)]
    provinces = sorted(PROVINCES)
    products = []
    for number in range(args.products):
        template = templates[number % len(templates)]
        rules = dict(template.rules)
        if rng.random() < 0.3:  # a third are local: one to three provinces
            rules["regions"] = list(rng.choice(provinces, size=rng.integers(1, 4), replace=False))
        products.append(
            ProductRules(
                product_id=number,
                guarantee_mode=template.guarantee_mode,
                amount_min=template.amount_min,
                amount_max=template.amount_max,
                term_min_months=template.term_min,
                term_max_months=template.term_max,
                bank_id=number % len(BANKS) + 1,
                **{name: float(value) if isinstance(value, int) else value for name, value in rules.items()},
            )
        )

    def consent_drawn(rng) -> dict[int, frozenset[str]]:
        """Most firms let every bank see every source; the rest, some banks some sources."""
        if rng.random() < 0.7:
            return dict.fromkeys(range(1, len(BANKS) + 1), frozenset({"public_credit", "tax", "bank", "customs"}))
        banks = rng.choice(np.arange(1, len(BANKS) + 1), size=rng.integers(1, len(BANKS) + 1), replace=False)
        return {
            int(bank): frozenset(
                {"public_credit", *rng.choice(["tax", "bank", "customs"], size=rng.integers(0, 4), replace=False)}
            )
            for bank in banks
        }

    start = time.perf_counter()
    table = ProductTable(products)
    print(f"products: {len(table):,}; compiled into the table in {(time.perf_counter() - start) * 1000:.0f} ms (once)")

    applicants = [
        Applicant(
            region=f"{rng.choice(provinces)}0100",
            industry=str(rng.choice(["3911", "5211", "6110", "4710", "6511", "0111", "7310"])),
            kind=str(rng.choice(["company", "sole_proprietor"], p=[0.6, 0.4])),
            firm_age_years=float(rng.uniform(0, 20)),
            tax_rating=str(rng.choice(["A", "B", "M", "C", "D", ""])),
            customs_class=str(rng.choice(["", "", "", "registered", "advanced_certified"])),
            tax_paid=float(rng.lognormal(10, 1.5)) if rng.random() < 0.8 else math.nan,
            revenue=float(rng.lognormal(14, 1.5)) if rng.random() < 0.8 else math.nan,
            grade=str(rng.choice(list("ABCDE"))),
            probability_of_default=float(rng.uniform(0.002, 0.3)),
            amount=float(rng.choice([200_000, 500_000, 1_000_000, 3_000_000])),
            term_months=int(rng.choice([6, 12, 24, 36])),
            guarantee_mode=str(rng.choice(["credit", "guarantee", "collateral"])),
            consent=consent_drawn(rng),
        )
        for _ in range(args.applicants)
    ]
    codes = np.array([BANKS[number % len(BANKS)].code for number in range(len(products))])
    approval = ApprovalModel(
        banks=tuple(bank.code for bank in BANKS),
        intercept=tuple(rng.normal(0.5, 0.5, len(BANKS))),
        pd_slope=tuple(-rng.uniform(0.8, 1.5, len(BANKS))),
        amount_slope=-0.1,
    )
    catalogue = Candidates(
        product_ids=table.product_ids,
        bank_positions=approval.positions(codes),
        amount_min=table.amount_min,
        amount_max=table.amount_max,
        term_min=table.term_min,
        term_max=table.term_max,
        rate_min=np.array([templates[n % len(templates)].rate_min for n in range(len(products))]),
        rate_max=np.array([templates[n % len(templates)].rate_max for n in range(len(products))]),
        response_rate=rng.uniform(0.6, 1.0, len(products)),
    )
    weights = Weights()

    def match(applicant, key):
        return rank(
            catalogue,
            positions=table.eligible_positions(applicant),
            application_key=key,
            probability_of_default=applicant.probability_of_default,
            amount=applicant.amount,
            term_months=applicant.term_months,
            weights=weights,
            approval=approval,
        )

    for key, applicant in enumerate(applicants[:200]):
        match(applicant, key)
    timings, verdicts, matched, shares = [], [], [], []
    for key, applicant in enumerate(applicants):
        start = time.perf_counter()
        eligible = table.eligible_positions(applicant)
        timings.append(time.perf_counter() - start)
        shares.append(len(eligible) / len(table))
        start = time.perf_counter()
        table.evaluate(applicant)
        verdicts.append(time.perf_counter() - start)
        start = time.perf_counter()
        match(applicant, key)
        matched.append(time.perf_counter() - start)
    for title, measured in (
        (f"eligibility of one applicant against every product ({len(applicants):,} applicants)", timings),
        ("each rule's failures kept, for the reasons an applicant is shown", verdicts),
        ("eligibility, then the eligible products ranked (terms, utility, order)", matched),
    ):
        p50, p90, p99 = np.percentile(np.array(measured) * 1e6, [50, 90, 99])
        print(title)
        print(f"p50 {p50:.0f} µs   p90 {p90:.0f} µs   p99 {p99:.0f} µs")
    with_one = np.mean(np.array(shares) > 0)
    print(f"eligible: median {np.median(shares):.1%} of products; {with_one:.1%} of applicants have at least one")


if __name__ == "__main__":
    main()

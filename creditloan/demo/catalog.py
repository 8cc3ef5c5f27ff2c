"""The demo's banks and their loan products: realistic terms, fictional institutions."""

from __future__ import annotations

from dataclasses import dataclass, field

from creditloan.demo.world import BANK_CODES


@dataclass(frozen=True)
class DemoBank:
    code: str
    name: str
    response_deadline_days: int
    monthly_capacity: int
    # Hidden from the platform: how demanding its credit officers are and how often they let an offer lapse.
    appetite: float
    lapse_rate: float
    # Where a local bank lends (GB/T 2260 prefixes); empty for national ones.
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoProduct:
    name: str
    guarantee_mode: str
    amount_min: int
    amount_max: int
    term_min: int
    term_max: int
    rate_min: float
    rate_max: float
    repayment_methods: tuple[str, ...]
    # Eligibility rules, as LoanProduct fields (empty: none).
    rules: dict = field(default_factory=dict, hash=False, compare=False)


BANKS = (
    DemoBank(BANK_CODES[0], "华信银行", 3, 4000, 0.2, 0.03),
    DemoBank(BANK_CODES[1], "江南商业银行", 3, 3000, 0.0, 0.05),
    DemoBank(BANK_CODES[2], "东岳农村商业银行", 5, 2500, 0.4, 0.08, ("37",)),
    DemoBank(BANK_CODES[3], "中善城市商业银行", 3, 3500, -0.2, 0.04),
    DemoBank(BANK_CODES[4], "兴业通银行", 2, 5000, -0.4, 0.02),
    DemoBank(BANK_CODES[5], "海北农商银行", 5, 1500, 0.6, 0.10, ("46", "44")),
    DemoBank(BANK_CODES[6], "远通银行", 3, 3000, 0.1, 0.05),
    DemoBank(BANK_CODES[7], "长江普惠银行", 4, 2500, 0.3, 0.06),
    DemoBank(BANK_CODES[8], "渤海湾商业银行", 3, 2000, -0.1, 0.04),
    DemoBank(BANK_CODES[9], "天府村镇银行", 5, 1000, 0.8, 0.12, ("51", "50")),
)

_TEMPLATES = (
    DemoProduct(
        "税易贷",
        "credit",
        100_000,
        3_000_000,
        3,
        12,
        0.0385,
        0.065,
        ("equal_instalments", "flexible"),
        {"min_tax_rating": "B", "min_annual_tax_paid": 10_000, "policy_tags": ["tax_data"], "max_risk_grade": "D"},
    ),
    DemoProduct(
        "信易贷",
        "credit",
        100_000,
        2_000_000,
        6,
        24,
        0.042,
        0.08,
        ("equal_instalments", "interest_first"),
        {"min_firm_age_years": 1, "max_risk_grade": "D"},
    ),
    DemoProduct(
        "流水贷",
        "credit",
        100_000,
        1_000_000,
        3,
        12,
        0.055,
        0.12,
        ("flexible",),
        {"policy_tags": ["bank_data"], "max_probability_of_default": 0.15},
    ),
    DemoProduct(
        "商户贷",
        "credit",
        100_000,
        500_000,
        3,
        12,
        0.06,
        0.12,
        ("equal_instalments",),
        {"enterprise_kinds": ["sole_proprietor", "company"], "industries_included": ["F", "H", "O"]},
    ),
    DemoProduct(
        "外贸贷",
        "credit",
        200_000,
        5_000_000,
        6,
        12,
        0.04,
        0.07,
        ("interest_first",),
        {"customs_classes": ["advanced_certified", "registered"], "policy_tags": ["customs_data"]},
    ),
    DemoProduct(
        "担保贷",
        "guarantee",
        300_000,
        5_000_000,
        6,
        36,
        0.045,
        0.09,
        ("equal_principal", "interest_first"),
        {"min_firm_age_years": 2},
    ),
    DemoProduct(
        "科创贷",
        "guarantee",
        500_000,
        10_000_000,
        12,
        36,
        0.035,
        0.06,
        ("interest_first",),
        {"industries_included": ["C", "I", "M"], "enterprise_kinds": ["company"], "max_risk_grade": "C"},
    ),
    DemoProduct(
        "抵押经营贷",
        "collateral",
        500_000,
        10_000_000,
        12,
        36,
        0.035,
        0.055,
        ("equal_principal", "interest_first"),
        {"min_firm_age_years": 2, "industries_excluded": ["K"]},
    ),
)


def products_of(bank_index: int) -> list[DemoProduct]:
    """Five products a bank, varied per bank so that no two banks offer quite the same terms."""
    chosen = [_TEMPLATES[(bank_index + step * 3) % len(_TEMPLATES)] for step in range(5)]
    shift = (bank_index % 5 - 2) * 0.002
    return [
        DemoProduct(
            name=template.name,
            guarantee_mode=template.guarantee_mode,
            amount_min=template.amount_min,
            amount_max=template.amount_max,
            term_min=template.term_min,
            term_max=template.term_max,
            rate_min=round(max(0.035, template.rate_min + shift), 4),
            rate_max=round(min(0.12, template.rate_max + shift), 4),
            repayment_methods=template.repayment_methods,
            rules=template.rules | ({"regions": list(BANKS[bank_index].regions)} if BANKS[bank_index].regions else {}),
        )
        for template in dict.fromkeys(chosen)
    ]

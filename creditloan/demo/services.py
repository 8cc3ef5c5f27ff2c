"""Building the demo world into the database: files through the real importer, then banks and history."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from creditloan.demo.catalog import BANKS, products_of
from creditloan.demo.history import build_history
from creditloan.demo.world import iter_world
from creditloan.flows.records import records_import
from creditloan.identity.services import agent_request, delegation_approve, enterprise_claim, identity_verify
from creditloan.ingestion.services import ImportSource, Progress
from creditloan.models import (
    Application,
    Authorisation,
    AuthorisationPurpose,
    Bank,
    Enterprise,
    EnterpriseKind,
    EnterpriseStatus,
    ImportBatch,
    Role,
    User,
)
from creditloan.models.consent import CONSENT_SOURCES
from creditloan.services import authorisation_grant
from matching.models import Loan, LoanProduct, Offer
from matching.services import bank_months_recount

logger = logging.getLogger(__name__)

SOURCES = ("enterprises", "public_credit", "tax", "customs", "bank")
# The demo world's published password, printed by scripts/demo.sh; production settings refuse demo data.
DEMO_PASSWORD = "xinyidai-demo-2026"  # nosec B105
DEFAULT_AS_OF = dt.date(2026, 10, 31)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class DemoSummary:
    batch: ImportBatch | None
    files: dict[str, Path]
    banks: int
    products: int
    applications: int
    offers: int
    loans: int
    defaults: int
    logins: list[tuple[str, str, str]]


@dataclass(frozen=True)
class Population:
    """What the loan history needs of a world once its files are written: the firms and their hidden traits."""

    enterprises: pd.DataFrame
    quality: np.ndarray
    leverage: np.ndarray


def demo_world_write(*, enterprises: int, seed: int, as_of: dt.date, out_dir: Path) -> tuple[Population, dict]:
    """Build the world and write one CSV per source, in the documented import formats, a source at a time so
    that only one source's frame is held at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    parts, files = {}, {}
    for name, part in iter_world(enterprises, seed=seed, as_of=as_of):
        if name in SOURCES:
            files[name] = out_dir / f"{name}.csv"
            part.to_csv(files[name], index=False)
        if name in ("enterprises", "quality", "leverage"):
            parts[name] = part
    return Population(**parts), files


def demo_world_generate(
    *,
    enterprises: int,
    seed: int,
    as_of: dt.date = DEFAULT_AS_OF,
    out_dir: Path | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> DemoSummary:
    """Write the world's files, import them as one batch, then add banks, products, history and accounts."""
    with tempfile.TemporaryDirectory(prefix="demo-world-") as scratch:
        population, files = demo_world_write(
            enterprises=enterprises, seed=seed, as_of=as_of, out_dir=out_dir or Path(scratch)
        )
        batch = records_import(
            files=[ImportSource(source, path) for source, path in files.items()],
            origin="generate_demo_data",
            on_progress=on_progress,
        )
    with transaction.atomic():
        banks, products = _banks_and_products()
        counts = _history(population, banks, products, seed=seed, as_of=as_of)
        logins = demo_accounts_create(banks=banks)
    return DemoSummary(batch, files if out_dir else {}, len(banks), len(products), *counts, logins)


def _banks_and_products() -> tuple[list[Bank], list[LoanProduct]]:
    banks, products = [], []
    for index, spec in enumerate(BANKS):
        bank, _ = Bank.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "contact_email": f"credit@{spec.code.lower()}.bank.example",
                "response_deadline_days": spec.response_deadline_days,
                "monthly_capacity": spec.monthly_capacity,
                "active": True,
            },
        )
        banks.append(bank)
        for number, template in enumerate(products_of(index), start=1):
            product, _ = LoanProduct.objects.update_or_create(
                code=f"{spec.code}-{number:02d}",
                defaults={
                    "bank": bank,
                    "name": template.name,
                    "guarantee_mode": template.guarantee_mode,
                    "repayment_methods": list(template.repayment_methods),
                    "amount_min": Decimal(template.amount_min),
                    "amount_max": Decimal(template.amount_max),
                    "term_min_months": template.term_min,
                    "term_max_months": template.term_max,
                    "rate_min": Decimal(str(template.rate_min)),
                    "rate_max": Decimal(str(template.rate_max)),
                    "active": True,
                    **_product_rules(template.rules),
                },
            )
            products.append(product)
    return banks, products


def _product_rules(rules: dict) -> dict:
    """A demo product's rules as LoanProduct fields (money and ages as Decimal), every other rule left open."""
    empty = {
        "regions": [],
        "industries_included": [],
        "industries_excluded": [],
        "enterprise_kinds": [],
        "min_firm_age_years": None,
        "min_tax_rating": "",
        "customs_classes": [],
        "max_risk_grade": "",
        "max_probability_of_default": None,
        "min_annual_tax_paid": None,
        "min_annual_revenue": None,
        "policy_tags": [],
    }
    decimals = {"min_firm_age_years", "min_annual_tax_paid", "min_annual_revenue"}
    return empty | {name: Decimal(str(value)) if name in decimals else value for name, value in rules.items()}


def _history(population: Population, banks: list[Bank], products: list[LoanProduct], *, seed: int, as_of: dt.date):
    bank_index = {bank.pk: index for index, bank in enumerate(banks)}
    products_frame = pd.DataFrame(
        {
            "bank": [bank_index[product.bank_id] for product in products],
            "guarantee_mode": [product.guarantee_mode for product in products],
            "amount_min": [float(product.amount_min) for product in products],
            "amount_max": [float(product.amount_max) for product in products],
            "term_min": [product.term_min_months for product in products],
            "term_max": [product.term_max_months for product in products],
            "rate_min": [float(product.rate_min) for product in products],
            "rate_max": [float(product.rate_max) for product in products],
        }
    )
    banks_frame = pd.DataFrame(
        {
            "response_deadline_days": [spec.response_deadline_days for spec in BANKS],
            "appetite": [spec.appetite for spec in BANKS],
            "lapse_rate": [spec.lapse_rate for spec in BANKS],
        }
    )
    firms = population.enterprises
    history = build_history(
        seed=seed,
        as_of=as_of,
        registered_on=firms["registered_on"].to_numpy().astype("datetime64[D]"),
        active=(firms["status"] == EnterpriseStatus.ACTIVE).to_numpy(),
        quality=population.quality,
        leverage=population.leverage,
        products=products_frame,
        banks=banks_frame,
    )
    ids = dict(Enterprise.objects.filter(uscc__in=list(firms["uscc"])).values_list("uscc", "id").iterator(10_000))
    firm_ids = np.array([ids[code] for code in firms["uscc"]])
    apps, offers, loans = history.applications, history.offers, history.loans
    offers_by_app = offers.groupby("application").indices
    loans_by_offer = {offer: row for row, offer in enumerate(loans["offer"].to_numpy())}
    # Plain dicts: a pandas row lookup per offer (.iloc) costs ~100 us; a million of them, minutes.
    offer_records, loan_records = offers.to_dict("records"), loans.to_dict("records")
    created = [0, 0, 0]
    step = 5000
    for start in range(0, len(apps), step):
        chunk = apps.iloc[start : start + step]
        application_objects = Application.objects.bulk_create(
            [
                Application(
                    enterprise_id=int(firm_ids[row.firm]),
                    amount=Decimal(int(row.amount)),
                    term_months=int(row.term_months),
                    purpose=row.purpose,
                    guarantee_mode=row.guarantee_mode,
                    status=row.status,
                    submitted_at=_aware(row.submitted_at),
                )
                for row in chunk.itertuples()
            ]
        )
        offer_rows = [
            (app_object, offer_row)
            for app_position, app_object in zip(range(start, start + len(chunk)), application_objects)
            for offer_row in offers_by_app.get(app_position, ())
        ]
        offer_objects = Offer.objects.bulk_create(
            [_offer(app, offer_records[row], products) for app, row in offer_rows]
        )
        loan_objects = [
            _loan(offer_object, loan_records[loans_by_offer[row]])
            for offer_object, (_, row) in zip(offer_objects, offer_rows)
            if row in loans_by_offer
        ]
        Loan.objects.bulk_create(loan_objects)
        _consent_of_history(application_objects, offer_objects)
        created[0] += len(application_objects)
        created[1] += len(offer_objects)
        created[2] += len(loan_objects)
    # The history's offers use up the banks' capacity in their months, as routed offers would.
    bank_months_recount()
    defaults = int((loans["outcome"] == "defaulted").sum())
    return created[0], created[1], created[2], defaults


# A past application came with its firm's consent: every source, to the banks it was routed to, for half a year.
# (One row each, carried over from before the platform: the rule that tax and bank data are each granted on
# their own applies to the grants given here, through authorisation_grant.)
HISTORY_CONSENT_DAYS = 182


def _consent_of_history(applications: list[Application], offers: list[Offer]) -> None:
    banks_of: dict[int, set[int]] = {}
    for offer in offers:
        banks_of.setdefault(offer.application_id, set()).add(offer.bank_id)
    sources = [value for value, _label in CONSENT_SOURCES]
    grants = Authorisation.objects.bulk_create(
        Authorisation(
            enterprise_id=application.enterprise_id,
            sources=sources,
            purpose=AuthorisationPurpose.FINANCING,
            text="本企业授权信易贷平台使用其公共信用、纳税、海关及银行数据，用于融资申请，并向所申请的银行提供。",
            granted_at=application.submitted_at - dt.timedelta(minutes=10),
            expires_on=timezone.localdate(application.submitted_at) + dt.timedelta(days=HISTORY_CONSENT_DAYS),
        )
        for application in applications
    )
    Authorisation.banks.through.objects.bulk_create(
        Authorisation.banks.through(authorisation_id=grant.pk, bank_id=bank_id)
        for grant, application in zip(grants, applications, strict=True)
        for bank_id in sorted(banks_of.get(application.pk, ()))
    )


def _aware(value) -> dt.datetime:
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=SHANGHAI)


def _aware_or_none(value) -> dt.datetime | None:
    return None if pd.isna(value) else _aware(value)


def _offer(application: Application, row: dict, products: list[LoanProduct]) -> Offer:
    has_terms = not np.isnan(row["approved_amount"])
    product = products[int(row["product"])]
    return Offer(
        application=application,
        product=product,
        bank_id=product.bank_id,
        rank=int(row["rank"]),
        status=row["status"],
        offered_at=_aware(row["offered_at"]),
        deadline=_aware(row["deadline"]),
        accepted_at=_aware_or_none(row["accepted_at"]),
        decided_at=_aware_or_none(row["decided_at"]),
        disbursed_at=_aware_or_none(row["disbursed_at"]),
        decline_reason=row["decline_reason"],
        approved_amount=Decimal(int(row["approved_amount"])) if has_terms else None,
        approved_rate=Decimal(str(row["approved_rate"])) if has_terms else None,
        approved_term_months=int(row["approved_term_months"]) if has_terms else None,
    )


def _loan(offer: Offer, row: dict) -> Loan:
    return Loan(
        offer=offer,
        amount=offer.approved_amount,
        annual_rate=offer.approved_rate,
        term_months=int(row["term_months"]),
        disbursed_on=pd.Timestamp(row["disbursed_on"]).date(),
        outcome=row["outcome"],
        outcome_on=None if pd.isna(row["outcome_on"]) else pd.Timestamp(row["outcome_on"]).date(),
    )


def demo_accounts_create(*, banks: list[Bank]) -> list[tuple[str, str, str]]:
    """One operator, one credit officer per bank, and the legal representative of a demo firm (`applicant`) with
    an agent it approved (`agent`); returns the logins. The applicant is verified through the same services a
    person goes through, its mobile taken as confirmed (nobody can read a demo account's texts)."""
    logins = []

    def account(username: str, role: Role, *, bank: Bank | None = None, staff: bool = False, phone: str = "") -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "bank": bank, "is_staff": staff, "is_superuser": staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if phone:
                user.phone, user.phone_confirmed_at = phone, timezone.now()
            user.save()
        logins.append((username, DEMO_PASSWORD, f"{role.label}{' · ' + bank.name if bank else ''}"))
        return user

    account("operator", Role.OPERATOR, staff=True)
    for bank in banks:
        account(f"officer-{bank.code.lower()}", Role.BANK_OFFICER, bank=bank)
    applicant = account("applicant", Role.APPLICANT, phone=DEMO_PHONES["applicant"])
    agent = account("agent", Role.APPLICANT, phone=DEMO_PHONES["agent"])
    firm = demo_firms_to_claim().first()
    if firm is None or applicant.identity_verified:
        return logins
    identity_verify(
        user=applicant, real_name=firm.legal_representative_name, resident_id=firm.legal_representative_id.unmasked
    )
    enterprise_claim(user=applicant, uscc=firm.uscc)
    # The demo firm can apply straight away.
    every_source_granted_to(banks=banks, user=applicant, enterprise=firm)
    identity_verify(user=agent, real_name=AGENT_NAME, resident_id=AGENT_RESIDENT_ID)
    request = agent_request(user=agent, uscc=firm.uscc, note="财务经办人")
    delegation_approve(
        by=applicant,
        membership_id=request.pk,
        may_apply=True,
        may_consent=False,
        may_view_report=True,
        valid_until=timezone.localdate() + dt.timedelta(days=180),
    )
    return logins


# The demo accounts' mobiles, and the agent's identity: a person of its own, not a firm's legal representative.
DEMO_PHONES = {"applicant": "13800000001", "agent": "13800000002"}
AGENT_NAME, AGENT_RESIDENT_ID = "王经办", "110101199003070011"


def demo_firms_to_claim():
    """Active companies whose registry entry names their legal representative's ID, so a person can claim them;
    the first is the demo applicant's, the next ones are for a new user to try."""
    return Enterprise.objects.filter(
        kind=EnterpriseKind.COMPANY, status=EnterpriseStatus.ACTIVE, legal_representative_id__isnull=False
    ).order_by("uscc")


def every_source_granted_to(*, banks: list[Bank], user: User, enterprise: Enterprise) -> None:
    """A firm's consent for a year, given by the person acting for it: every bank may see every source, tax
    and bank data each granted on its own, as the service requires. What a demo or drill applicant needs to
    apply at once."""
    for sources in (["public_credit", "customs"], ["tax"], ["bank"]):
        authorisation_grant(
            user=user,
            enterprise=enterprise,
            sources=sources,
            purpose=AuthorisationPurpose.FINANCING,
            bank_ids=[bank.pk for bank in banks],
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )

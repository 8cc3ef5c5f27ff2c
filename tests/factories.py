"""Factories for the rows tests need, valid by construction: each test states only what matters to it."""

import datetime as dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone

from creditloan.models import Application, Enterprise
from scoring.models import ModelVersion, Score


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """深圳市南山区, a manufacturer registered in 2018, active, with a valid code."""

    class Meta:
        model = Enterprise

    uscc = "914403001922038216"
    name = "深圳市示例科技有限公司"
    kind = "company"
    region = "440305"
    industry = "3911"
    registered_on = dt.date(2018, 5, 4)
    status = "active"
    legal_representative_name = "张三"
    source = "registry"
    ingested_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "creditloan.Bank"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"B{n}")
    name = factory.LazyAttribute(lambda bank: f"银行{bank.code}")
    contact_email = factory.LazyAttribute(lambda bank: f"{bank.code.lower()}@bank.example")
    monthly_capacity = 10


class LoanProductFactory(factory.django.DjangoModelFactory):
    """A credit loan of 100,000 to 3,000,000 yuan for 3 to 24 months at 4–8%, with no eligibility rule."""

    class Meta:
        model = "matching.LoanProduct"

    bank = factory.SubFactory(BankFactory)
    code = factory.LazyAttribute(lambda product: f"{product.bank.code}-1")
    name = "信易贷"
    guarantee_mode = "credit"
    repayment_methods = factory.LazyFunction(lambda: ["flexible"])
    amount_min = Decimal("100000")
    amount_max = Decimal("3000000")
    term_min_months = 3
    term_max_months = 24
    rate_min = Decimal("0.04")
    rate_max = Decimal("0.08")


# The terms a test submits through the service when they are not what it is about: 300,000 yuan for 12 months to
# buy stock (备货), on credit.
STOCK_LOAN_TERMS = {"amount": "300000", "term_months": 12, "purpose": "备货", "guarantee_mode": "credit"}


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A credit application of 500,000 yuan for 12 months to buy stock (备货), submitted now, by the factory's
    firm unless given one."""

    class Meta:
        model = Application

    enterprise = factory.SubFactory(EnterpriseFactory)
    amount = Decimal("500000")
    term_months = 12
    purpose = "备货"
    guarantee_mode = "credit"
    submitted_at = factory.LazyFunction(timezone.now)


def scored_application(enterprise: Enterprise, **fields) -> Application:
    """A credit application of 500,000 yuan for 12 months, scored grade B (PD 2%) by a stand-in version row."""
    application = ApplicationFactory(enterprise=enterprise, **{"status": "scored"} | fields)
    score_of(application)
    return application


def score_of(application: Application, **fields) -> Score:
    """The application's score: grade B (PD 2%) by a stand-in version row."""
    now = timezone.now()
    version, _ = ModelVersion.objects.get_or_create(
        number=1,
        defaults={
            "model_text": "tree\n",
            "manifest": {},
            "sha256": "0" * 64,
            "beats_baseline": True,
            "trained_at": now,
        },
    )
    return Score.objects.create(
        **{
            "enterprise": application.enterprise,
            "application": application,
            "model_version": version,
            "as_of": now.date(),
            "probability_of_default": 0.02,
            "points": 640,
            "grade": "B",
            "features": {"firm_age_years": 8.0, "tax_rating": 4.0},
            "reasons": {"raised": [], "lowered": []},
            "created_at": now,
        }
        | fields
    )


class TaxRecordFactory(factory.django.DjangoModelFactory):
    """The 2025 tax year: rated C, 80,000 yuan paid on 2,000,000 declared."""

    class Meta:
        model = "creditloan.TaxRecord"

    source = "tax-sz"
    source_record_id = factory.Sequence(lambda n: f"T-{n}")
    tax_year = 2025
    rating = "C"
    rated_on = dt.date(2026, 4, 1)
    tax_paid = Decimal("80000")
    declared_revenue = Decimal("2000000")
    ingested_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class PublicCreditRecordFactory(factory.django.DjangoModelFactory):
    """A minor administrative penalty (行政处罚) by the market regulator, decided on 2025-09-01 and not repaired."""

    class Meta:
        model = "creditloan.PublicCreditRecord"

    source = "credit-china"
    source_record_id = factory.Sequence(lambda n: f"P-{n}")
    kind = "administrative_penalty"
    severity = "minor"
    authority = "市场监督管理局"
    decision_date = dt.date(2025, 9, 1)
    ingested_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


def consent(
    enterprise: Enterprise,
    *,
    banks=None,
    sources=("public_credit", "tax", "customs", "bank"),
    since: dt.datetime | None = None,
    until: dt.date | None = None,
    by=None,
    purpose: str = "financing",
):
    """The firm's authorisation (授权) for the purpose (financing unless told): the given sources (all by default)
    to the given banks (every bank by default), from `since` (a year ago) until `until` (a year from now). Made as
    a row, so a test may date it in the past; the service's own rules are tested with the service."""
    from creditloan.models import Authorisation, Bank

    now = timezone.now()
    grant = Authorisation.objects.create(
        enterprise=enterprise,
        granted_by=by,
        sources=sorted(sources),
        purpose=purpose,
        text="测试授权 (a test's consent)",
        granted_at=since or now - dt.timedelta(days=365),
        expires_on=until or timezone.localdate(now) + dt.timedelta(days=365),
    )
    grant.banks.set(Bank.objects.all() if banks is None else banks)
    return grant


def member_of(user, enterprise: Enterprise, *, relation: str = "legal_representative", **delegated):
    """The person's membership of the firm, in force: a legal representative's (everything), or an agent's with
    what `delegated` names (may_apply=True, ...) for 90 days. Made as a row; the services that verify and
    approve are tested on their own."""
    from creditloan.models import EnterpriseMembership

    if relation == "legal_representative":
        delegated = {"may_apply": True, "may_consent": True, "may_view_report": True}
    else:
        delegated.setdefault("valid_until", timezone.localdate() + dt.timedelta(days=90))
    return EnterpriseMembership.objects.create(
        user=user, enterprise=enterprise, relation=relation, status="active", decided_at=timezone.now(), **delegated
    )


_people = itertools.count(1)


def verified_applicant(username: str, *, real_name: str = "张三", resident_id: str | None = None, **fields):
    """An applicant whose mobile is confirmed and whose identity is verified, each person their own number and
    ID (born 1980-01-01 in 东城区, a sequence number of their own) unless given."""
    from creditloan.identifiers import mask_resident_id, resident_id_check_character
    from creditloan.identity.services import resident_id_digest
    from creditloan.models import User

    n = next(_people)
    if resident_id is None:
        first_17 = f"11010119800101{n % 1000:03d}"
        resident_id = first_17 + resident_id_check_character(first_17)
    now = timezone.now()
    return User.objects.create_user(
        username=username,
        role="applicant",
        phone=f"139{n:08d}",
        phone_confirmed_at=now,
        real_name=real_name,
        resident_id_digest=resident_id_digest(resident_id),
        resident_id_masked=mask_resident_id(resident_id),
        identity_verified_at=now,
        **fields,
    )


def acting_for(enterprise: Enterprise, username: str = "zhang"):
    """An applicant account acting for the firm as its verified legal representative."""
    user = verified_applicant(username)
    member_of(user, enterprise)
    return user


def offer_world() -> dict:
    """A firm with its applicant (zhang) and an application routed to bank A's product; the officers of banks
    A (wang) and B (li), and an operator (ops)."""
    from creditloan.models import User
    from matching.models import Offer

    firm = EnterpriseFactory()
    products = {code: LoanProductFactory(bank=BankFactory(code=code, monthly_capacity=9)) for code in ("A", "B")}
    applicant = verified_applicant("zhang", password="pw-zhang-123")
    member_of(applicant, firm)
    now = timezone.now()
    application = ApplicationFactory(enterprise=firm, applicant=applicant, status="matched", submitted_at=now)
    offer = Offer.objects.create(
        application=application,
        product=products["A"],
        bank=products["A"].bank,
        rank=1,
        offered_at=now,
        deadline=now + dt.timedelta(days=3),
    )
    return {
        "firm": firm,
        "application": application,
        "offer": offer,
        "products": products,
        "applicant": applicant,
        "officer_a": User.objects.create_user(username="wang", role="bank_officer", bank=products["A"].bank),
        "officer_b": User.objects.create_user(username="li", role="bank_officer", bank=products["B"].bank),
        "operator": User.objects.create_user(username="ops", role="operator"),
    }


def paid_out(offer, *, disbursed_on: dt.date | None = None, amount: Decimal = Decimal("500000")):
    """The offer approved and paid out (放款), on `disbursed_on` (30 days ago): its loan, still performing."""
    from matching.models import Loan, Offer

    now = timezone.now()
    Offer.objects.filter(pk=offer.pk).update(
        status="disbursed", approved_amount=amount, approved_rate=Decimal("0.05"), approved_term_months=12,
        decided_at=now, disbursed_at=now,
    )  # fmt: skip
    return Loan.objects.create(
        offer_id=offer.pk,
        amount=amount,
        annual_rate=Decimal("0.05"),
        term_months=12,
        disbursed_on=disbursed_on or timezone.localdate() - dt.timedelta(days=30),
    )

"""E-mail that routing sends: a new offer to the bank's officers, every change to the applicant.

Sent only once the change is committed (a rolled-back change tells nobody anything), and a mail server that
fails is logged without undoing the change. Texts are bilingual, Chinese first.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from creditloan.identity.selectors import acts_for
from creditloan.models import Application, User
from creditloan.models.accounts import Role
from matching.models import DECLINE_REASON_WORDS, Loan, Offer

logger = logging.getLogger(__name__)


def offer_made(offer: Offer) -> None:
    recipients = list(
        User.objects.filter(role=Role.BANK_OFFICER, bank_id=offer.product.bank_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    subject = f"新的贷款申请待处理 / New application to review: #{offer.application_id}"
    body = (
        f"产品 {offer.product.name}（{offer.product.code}），金额 {offer.application.amount} 元，"
        f"期限 {offer.application.term_months} 个月，请于 {offer.deadline:%Y-%m-%d %H:%M} 前处理。\n"
        f"Product {offer.product.code}, amount ¥{offer.application.amount}, {offer.application.term_months} months; "
        f"please answer by {offer.deadline:%Y-%m-%d %H:%M}."
    )
    _after_commit(subject, body, recipients)


def application_changed(application: Application, what_zh: str, what_en: str) -> None:
    email = _applicant_email(application)
    if email:
        subject = f"您的贷款申请 #{application.pk} 有新进展 / Your application #{application.pk} has moved on"
        _after_commit(subject, f"{what_zh}\n{what_en}", [email])


def _applicant_email(application: Application) -> str | None:
    """Where the applicant hears of changes; None (before any other query) for an application with nobody to
    tell, such as one loaded in bulk, or whose applicant no longer acts for the firm."""
    if application.applicant_id is None or not application.applicant.email:
        return None
    # Only while the person still acts for the firm: an agent whose delegation ended, or a legal representative the
    # registry no longer names, hears nothing more of the firm's applications.
    if not acts_for(application.applicant, application.enterprise_id, may="apply"):
        return None
    return application.applicant.email


# What happens next, after an offer closed without a loan (matching.routing.NextStep): (Chinese, English).
NEXT_STEP_WORDS = {
    "offered": ("已为您推送下一家银行的产品。", "It has gone on to the next bank's product."),
    "waiting": ("其他银行仍在处理您的申请。", "Other banks are still considering it."),
    "capacity": (
        "其余匹配银行本月受理额度已满，有额度时将继续为您推送。",
        "The other matched banks are full this month; it will go on to them when they have room.",
    ),
    "exhausted": ("很遗憾，所有匹配的银行均未批准。", "Every bank it was offered to has declined."),
    "closed": ("", ""),
}


def offer_accepted(offer: Offer) -> None:
    bank = offer.product.bank.name
    application_changed(
        offer.application,
        f"{bank}已受理您的申请（接单），正在审核。",
        f"{bank} has taken up your application for review.",
    )


def offer_declined(offer: Offer, next_step: str, application: Application) -> None:
    if not _applicant_email(application):
        return
    bank = offer.product.bank.name
    reason_zh, reason_en = DECLINE_REASON_WORDS[offer.decline_reason]
    note = f"（{offer.decline_note}）" if offer.decline_note else ""
    then_zh, then_en = NEXT_STEP_WORDS[next_step]
    application_changed(
        application,
        f"{bank}未批准您的申请：{reason_zh}{note}。{then_zh}",
        f"{bank} declined: {reason_en}{f' ({offer.decline_note})' if offer.decline_note else ''}. {then_en}".strip(),
    )


def offer_lapsed(offer: Offer, next_step: str, application: Application) -> None:
    if not _applicant_email(application):
        return
    bank = offer.product.bank.name
    then_zh, then_en = NEXT_STEP_WORDS[next_step]
    application_changed(
        application,
        f"{bank}未在期限内答复。{then_zh}",
        f"{bank} did not answer in time. {then_en}".strip(),
    )


def offer_closed_for_want_of_consent(offer: Offer, next_step: str, application: Application) -> None:
    """The firm revoked the consent the offer's bank needed: the bank stops, and the applicant hears what next."""
    bank = offer.product.bank.name
    recipients = list(
        User.objects.filter(role=Role.BANK_OFFICER, bank_id=offer.bank_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    _after_commit(
        f"贷款申请已关闭 / Application closed: #{offer.application_id}",
        f"企业已撤回向贵行提供数据的授权，申请 #{offer.application_id} 已关闭，请勿再使用其数据。\n"
        f"The firm withdrew its consent to share its data with your bank: application #{offer.application_id} is "
        "closed, and its data may not be used any more.",
        recipients,
    )
    if not _applicant_email(application):
        return
    then_zh, then_en = NEXT_STEP_WORDS[next_step]
    application_changed(
        application,
        f"您撤回了对{bank}的授权，{bank}不再处理您的申请。{then_zh}",
        f"You withdrew your consent for {bank}, so {bank} no longer handles your application. {then_en}".strip(),
    )


def application_moved_on(application: Application, next_step: str) -> None:
    """A held-back application offered again (or found declined by every bank) by the sweep."""
    application_changed(application, *NEXT_STEP_WORDS[next_step])


def loan_disbursed(loan: Loan) -> None:
    offer = loan.offer
    application_changed(
        offer.application,
        f"{offer.product.bank.name}已于{loan.disbursed_on:%Y-%m-%d}放款 {loan.amount} 元。",
        f"{offer.product.bank.name} paid out ¥{loan.amount} on {loan.disbursed_on:%Y-%m-%d}.",
    )


def _after_commit(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return

    def send() -> None:
        send_mail(subject, body, None, recipients)

    transaction.on_commit(send, robust=True)

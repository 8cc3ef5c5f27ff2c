"""E-mail that routing sends: a new offer to the bank's officers, every change to the applicant.

Sent only once the change is committed (a rolled-back change tells nobody anything), and a mail server that
fails is logged without undoing the change. Texts are bilingual, Chinese first.
"""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from creditloan.models import Application, User
from creditloan.models.accounts import Role
from matching.models import Offer

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
    applicant = application.applicant
    if applicant is None or not applicant.email:
        return
    subject = f"您的贷款申请 #{application.pk} 有新进展 / Your application #{application.pk} has moved on"
    _after_commit(subject, f"{what_zh}\n{what_en}", [applicant.email])


def _after_commit(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return

    def send() -> None:
        send_mail(subject, body, None, recipients)

    transaction.on_commit(send, robust=True)

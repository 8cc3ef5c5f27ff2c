"""E-mail that routing, the banks' decisions and the flows send: a new offer to the bank's officers, every change to the
applicant.

Sent only once the change is committed (a rolled-back change tells nobody anything), and a mail server that
fails is logged without undoing the change. Each text is one message through gettext, sent in Chinese and
then English (an account keeps no language of its own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from creditloan.identity.selectors import acts_for
from creditloan.models import Application, User
from creditloan.models.accounts import Role
from creditloan.values import grouped, percent_text
from matching.models import DECLINE_REASON_WORDS, Loan, Offer

logger = logging.getLogger(__name__)


def offer_made(offer: Offer, recipients: list[str] | None = None) -> None:
    """Tell the bank's officers of a new offer; `recipients` (officers_by_bank's, for the offer's bank) spares the
    read when one routing tells several banks at once."""
    recipients = _officers_of(offer.product.bank_id) if recipients is None else recipients
    application = offer.application
    said = {
        "number": offer.application_id,
        "product": offer.product.name,
        "code": offer.product.code,
        "amount": grouped(application.amount),
        "months": application.term_months,
        "deadline": f"{timezone.localtime(offer.deadline):%Y-%m-%d %H:%M}",
    }
    _after_commit(
        _both(lambda: _("New application to review: #%(number)s") % said, joined=" / "),
        _both(
            lambda: _(
                "Product %(product)s (%(code)s): %(amount)s yuan for %(months)s months; please answer by %(deadline)s."
            )
            % said
        ),
        recipients,
    )


def application_changed(application: Application, what: Callable[[], str]) -> None:
    """Tell the applicant what changed: `what()` is called once in each language (gettext reads the active one),
    and the e-mail carries both, Chinese first, since an account keeps no language of its own."""
    email = _applicant_email(application)
    if email:
        subject = _both(
            lambda: _("Your application #%(number)s has moved on") % {"number": application.pk}, joined=" / "
        )
        _after_commit(subject, _both(what), [email])


def _both(render: Callable[[], str], joined: str = "\n") -> str:
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(render())
    return joined.join(texts)


def _officers_of(bank_id: int) -> list[str]:
    return officers_by_bank([bank_id]).get(bank_id, [])


def officers_by_bank(bank_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of each bank's active credit officers, in one read."""
    officers: dict[int, list[str]] = {}
    rows = (
        User.objects.filter(role=Role.BANK_OFFICER, bank_id__in=list(bank_ids), is_active=True)
        .exclude(email="")
        .values_list("bank_id", "email")
    )
    for bank_id, email in rows:
        officers.setdefault(bank_id, []).append(email)
    return officers


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


# What happens next, after an offer closed without a loan (matching.routing.NextStep).
NEXT_STEP_WORDS = {
    "offered": gettext_lazy("It has gone on to the next bank's product."),
    "waiting": gettext_lazy("Other banks are still considering it."),
    "capacity": gettext_lazy("The other matched banks are full this month; it will go on to them when they have room."),
    "exhausted": gettext_lazy("Every bank it was offered to has declined."),
    "closed": "",
}


def offers_made(application: Application, count: int) -> None:
    application_changed(
        application,
        lambda: ngettext("Offered to %(count)d bank product.", "Offered to %(count)d bank products.", count)
        % {"count": count},
    )


def offer_accepted(offer: Offer) -> None:
    bank = offer.product.bank.name
    application_changed(
        offer.application, lambda: _("%(bank)s has taken up your application for review.") % {"bank": bank}
    )


def offer_declined(offer: Offer, next_step: str, application: Application) -> None:
    if not _applicant_email(application):
        return
    said = {"bank": offer.product.bank.name, "note": offer.decline_note}

    def what() -> str:
        said["reason"] = DECLINE_REASON_WORDS[offer.decline_reason]
        said["then"] = NEXT_STEP_WORDS[next_step]
        if offer.decline_note:
            return _("%(bank)s declined: %(reason)s (%(note)s). %(then)s") % said
        return _("%(bank)s declined: %(reason)s. %(then)s") % said

    application_changed(application, lambda: what().strip())


def offer_lapsed(offer: Offer, next_step: str, application: Application) -> None:
    _offer_ended(offer, next_step, application, lambda: _("%(bank)s did not answer in time. %(then)s"))


def _overdue_said(offer: Offer) -> dict:
    return {
        "number": offer.application_id,
        "product": offer.product.name,
        "code": offer.product.code,
        "bank": offer.product.bank.name,
        "deadline": f"{timezone.localtime(offer.decision_deadline):%Y-%m-%d %H:%M}",
    }


def decision_overdue(offer: Offer) -> None:
    """督办 opened: the bank accepted the offer and did not decide by its decision deadline. Its officers are told to
    decide now, and the applicant that the platform is urging the bank."""
    said = _overdue_said(offer)
    _after_commit(
        _both(lambda: _("Overdue, please decide: application #%(number)s (督办)") % said, joined=" / "),
        _both(
            lambda: _(
                "Your bank accepted application #%(number)s (product %(product)s, %(code)s) and was to approve or "
                "decline it by %(deadline)s. It is overdue and the platform has escalated it: please decide now, "
                "or the platform may route the application to another bank."
            )
            % said
        ),
        _officers_of(offer.bank_id),
    )
    application_changed(
        offer.application,
        lambda: _("%(bank)s was to decide by %(deadline)s and has not; the platform is urging it to decide.") % said,
    )


def decision_urged(offer: Offer) -> None:
    """The operator urged the bank again about an escalated offer."""
    said = _overdue_said(offer)
    _after_commit(
        _both(lambda: _("Reminder, overdue: application #%(number)s (督办)") % said, joined=" / "),
        _both(
            lambda: _(
                "The platform urges your bank again to approve or decline application #%(number)s (product "
                "%(product)s, %(code)s): its decision was due by %(deadline)s."
            )
            % said
        ),
        _officers_of(offer.bank_id),
    )


def offer_rerouted_for_delay(offer: Offer, next_step: str, application: Application) -> None:
    """The operator re-routed an escalated offer: the bank stops, and the applicant hears what next."""
    said = _overdue_said(offer)
    _after_commit(
        _both(lambda: _("Application withdrawn from your bank: #%(number)s") % said, joined=" / "),
        _both(
            lambda: _(
                "Application #%(number)s was not decided by %(deadline)s, so the platform has closed it at your bank "
                "and routed it on; please take no further action on it."
            )
            % said
        ),
        _officers_of(offer.bank_id),
    )
    _offer_ended(
        offer,
        next_step,
        application,
        lambda: _("%(bank)s did not decide in time, so the platform moved your application on. %(then)s"),
    )


def offer_approved(offer: Offer, *, amount, annual_rate, term_months: int) -> None:
    said = {
        "bank": offer.product.bank.name,
        "amount": grouped(amount),
        "rate": percent_text(annual_rate),
        "months": term_months,
    }
    application_changed(
        offer.application,
        lambda: _("%(bank)s approved %(amount)s yuan at %(rate)s a year for %(months)s months.") % said,
    )


def offer_closed_for_want_of_consent(offer: Offer, next_step: str, application: Application) -> None:
    """The firm revoked the consent the offer's bank needed: the bank stops, and the applicant hears what next."""
    number = {"number": offer.application_id}
    _after_commit(
        _both(lambda: _("Application closed: #%(number)s") % number, joined=" / "),
        _both(
            lambda: _(
                "The firm withdrew its consent to share its data with your bank: application #%(number)s is closed, "
                "and its data may not be used any more."
            )
            % number
        ),
        _officers_of(offer.bank_id),
    )
    _offer_ended(
        offer,
        next_step,
        application,
        lambda: _("You withdrew your consent for %(bank)s, so %(bank)s no longer handles your application. %(then)s"),
    )


def _offer_ended(offer: Offer, next_step: str, application: Application, words: Callable[[], str]) -> None:
    """Tell the applicant an offer ended without a loan and what happens next: `words()` is the message in the
    active language, with %(bank)s and %(then)s."""
    if not _applicant_email(application):
        return
    said = {"bank": offer.product.bank.name}
    application_changed(application, lambda: (words() % (said | {"then": NEXT_STEP_WORDS[next_step]})).strip())


def application_moved_on(application: Application, next_step: str) -> None:
    """A held-back application offered again (or found declined by every bank) by the sweep."""
    application_changed(application, lambda: str(NEXT_STEP_WORDS[next_step]))


def application_withdrawn(application: Application) -> None:
    application_changed(application, lambda: _("You withdrew the application; no bank will act on it."))


def review_answered(application: Application, *, resolution: str, matched_again: bool) -> None:
    """An operator answered the applicant's request to review a knock-out."""
    said = {"resolution": resolution}
    if matched_again:
        application_changed(application, lambda: _("Reviewed by a person: %(resolution)s. Matched again.") % said)
    else:
        application_changed(application, lambda: _("Reviewed by a person: %(resolution)s.") % said)


def loan_disbursed(loan: Loan) -> None:
    offer = loan.offer
    said = {"bank": offer.product.bank.name, "amount": grouped(loan.amount), "day": f"{loan.disbursed_on:%Y-%m-%d}"}
    application_changed(offer.application, lambda: _("%(bank)s paid out %(amount)s yuan on %(day)s.") % said)


def early_warnings_raised(*, bank_id: int, count: int) -> None:
    """The bank's officers hear that warnings wait, not what they say: the firm's records are shown, and the
    look logged, when an officer opens one."""
    said = {"count": count}
    _after_commit(
        _both(
            lambda: ngettext(
                "Early warning: %(count)d borrower has a new serious record",
                "Early warning: %(count)d new serious records of borrowers",
                count,
            )
            % said,
            joined=" / ",
        ),
        _both(
            lambda: ngettext(
                "%(count)d new early warning about a loan of your bank; open it under Early warnings "
                "(/bank/warnings/) to see the record.",
                "%(count)d new early warnings about loans of your bank; open them under Early warnings "
                "(/bank/warnings/) to see the records.",
                count,
            )
            % said
        ),
        _officers_of(bank_id),
    )


@contextmanager
def sent_together() -> Iterator[None]:
    """E-mail told within the block is sent once the change commits over one connection to the mail server, not a
    session a message: routing a batch tells dozens of people at once (each bank's officers of each offer, each
    applicant of each match), and a session costs far more than a message (64 to a local server: 2.8 s a session
    each, 0.17 s over one). Nothing is sent if the block raises or the change rolls back."""
    bag: list[EmailMessage] = []
    token = _TOGETHER.set(bag)
    try:
        yield
    finally:
        _TOGETHER.reset(token)
    if bag:
        transaction.on_commit(lambda: _send(bag), robust=True)


_TOGETHER: ContextVar[list[EmailMessage] | None] = ContextVar("mail_sent_together", default=None)


def _after_commit(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return
    message = EmailMessage(subject, body, None, recipients)
    together = _TOGETHER.get()
    if together is not None:
        together.append(message)
    else:
        transaction.on_commit(lambda: _send([message]), robust=True)


def _send(messages: list[EmailMessage]) -> None:
    """Over one connection; a message the server refuses is logged, and the others are still sent."""
    with get_connection() as connection:
        for message in messages:
            try:
                connection.send_messages([message])
            except Exception:
                logger.exception("e-mail to %s not sent", ", ".join(message.to))

"""A loan's repayment as its bank reports it (贷后还款情况), and the label the risk model learns from.

A bank reports a loan's status as of a day: current, so many days past due, repaid in full, defaulted or written
off. Every report is kept (LoanStatusReport, one a day per loan); the loan keeps the latest for the bank's list
and the outcome the next model trains on (matching.selectors.training_sample). Three ways in, one service
(`loan_status_report`): the officer's page, the API in batches, and the bank-shared import (creditloan.flows).

**Default is defined here, once** (docs/scoring.md): a loan is a default from the first day it is reported
DEFAULT_DAYS_PAST_DUE or more days past due, or defaulted, or written off; it is good once repaid in full (and
never in default before); every other loan is still performing and not yet a label. A default stays a default:
a loan cured after 90 days late is kept as a default for training, as the definition counts "ever in default".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode
from creditloan.values import choice_required, read_date, read_for_field, read_whole_number
from matching.models import Loan, LoanOutcome, LoanStatus, LoanStatusReport, ReportChannel
from scoring.selectors import champion

# 90 days past due is the Basel and CBIRC (《商业银行金融资产风险分类办法》) line for a non-performing loan.
DEFAULT_DAYS_PAST_DUE = 90
# After a final status a loan's story is told: only a write-off may still follow a default (the bank gives up
# on what it could not recover); nothing follows a repayment or a write-off.
FINAL_STATUSES = (LoanStatus.REPAID, LoanStatus.DEFAULTED, LoanStatus.WRITTEN_OFF)
MAY_FOLLOW_FINAL = {
    LoanStatus.REPAID: (),
    LoanStatus.DEFAULTED: (LoanStatus.WRITTEN_OFF,),
    LoanStatus.WRITTEN_OFF: (),
}
DAYS_PAST_DUE_MOST = 36_500
LOAN_ID_LARGEST = 2**63 - 1
# New outcomes since the champion was trained past which the models page suggests training again: enough for
# a new model to learn something the champion did not see (a few dozen defaults at the usual default rates).
RETRAIN_SUGGESTED_AFTER = 200


def is_default(status: str, days_past_due: int) -> bool:
    """The one definition of a default (see the module's docstring)."""
    return status in (LoanStatus.DEFAULTED, LoanStatus.WRITTEN_OFF) or days_past_due >= DEFAULT_DAYS_PAST_DUE


@dataclass(frozen=True)
class Reported:
    report: LoanStatusReport
    created: bool  # False when the very same report was already kept: a repeat changes nothing


@dataclass(frozen=True)
class _Entry:
    """A day of a loan's story: a report, or the outcome recorded before reports were kept."""

    as_of: dt.date
    status: str
    days_past_due: int


@transaction.atomic
def loan_status_report(*, loan_id, as_of, status, days_past_due=None, channel: str, by=None, bank=None) -> Reported:
    """Keep a bank's report of a loan's status as of a day, and the loan's outcome that follows from its reports.

    The values may be raw (the import's text, the API's JSON): each is read here and refused by its field.
    `by` is the officer reporting (the loan must be their bank's); `bank` the bank whose file is imported. A
    repeat of a report already kept for that day is a no-op; a different one for the same day is refused, not
    taken over: reports are the evidence for a label, and a silent overwrite would lose what the bank said first
    (and a batch retried with a changed row would rewrite history unnoticed)."""
    loan = _loan_of(loan_id, bank_id=by.bank_id if by is not None else getattr(bank, "pk", None))
    today = timezone.localdate()
    as_of = read_for_field(read_date, as_of, field="as_of", labelled=_("as_of: %(problem)s"))
    if not loan.disbursed_on <= as_of <= today:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("as_of: %(as_of)s is not between the payout on %(payout)s and today, %(today)s")
            % {"as_of": as_of, "payout": loan.disbursed_on, "today": today},
            field="as_of",
        )
    status = _status(status)
    days_past_due = _days_past_due(days_past_due, status=status, as_of=as_of, paid_out=loan.disbursed_on)
    if channel not in ReportChannel.values:
        raise ValueError(f"unknown channel {channel!r}")

    same_day = loan.status_reports.filter(as_of=as_of).first()
    if same_day is not None:
        if (same_day.status, same_day.days_past_due) == (status, days_past_due):
            return Reported(report=same_day, created=False)
        raise DomainError(
            ErrorCode.CONFLICT,
            _(
                "as_of: loan #%(number)s already has a report for %(as_of)s (%(said)s); a report for a day is "
                "kept as first reported, not replaced"
            )
            % {"number": loan.pk, "as_of": as_of, "said": _said(same_day.status, same_day.days_past_due)},
            field="as_of",
        )
    story = _story(loan)
    _check_order(loan, story, as_of=as_of, status=status)

    report = LoanStatusReport.objects.create(
        loan=loan,
        as_of=as_of,
        status=status,
        days_past_due=days_past_due,
        reported_by=by,
        channel=channel,
        reported_at=timezone.now(),
    )
    _loan_update(loan, [*story, _Entry(as_of, status, days_past_due)])
    return Reported(report=report, created=True)


def _loan_of(raw_id, *, bank_id: int | None) -> Loan:
    """The loan, locked: reports on one loan are weighed one after another. Another bank's loan is not found,
    as if it did not exist."""
    number = read_for_field(
        lambda raw: read_whole_number(raw, minimum=1, maximum=LOAN_ID_LARGEST),
        raw_id,
        field="loan",
        labelled=_("loan: %(problem)s"),
    )
    loans = Loan.objects.select_for_update().filter(pk=number)
    if bank_id is not None:
        loans = loans.filter(offer__bank_id=bank_id)
    loan = loans.first()
    if loan is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, _("loan: your bank has no loan #%(number)s") % {"number": number}, field="loan"
        )
    return loan


def _status(raw) -> str:
    text = ("" if raw is None else raw).strip() if isinstance(raw, str | None) else raw
    choice_required(
        text,
        LoanStatus.values,
        field="status",
        refused=_("status: “%(value)s” is not a repayment status; choose from %(allowed)s"),
    )
    return text


def _days_past_due(raw, *, status: str, as_of: dt.date, paid_out: dt.date) -> int:
    given = raw is not None and not (isinstance(raw, str) and not raw.strip())
    days = 0
    if given:
        days = read_for_field(
            lambda value: read_whole_number(value, minimum=0, maximum=DAYS_PAST_DUE_MOST),
            raw,
            field="days_past_due",
            labelled=_("days_past_due: %(problem)s"),
        )
    if status == LoanStatus.PAST_DUE and days < 1:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("days_past_due: a loan past due is at least 1 day past due; give how many days"),
            field="days_past_due",
        )
    if status in (LoanStatus.CURRENT, LoanStatus.REPAID) and days:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("days_past_due: a loan reported “%(status)s” is 0 days past due; if it is late, report it “%(past_due)s”")
            % {"status": LoanStatus(status).label, "past_due": LoanStatus.PAST_DUE.label},
            field="days_past_due",
        )
    if days > (as_of - paid_out).days:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            _("days_past_due: %(days)d days, but the loan was paid out on %(payout)s, %(since)d days before %(as_of)s")
            % {"days": days, "payout": paid_out, "since": (as_of - paid_out).days, "as_of": as_of},
            field="days_past_due",
        )
    return days


def _story(loan: Loan) -> list[_Entry]:
    """The loan's reports, oldest first, with an outcome recorded before reports were kept (the demo's history,
    or the back office) as a report of that day, so that no report can contradict it either."""
    entries = [
        _Entry(as_of, status, days)
        for as_of, status, days in loan.status_reports.order_by("as_of").values_list("as_of", "status", "days_past_due")
    ]
    if loan.outcome != LoanOutcome.PERFORMING and _outcome_of(entries)[0] != loan.outcome:
        entries.append(_Entry(loan.outcome_on, loan.outcome, 0))
        entries.sort(key=lambda entry: entry.as_of)
    return entries


def _check_order(loan: Loan, story: list[_Entry], *, as_of: dt.date, status: str) -> None:
    """A final status ends the story: nothing may be reported after it but what MAY_FOLLOW_FINAL allows, and a
    final status may not be put before a later report that it would contradict."""
    # The latest final status before the day is the one to name: a write-off after a default says more.
    for entry in sorted(story, key=lambda entry: entry.as_of, reverse=True):
        if entry.as_of < as_of and entry.status in FINAL_STATUSES and status not in MAY_FOLLOW_FINAL[entry.status]:
            allowed = MAY_FOLLOW_FINAL[entry.status]
            then = (
                _("only “%(allowed)s” can follow it") % {"allowed": LoanStatus(allowed[0]).label}
                if allowed
                else _("nothing can be reported after it")
            )
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                _(
                    "status: loan #%(number)s was reported “%(final)s” as of %(on)s, a final status, so it cannot "
                    "be reported “%(status)s” as of %(as_of)s: %(then)s"
                )
                % {
                    "number": loan.pk,
                    "final": LoanStatus(entry.status).label,
                    "on": entry.as_of,
                    "status": LoanStatus(status).label,
                    "as_of": as_of,
                    "then": then,
                },
                field="status",
            )
        if entry.as_of > as_of and status in FINAL_STATUSES and entry.status not in MAY_FOLLOW_FINAL[status]:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                _(
                    "as_of: loan #%(number)s has a later report, “%(later)s” as of %(on)s, so it cannot have been "
                    "“%(status)s”, a final status, as of %(as_of)s"
                )
                % {
                    "number": loan.pk,
                    "later": _said(entry.status, entry.days_past_due),
                    "on": entry.as_of,
                    "status": LoanStatus(status).label,
                    "as_of": as_of,
                },
                field="as_of",
            )


def _outcome_of(story: list[_Entry]) -> tuple[str, dt.date | None]:
    """The label a loan's story gives, and from which day: a default from its first day in default (whatever
    came after), else repaid from the day it was repaid, else still performing."""
    for entry in story:
        if is_default(entry.status, entry.days_past_due):
            return LoanOutcome.DEFAULTED, entry.as_of
    for entry in story:
        if entry.status == LoanStatus.REPAID:
            return LoanOutcome.REPAID, entry.as_of
    return LoanOutcome.PERFORMING, None


def _loan_update(loan: Loan, story: list[_Entry]) -> None:
    story = sorted(story, key=lambda entry: entry.as_of)
    outcome, outcome_on = _outcome_of(story)
    latest = LoanStatusReport.objects.filter(loan=loan).order_by("-as_of").first()
    if outcome != loan.outcome:
        loan.outcome_known_at = timezone.now()
    loan.outcome, loan.outcome_on = outcome, outcome_on
    loan.reported_status, loan.reported_days_past_due, loan.reported_as_of = (
        latest.status,
        latest.days_past_due,
        latest.as_of,
    )
    loan.save(
        update_fields=[
            "outcome",
            "outcome_on",
            "outcome_known_at",
            "reported_status",
            "reported_days_past_due",
            "reported_as_of",
        ]
    )


def _said(status: str, days_past_due: int) -> str:
    if status == LoanStatus.PAST_DUE or (status in FINAL_STATUSES and days_past_due):
        return _("%(status)s, %(days)d days past due") % {"status": LoanStatus(status).label, "days": days_past_due}
    return str(LoanStatus(status).label)


def outcomes_since(moment: dt.datetime | None) -> dict[str, int]:
    """How many loans' outcomes became known after `moment` (all reported ones when None), and how many of
    them are defaults: what a model trained at `moment` has not learned from."""
    known = Loan.objects.exclude(outcome=LoanOutcome.PERFORMING).filter(outcome_known_at__isnull=False)
    if moment is not None:
        known = known.filter(outcome_known_at__gt=moment)
    counts = known.aggregate(outcomes=Count("pk"), defaults=Count("pk", filter=Q(outcome=LoanOutcome.DEFAULTED)))
    return {"outcomes": counts["outcomes"], "defaults": counts["defaults"]}


@dataclass(frozen=True)
class NewOutcomes:
    """The outcomes the champion has not learned from, and whether they are enough to train again."""

    outcomes: int
    defaults: int
    champion_trained_at: dt.datetime | None
    threshold: int = RETRAIN_SUGGESTED_AFTER

    @property
    def retrain_suggested(self) -> bool:
        return self.outcomes >= self.threshold


def outcomes_new_to_champion() -> NewOutcomes:
    """Outcomes reported since the champion was trained (every reported one while there is no champion)."""
    current = champion()
    trained_at = current.trained_at if current is not None else None
    counts = outcomes_since(trained_at)
    return NewOutcomes(outcomes=counts["outcomes"], defaults=counts["defaults"], champion_trained_at=trained_at)

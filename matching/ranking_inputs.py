"""What every ranking shares, kept in a worker's memory: the products open to applications compiled into the
eligibility table and the ranking's arrays, the published weights and K, the approval model, and the operator's
working calendar the offers' deadlines are counted on.

Building them costs many times what ranking one application against them does (bench/application_path.py), so a
process builds them once and, for each application, reads only the version of the tables they come from (one
statement, creditloan.row_versions): a product paused or edited, a bank paused, weights published, an approval
model trained or a day of the working calendar entered is in force from the next application on, whichever way
it was written. The banks' response records are the exception: an aggregate over every offer ever made, they are
read again once RESPONSES_KEPT has passed, not on every application (a share of thousands of answers hardly moves
in a minute).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from creditloan.calendar import operator_days
from creditloan.errors import DomainError, ErrorCode
from creditloan.models import Bank, CalendarDay
from creditloan.row_versions import tables_version
from matching import selectors
from matching.eligibility import ProductTable
from matching.models import ApprovalModelVersion, LoanProduct, MatchingSettings
from matching.ranking import ApprovalModel, Candidates, Weights

RESPONSES_KEPT = 60.0  # seconds

# Until an approval model is trained, every bank is taken as even odds: the term then ranks nobody.
EVEN_ODDS = ApprovalModel(banks=(), intercept=(), pd_slope=(), amount_slope=0.0)


@dataclass(frozen=True)
class RankingInputs:
    """The catalogue and the settings a ranking uses, as they stood at `version`. Shared between the
    applications a process handles: read it, never change it (nor the products it holds)."""

    version: tuple
    settings: MatchingSettings
    weights: Weights
    approval_version: ApprovalModelVersion | None
    approval: ApprovalModel
    products: dict[int, LoanProduct]  # the products open to applications (active, of an active bank), by id
    calendar: dict[dt.date, bool]  # the operator's working calendar, for the offers' deadlines
    table: ProductTable
    candidates: Candidates
    responses_read_at: float  # time.monotonic() when the response records were read

    def bank_code(self, product_id: int) -> str:
        return self.products[product_id].bank.code


_KEPT: dict[str, RankingInputs] = {}


def ranking_inputs() -> RankingInputs:
    """The inputs as they stand now: the ones this process keeps if their tables have not changed since they
    were built (one statement to know), else built afresh."""
    version = tables_version(LoanProduct, Bank, MatchingSettings, ApprovalModelVersion, CalendarDay)
    kept = _KEPT.get("inputs")
    if kept is not None and kept.version == version:
        if time.monotonic() - kept.responses_read_at < RESPONSES_KEPT:
            return kept
        kept = replace(kept, candidates=_candidates(kept.products, kept.approval), responses_read_at=time.monotonic())
    else:
        # Built from reads made after the version's: a change in between is seen as a newer version next time,
        # and built again then, never kept under the older one.
        kept = _built(version)
    _KEPT["inputs"] = kept
    return kept


def ranking_inputs_forget() -> None:
    """Drop what this process keeps, as a restart would: the next ranking builds it afresh."""
    _KEPT.clear()


def _built(version: tuple) -> RankingInputs:
    settings = selectors.current_settings()
    if settings is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("no matching settings have been published"))
    approval_version = selectors.latest_approval_model()
    approval = ApprovalModel.from_dict(approval_version.coefficients) if approval_version else EVEN_ODDS
    products = {product.pk: product for product in selectors.offered_products()}
    return RankingInputs(
        version=version,
        settings=settings,
        weights=selectors.weights_of(settings),
        approval_version=approval_version,
        approval=approval,
        products=products,
        calendar=operator_days(),
        table=selectors.product_table(list(products.values())),
        candidates=_candidates(products, approval),
        responses_read_at=time.monotonic(),
    )


def _candidates(products: dict[int, LoanProduct], approval: ApprovalModel) -> Candidates:
    return selectors.ranking_candidates(
        list(products.values()), approval=approval, responses=selectors.bank_response_rates()
    )

"""Writes of the core domain, a module per subject; every name is importable from here as it always was."""

from creditloan.services.access import (
    access_record,
    back_office_seen,
    disputes_seen,
    knockout_reviews_seen,
)
from creditloan.services.applications import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    PURPOSE_MAX,
    TERM_MAX,
    TERM_MIN,
    application_submit,
    application_terms_checked,
)
from creditloan.services.consent import (
    AUTHORISATION_LONGEST,
    SOURCES_GRANTED_ALONE,
    authorisation_grant,
    authorisation_revoke,
)
from creditloan.services.disputes import (
    DISPUTE_DAYS,
    DISPUTE_REASON_MAX,
    KNOCKOUT_REVIEW_DAYS,
    REVIEW_REASON_MAX,
    dispute_raise,
    dispute_resolve,
    knockout_review_request,
    knockout_review_resolve,
)
from creditloan.services.tokens import (
    API_TOKEN_DAYS,
    api_token_issue,
    api_token_revoke,
    idempotency_records_prune,
    source_key_issue,
)

__all__ = [
    "AMOUNT_MAX",
    "AMOUNT_MIN",
    "API_TOKEN_DAYS",
    "AUTHORISATION_LONGEST",
    "DISPUTE_DAYS",
    "DISPUTE_REASON_MAX",
    "KNOCKOUT_REVIEW_DAYS",
    "PURPOSE_MAX",
    "REVIEW_REASON_MAX",
    "SOURCES_GRANTED_ALONE",
    "TERM_MAX",
    "TERM_MIN",
    "access_record",
    "api_token_issue",
    "api_token_revoke",
    "application_submit",
    "application_terms_checked",
    "authorisation_grant",
    "authorisation_revoke",
    "back_office_seen",
    "dispute_raise",
    "dispute_resolve",
    "disputes_seen",
    "idempotency_records_prune",
    "knockout_review_request",
    "knockout_review_resolve",
    "knockout_reviews_seen",
    "source_key_issue",
]

"""Writes of who people are and whom they act for, a module per subject: accounts, phones (one-time codes),
real names, firms (claims and agents' requests) and delegations. Every name is importable from here."""

from creditloan.identity.services.accounts import (
    USERNAME,
    account_open,
    password_reset_confirm,
    password_reset_request,
    phone_change,
)
from creditloan.identity.services.delegations import (
    DELEGATION_LONGEST,
    DELEGATION_MOVES,
    delegation_approve,
    delegation_refuse,
    delegation_revoke,
)
from creditloan.identity.services.firms import (
    AGENT_NOTE_MAX,
    PENDING_REQUESTS_MOST,
    agent_request,
    claim_refused_message,
    enterprise_claim,
)
from creditloan.identity.services.phones import (
    CODE_DIGITS,
    phone_code_send,
    phone_code_use,
    phone_confirm,
    phone_normalise,
    phone_taken_refusal,
)
from creditloan.identity.services.real_names import (
    identity_verify,
    plain_name,
    resident_id_digest,
)

__all__ = [
    "AGENT_NOTE_MAX",
    "CODE_DIGITS",
    "DELEGATION_LONGEST",
    "DELEGATION_MOVES",
    "PENDING_REQUESTS_MOST",
    "USERNAME",
    "account_open",
    "agent_request",
    "claim_refused_message",
    "delegation_approve",
    "delegation_refuse",
    "delegation_revoke",
    "enterprise_claim",
    "identity_verify",
    "password_reset_confirm",
    "password_reset_request",
    "phone_change",
    "phone_code_send",
    "phone_code_use",
    "phone_confirm",
    "phone_normalise",
    "phone_taken_refusal",
    "plain_name",
    "resident_id_digest",
]

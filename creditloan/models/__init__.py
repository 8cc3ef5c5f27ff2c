from creditloan.models.access import AccessLog, AccessPurpose
from creditloan.models.accounts import EnterpriseMembership, MembershipRelation, MembershipStatus, Role, User
from creditloan.models.api import ApiToken, IdempotencyRecord, SourceKey, token_digest
from creditloan.models.applications import Application, ApplicationStatus, GuaranteeMode
from creditloan.models.banks import Bank, LoanPrimeRate
from creditloan.models.calendar import CalendarDay
from creditloan.models.consent import CONSENT_SOURCES, Authorisation, AuthorisationPurpose
from creditloan.models.disputes import DISPUTABLE_SOURCES, Dispute, DisputeStatus, KnockOutReview, KnockOutReviewStatus
from creditloan.models.enterprises import Enterprise, EnterpriseKind, EnterpriseStatus
from creditloan.models.identity import (
    AgreementAcceptance,
    AgreementDocument,
    ClaimAttempt,
    PhoneCode,
    PhoneCodePurpose,
)
from creditloan.models.imports import ImportBatch, ImportBatchStatus, ImportFile, ImportRejection, RecordSource
from creditloan.models.outbox import OutboxMessage
from creditloan.models.records import (
    BankRecord,
    CreditRecord,
    CustomsCreditClass,
    CustomsRecord,
    PenaltySeverity,
    PublicCreditKind,
    PublicCreditRecord,
    TaxCreditRating,
    TaxRecord,
)

__all__ = [
    "Bank",
    "LoanPrimeRate",
    "CalendarDay",
    "AgreementAcceptance",
    "AgreementDocument",
    "ClaimAttempt",
    "MembershipStatus",
    "PhoneCode",
    "PhoneCodePurpose",
    "AccessLog",
    "ApiToken",
    "IdempotencyRecord",
    "SourceKey",
    "token_digest",
    "AccessPurpose",
    "Application",
    "ApplicationStatus",
    "Authorisation",
    "AuthorisationPurpose",
    "CONSENT_SOURCES",
    "DISPUTABLE_SOURCES",
    "Dispute",
    "DisputeStatus",
    "KnockOutReview",
    "KnockOutReviewStatus",
    "BankRecord",
    "CreditRecord",
    "CustomsCreditClass",
    "CustomsRecord",
    "Enterprise",
    "EnterpriseKind",
    "EnterpriseMembership",
    "EnterpriseStatus",
    "GuaranteeMode",
    "ImportBatch",
    "ImportBatchStatus",
    "ImportFile",
    "ImportRejection",
    "MembershipRelation",
    "OutboxMessage",
    "PenaltySeverity",
    "PublicCreditKind",
    "PublicCreditRecord",
    "RecordSource",
    "Role",
    "TaxCreditRating",
    "TaxRecord",
    "User",
]

"""A firm's consent revoked: no new use of its data from now on (the core), and what the banks hold open on the
strength of it closes (matching)."""

from __future__ import annotations

from django.db import transaction

from creditloan import services
from creditloan.flows import steps
from creditloan.models import Authorisation, AuthorisationPurpose
from creditloan.outbox import task_send_after_commit
from matching.routing import offers_close_for_want_of_consent


@transaction.atomic
def authorisation_withdraw(*, user, authorisation_id: int) -> Authorisation:
    """The firm revokes a consent, then every open offer whose bank may no longer see what its product needs is
    closed, that bank and the applicant told, and the application routes on to the next product its remaining
    consent allows (the applicant still wants the loan; withdrawing it is the applicant's other button)."""
    authorisation = services.authorisation_revoke(user=user, authorisation_id=authorisation_id)
    offers_close_for_want_of_consent(enterprise_id=authorisation.enterprise_id)
    return authorisation


@transaction.atomic
def authorisation_give(**grant) -> Authorisation:
    """The firm grants a consent (creditloan.services.authorisation_grant takes the same arguments). A post-loan
    one lets the banks it names be warned of the firm's serious records: of those already there too, once
    committed (a bank that asked for the consent after the record landed still hears of it)."""
    authorisation = services.authorisation_grant(**grant)
    if authorisation.purpose == AuthorisationPurpose.POST_LOAN:
        task_send_after_commit(steps.WARN_LENDERS_OF_FIRM, authorisation.enterprise_id)
    return authorisation

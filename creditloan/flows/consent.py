"""A firm's consent revoked: no new use of its data from now on (the core), and what the banks hold open on the
strength of it closes (matching)."""

from __future__ import annotations

from django.db import transaction

from creditloan import services
from creditloan.models import Authorisation
from matching.routing import offers_close_for_want_of_consent


@transaction.atomic
def authorisation_withdraw(*, user, authorisation_id: int) -> Authorisation:
    """The firm revokes a consent, then every open offer whose bank may no longer see what its product needs is
    closed, that bank and the applicant told, and the application routes on to the next product its remaining
    consent allows (the applicant still wants the loan; withdrawing it is the applicant's other button)."""
    authorisation = services.authorisation_revoke(user=user, authorisation_id=authorisation_id)
    offers_close_for_want_of_consent(enterprise_id=authorisation.enterprise_id)
    return authorisation

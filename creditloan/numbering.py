"""Numbered versions (model v3, settings v2): the next number, even when two are created at once."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from creditloan.errors import DomainError, ErrorCode

ATTEMPTS = 5


def numbered_create(model: type[models.Model], **fields) -> models.Model:
    """Create a row of `model` (which has a unique `number`) under the next number. Of two created at the same
    moment, the unique number refuses the second, which takes the one after; any other refusal is raised."""
    for _attempt in range(ATTEMPTS):
        number = (model.objects.aggregate(latest=Max("number"))["latest"] or 0) + 1
        try:
            with transaction.atomic():
                return model.objects.create(number=number, **fields)
        except IntegrityError:
            if not model.objects.filter(number=number).exists():
                raise  # not a lost race for the number: a constraint refused the row itself
    raise DomainError(
        ErrorCode.CONFLICT,
        _("Could not number the new %(what)s: %(tries)d others took the numbers first; try again.")
        % {"what": model._meta.verbose_name, "tries": ATTEMPTS},
    )

"""What every role's pages share in reading input: a service's refusal shown on its field, the fields that read
row ids and request text, the bounded sign-in. The shape of the input only; the services decide what it means.
Each role's own forms are in its package under creditloan/pages/."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from creditloan.converters import IdConverter, row_id
from creditloan.errors import DomainError, without_field_name
from creditloan.values import ValueRefused, read_date


def show_error(form: forms.Form, error: DomainError, *, field: str | None = None) -> None:
    """A service's refusal, on the field it names (or `field`, where the form calls it otherwise), or on the whole
    form."""
    field = field or error.field
    field = field if field in form.fields else None
    form.add_error(field, without_field_name(error.message) if field else error.message)


def refusal_of(form: forms.Form) -> str:
    """A refused form's errors as one message, each after its field's label: for a page that answers a posted
    form with a message and a redirect rather than the form again."""
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields and form.fields[name].label else error
        for name, errors in form.errors.items()
        for error in errors
    )


DASHBOARD_MONTHS = 12


def since_from(request) -> dt.date:
    """The first day a page of figures covers: ?since=YYYY-MM-DD, or twelve months back."""
    try:
        return read_date(request.GET["since"])
    except (KeyError, ValueRefused):
        return timezone.localdate() - dt.timedelta(days=DASHBOARD_MONTHS * 30)


class RowIdField(forms.CharField):
    """A row's id from a hidden field, read as the `id` path converter reads one: anything else names no row
    (0), so the service it goes to says that it is not found."""

    def to_python(self, value) -> int:
        return row_id(value)


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Rows chosen by their ids (checkboxes): a value that is not an id as the `id` path converter reads one is
    not one of the choices, said before the database is asked. Django's own field puts every value in one
    `pk IN (...)` query, where SQLite cannot bind a 30-digit number (an OverflowError, a 500)."""

    def _check_values(self, value):
        for given in value:
            if not (isinstance(given, str) and re.fullmatch(IdConverter.regex, given)):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": given}
                )
        return super()._check_values(value)


# Django's own Chinese for the NUL refusal every text field makes says "empty strings are not allowed"
# (不允许是用空字符串). The site's catalogue, which Django reads before its own (LOCALE_PATHS), says what it means.
gettext_noop("Null characters are not allowed.")


class RequestTextField(forms.CharField):
    """Text a person writes to the platform (a dispute's reason, an operator's answer): Django's checks of text
    a form can carry, such as no NUL character, which PostgreSQL cannot store. Whether it says enough, and
    how long it may be, the service that takes it judges, with its own words."""

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, strip=False, **kwargs)
        # Django's own words for a NUL read badly in Chinese ("an empty string"); the API's say what it is.
        self.validators = [
            ProhibitNullCharactersValidator(_("Text may not contain a NUL character."))
            if isinstance(validator, ProhibitNullCharactersValidator)
            else validator
            for validator in self.validators
        ]


class UserNameBounded:
    """A sign-in form whose user name is refused past the length an account's can have. Django sets the field's
    max_length after the field is built, which bounds the input box but checks nothing: a 10,000-character
    name went on to authenticate() and to django-axes' record of the failed sign-in, a 255-character column,
    which PostgreSQL refuses with an error (a 500)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class AdminSignInForm(UserNameBounded, AdminAuthenticationForm):
    pass

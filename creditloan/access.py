"""Who may open a page: one role each. A page of another role is refused (403); an object outside what the
caller may see is not found (404), so its existence is not given away."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from creditloan.models.accounts import Role


def role_required(role: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def checked(request, *args, **kwargs):
            if request.user.role != role:
                raise PermissionDenied(f"this page is for the {role.label} role")
            return view(request, *args, **kwargs)

        return checked

    return decorator


applicant_required = role_required(Role.APPLICANT)
officer_required = role_required(Role.BANK_OFFICER)
operator_required = role_required(Role.OPERATOR)


def found_or_404(found):
    """What a lookup of the caller's own rows found (a selector's answer), or not found (404) when it found none:
    another's row looks the same as no row."""
    if found is None:
        raise Http404
    return found

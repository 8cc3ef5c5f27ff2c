"""Session limits: a signed-in person is signed out after SESSION_IDLE_SECONDS without a request and
SESSION_ABSOLUTE_SECONDS after signing in, however active. (Django's own expiry is one age for both.)"""

from __future__ import annotations

import functools
import ipaddress
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from creditloan.api.errors import error_body

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# How often the last-seen time is written back: not on every request, which would make every page a write.
LAST_SEEN_PRECISION_SECONDS = 60


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a session cookie can be signed in: an API client with a bearer token costs nothing here.
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    def _expired(self, request) -> str:
        session, now = request.session, int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen_at = session.get(LAST_SEEN_AT, now)
        if now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
            return _("You were signed out %(hours)d hours after signing in; please sign in again.") % {
                "hours": settings.SESSION_ABSOLUTE_SECONDS // 3600
            }
        if now - last_seen_at > settings.SESSION_IDLE_SECONDS:
            return _("You were signed out after %(minutes)d minutes without activity; please sign in again.") % {
                "minutes": settings.SESSION_IDLE_SECONDS // 60
            }
        if now - last_seen_at >= LAST_SEEN_PRECISION_SECONDS or LAST_SEEN_AT not in session:
            session[LAST_SEEN_AT] = now
        return ""


def session_limits_start(sender, request, user, **kwargs) -> None:
    """Both clocks start at signing in, on the site's page and the admin's alike (connected to user_logged_in
    in CreditloanConfig.ready): signing in again restarts them even where the session's data was kept."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now


def login_locked_out(request, original_response, credentials):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): the page says so in the reader's
    language, and the API's token endpoint answers in the API's error shape, both 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = _("Too many failed sign-ins for this account from your address; try again in %(minutes)d minutes.")
        return JsonResponse(error_body("locked_out", message % {"minutes": minutes}), status=429)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def client_address(request) -> str | None:
    """The client's address, for the login lockout (AXES_CLIENT_IP_CALLABLE) and the text and claim throttles.

    X-Forwarded-For is believed only from a proxy of ours (TRUSTED_PROXIES: the node's own nginx, a load
    balancer): read from the right, each entry a trusted proxy added is passed over, and the first address that
    is not one of ours is the client. A request that reaches the node from anywhere else is keyed on its own
    peer address, whatever it wrote in the header, or a fresh forged entry per try would undo every lockout.
    """
    peer = request.META.get("REMOTE_ADDR")
    if not _trusted_proxy(_address(peer)):
        return peer
    client = peer
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        entry = entry.strip()
        if not entry:
            continue
        address = _address(entry)
        if address is None:
            # Not an address: what is left of the header came from the client, and the last proxy's peer stands.
            return client
        client = entry
        if not _trusted_proxy(address):
            return entry
    return client


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text or "")
    except ValueError:
        return None


def _trusted_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    return address is not None and any(
        address in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    )


@functools.cache
def _trusted_networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)

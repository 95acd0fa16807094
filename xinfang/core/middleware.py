"""Response headers every page needs, and the client address behind the documented reverse proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def _is_download(response: HttpResponse) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


class SecurityHeadersMiddleware:
    """``Cache-Control: no-store`` on every staff page and every download, and the Content-Security-Policy.

    Staff pages show petitioners' names, identity numbers and complaints: no browser, shared-computer cache or
    proxy may keep a copy (decisions §5). The policy lets pages run only this site's own scripts and styles,
    so text a petitioner wrote can never become script even if an escape were missed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.XINFANG_CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.XINFANG_CONTENT_SECURITY_POLICY)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or _is_download(response):
            add_never_cache_headers(response)
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person at the browser, for the login lockout (``AXES_CLIENT_IP_CALLABLE``).

    With ``XINFANG_TRUSTED_PROXY_COUNT`` = N > 0, N trusted proxies each appended the address they received
    the request from to ``X-Forwarded-For``; the client is the N-th entry from the right. Anything further
    left was written by the client itself and is ignored, so a forged header cannot pick whose attempts are
    counted. With 0 (no proxy), ``REMOTE_ADDR`` is the client and the header is ignored entirely.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.XINFANG_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < count:
        return remote  # not through all the proxies (a health check from the proxy host itself)
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote

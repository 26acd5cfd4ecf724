"""The client's address as the deployment sees it: what lockouts and rate limits are keyed on."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _meta_key(header: str) -> str:
    """Accept `HTTP_X_FORWARDED_FOR` as well as `X-Forwarded-For`."""
    header = header.strip()
    if not header or header.upper() == "REMOTE_ADDR" or header.upper().startswith("HTTP_"):
        return header.upper()
    return "HTTP_" + header.upper().replace("-", "_")


def client_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, or behind a proxy the header named by GUANJIA_TRUSTED_PROXY_HEADER.

    From a list (`X-Forwarded-For: client, proxy1`) the last entry counts: it was added by our own
    proxy, while the ones before it come from the client and can be anything. Not an address:
    None.
    """
    if request is None:
        return None
    key = _meta_key(getattr(settings, "GUANJIA_TRUSTED_PROXY_HEADER", "") or "")
    raw = request.META.get(key, "") if key else ""
    if not raw:
        raw = request.META.get("REMOTE_ADDR", "")
    candidate = str(raw).split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None

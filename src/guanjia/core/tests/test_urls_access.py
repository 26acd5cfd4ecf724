"""Every route of the site, called with no credentials, is refused, unless it is listed as public.

A new route that is in neither list below fails this test: whoever adds it decides, here, whether
strangers may call it.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern, RoutePattern
from PIL import Image

# Answer anyone. Static files are served by the web server (or runserver), not by these routes.
PUBLIC = {
    "/api/v1/openapi.json",  # the API's schema: it describes, it does not disclose
    "/",  # the residents' home page
    "/healthz",
    "/accounts/login/",
    "/admin/login/",
    "/accounts/logout/",  # POST only; signs nobody out who is not signed in
    "/admin/logout/",  # sends strangers to the admin's index, which asks them to sign in
    "/i18n/setlang/",  # the language switch (a cookie)
    # Open311 GeoReport v2 is public by its standard: reads carry no name, phone or email
    # (open311/documents.py); POST requests needs an api_key (403 without). ".x" is the format.
    "/open311/discovery.x",
    "/open311/v2/services.x",
    "/open311/v2/services/x.x",
    "/open311/v2/requests.x",
    "/open311/v2/requests/x.x",
    "/open311/v2/tokens/x.x",
    # The residents' order form, no account needed (resident/): its three screens and the lists
    # of buildings and units it loads. Anonymous ordering is rate-limited per address.
    "/order/x/place",
    "/order/x/",
    "/order/place/buildings",
    "/order/place/units",
    # "My orders": a phone, then a code sent to it by SMS; the orders only after the right code
    # (rate-limited per number and per address; the same answer whether the number has orders).
    "/my/",
    "/my/verify",
    "/my/leave",
}

# Answer 404 to anyone without access, signed in or not, so that strangers cannot even tell
# whether the object exists (a resident's tracking link will open some of them later).
NOT_FOUND_WITHOUT_ACCESS = {
    "tickets:photo",
    # A building's QR poster code and an order's tracking link are the access: a wrong one is 404.
    "resident:qr",
    "resident:track",
    "resident:done",
    "resident:track-photo",
    "resident:rate",
    "resident:cancel",
    "resident:reopen",
    # A street's group-robot callback: authenticated by the street's signing secret, not an
    # account; a street without one (or no such street) is 404, a bad signature 403.
    "triage:robot",
    # ninja's marker for the API's root (it resolves the operations' paths): 404 for everyone.
    "api:api-root",
}

LOGIN_PAGES = {"/accounts/login/", "/admin/login/"}

# Values for path converters and regex groups; the first that makes the URL resolve is used.
CONVERTER_SAMPLES: dict[type, str] = {
    IntConverter: "1",
    StringConverter: "x",
    SlugConverter: "x",
    UUIDConverter: "00000000-0000-0000-0000-000000000000",
    PathConverter: "x/y",
}
GROUP_SAMPLES = ["1", "x", "people", "tickets", "x/y"]


@dataclass
class Route:
    url: str
    name: str
    pattern: str


def _walk(patterns: list[Any], prefix: tuple[Any, ...] = (), ns: str = "") -> Iterator[Any]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _walk(p.url_patterns, (*prefix, p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield (*prefix, p.pattern), (f"{ns}{p.name}" if p.name else "")


def _route_segment(pattern: RoutePattern) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = pattern.converters[match.group("name")]
        sample = CONVERTER_SAMPLES.get(type(converter))
        assert sample is not None, f"add a sample for {type(converter).__name__}"
        return sample

    return re.sub(r"<(?:[^>:]+:)?(?P<name>[^>]+)>", fill, str(pattern._route))


def _regex_segment(pattern: RegexPattern) -> str:
    regex = str(pattern._regex)
    groups = list(pattern.regex.groupindex)
    chosen = dict.fromkeys(groups, GROUP_SAMPLES[0])

    def render() -> str:
        text = regex
        for name in groups:
            start = text.index(f"(?P<{name}>")
            depth, i = 0, start
            while True:
                if text[i] == "\\":
                    i += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            text = text[:start] + chosen[name] + text[i + 1 :]
        text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        return re.sub(r"\\(.)", r"\1", text)

    for name in groups:
        for sample in GROUP_SAMPLES:
            chosen[name] = sample
            if pattern.regex.fullmatch(render()):
                break
    return render()


def _routes() -> list[Route]:
    routes = []
    for patterns, name in _walk(get_resolver().url_patterns):
        segments = []
        for p in patterns:
            segments.append(_route_segment(p) if isinstance(p, RoutePattern) else _regex_segment(p))
        url = "/" + "".join(segments)
        routes.append(Route(url=url, name=name, pattern=" ".join(str(p) for p in patterns)))
    return routes


def _login_redirect(response: Any, url: str) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    target = urlsplit(response["Location"])
    return target.path in LOGIN_PAGES and "next" in parse_qs(target.query)


def test_every_route_can_be_built_and_resolves():
    routes = _routes()
    assert len(routes) > 20
    for route in routes:
        try:
            resolve(route.url)
        except Resolver404:  # pragma: no cover - a failure message, not a path
            pytest.fail(f"cannot build a URL for {route.pattern!r}: add a sample value")


def test_public_entries_still_exist():
    urls = {route.url for route in _routes()}
    assert PUBLIC - urls == set(), "remove routes that no longer exist from PUBLIC"
    names = {route.name for route in _routes()}
    assert NOT_FOUND_WITHOUT_ACCESS - names == set()


@pytest.fixture
def real_objects(world: Any, settings: Any, tmp_path: Any) -> dict[str, str]:
    """URLs of objects that exist, for the routes whose 404 would prove nothing otherwise."""
    from guanjia.testing import factories as f
    from guanjia.tickets.photos import ticket_photo_add

    settings.MEDIA_ROOT = tmp_path
    image = io.BytesIO()
    Image.new("RGB", (8, 8)).save(image, "JPEG")
    ticket = f.ticket(world.unit)
    photo = ticket_photo_add(
        ticket=ticket, kind="report", upload=image.getvalue(), actor=world.operator
    )
    return {
        "tickets:photo": f"/photos/{photo.pk}",
        # A real photo through a wrong tracking token.
        "resident:track-photo": f"/t/not-{ticket.tracking_token}/photos/{photo.pk}",
    }


def test_no_route_answers_strangers_unless_listed(real_objects):
    client = Client()
    problems = []
    checked = 0
    for route in _routes():
        if route.url in PUBLIC:
            continue
        route.url = real_objects.get(route.name, route.url)
        answers = {
            "GET": client.get(route.url),
            "POST": client.post(route.url, {}),
        }
        statuses = {method: response.status_code for method, response in answers.items()}
        if route.name in NOT_FOUND_WITHOUT_ACCESS:
            allowed = {404, 405}
            ok = all(s in allowed for s in statuses.values()) and 404 in statuses.values()
        else:
            ok = all(
                status in (401, 403, 405) or _login_redirect(answers[method], route.url)
                for method, status in statuses.items()
            ) and set(statuses.values()) != {405}
        if not ok:
            problems.append(f"{route.url} ({route.name or route.pattern}): {statuses}")
        checked += 1
    assert checked > 20
    assert problems == [], (
        "these routes answer strangers: protect them, or list them in PUBLIC or "
        "NOT_FOUND_WITHOUT_ACCESS in core/tests/test_urls_access.py"
    )


def test_a_protected_page_redirects_to_the_login_with_next(client):
    response = client.get("/accounts/home/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/home/"


# The workers' pages (workbench/): signed-in handlers only; strangers go to the sign-in page.
WORKER_ROUTES = {
    "workbench:home": "/worker/",
    "workbench:task": "/worker/t/x/",
    "workbench:act": "/worker/t/x/act",
    "workbench:photo": "/worker/t/x/photo",
    "workbench:call": "/worker/t/x/call",
}


def test_workers_pages_send_strangers_to_the_sign_in_page(client):
    routes = {route.name: route.url for route in _routes()}
    assert {name: routes.get(name) for name in WORKER_ROUTES} == WORKER_ROUTES
    for url in WORKER_ROUTES.values():
        for response in (client.get(url), client.post(url, {})):
            assert _login_redirect(response, url), url


def test_notification_routes_send_strangers_to_the_login(client):
    """The inbox, the bell and marking read: a stranger is sent to sign in, and nothing else."""
    names = {route.name for route in _routes()}
    assert {
        "notifications:inbox",
        "notifications:bell",
        "notifications:read",
        "notifications:read-all",
    } <= names
    for url in ("/notifications/", "/notifications/bell"):
        assert _login_redirect(client.get(url), url), url
    for url in ("/notifications/1/read", "/notifications/read-all"):
        assert _login_redirect(client.post(url), url), url


# The dispatcher's and operator's console (console/): strangers go to the sign-in page.
CONSOLE_ROUTES = {
    "console:queue": ("GET", "/console/"),
    "console:new": ("GET", "/console/new/"),
    "console:lookup": ("GET", "/console/new/lookup"),
    "console:ticket": ("GET", "/console/t/x/"),
    "console:act": ("POST", "/console/t/x/x/"),
}


def test_console_sends_strangers_to_the_sign_in_page(client):
    routes = {route.name: route.url for route in _routes()}
    assert {name: routes.get(name) for name in CONSOLE_ROUTES} == {
        name: url for name, (_method, url) in CONSOLE_ROUTES.items()
    }
    for method, url in CONSOLE_ROUTES.values():
        response = client.get(url) if method == "GET" else client.post(url, {})
        assert _login_redirect(response, url), url


# The manager's dashboard (dashboard/): strangers go to the sign-in page.
DASHBOARD_ROUTES = {"dashboard:index": "/dashboard/"}


def test_dashboard_sends_strangers_to_the_sign_in_page(client):
    routes = {route.name: route.url for route in _routes()}
    assert {name: routes.get(name) for name in DASHBOARD_ROUTES} == DASHBOARD_ROUTES
    for url in DASHBOARD_ROUTES.values():
        assert _login_redirect(client.get(url), url), url

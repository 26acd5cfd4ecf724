"""Errors shown to users are generic pages of the site; the details go to the log only."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path

SECRET = "db-password-hunter2 at /srv/guanjia/settings.py line 42"


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET)


def _broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [
    path("test/forbidden", _forbidden),
    path("test/broken", _broken),
    path("", include("guanjia.urls")),
]

pytestmark = pytest.mark.urls(__name__)


def _page(response: HttpResponse) -> str:
    html = response.content.decode()
    assert '<a class="brand" href="/">' in html  # the site's own layout
    assert SECRET not in html
    assert "Traceback" not in html
    return html


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


def test_404_is_the_sites_page(db, browser):
    response = browser.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in _page(response)


def test_403_shows_no_detail(db, browser):
    response = browser.get("/test/forbidden")
    assert response.status_code == 403
    assert "Not allowed" in _page(response)


def test_500_shows_no_detail_and_logs_it(db, browser, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")
    response = browser.get("/test/broken")
    assert response.status_code == 500
    assert "Something went wrong" in _page(response)
    assert any(SECRET in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_csrf_failure_is_a_generic_page(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Please try again" in _page(response)


def test_the_pages_speak_chinese_by_default(db):
    response = Client(raise_request_exception=False).get("/no/such/page")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_429_page_says_how_long_to_wait():
    from django.utils import translation

    with translation.override("en"):
        html = render_to_string("429.html", {"minutes": 7})
        assert "Please wait 7 minutes and try again." in html
        assert "a few minutes" in render_to_string("429.html", {})
        assert "Bad request" in render_to_string("400.html", {})
    assert "7" in render_to_string("429.html", {"minutes": 7})

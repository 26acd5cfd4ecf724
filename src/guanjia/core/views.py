"""Pages that belong to no domain: sign-in, the signed-in landing page, health. (The residents'
home page is resident.views.home.)"""

from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from guanjia.core.forms import LockoutAuthenticationForm
from guanjia.people import roles


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account_home.html", {})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class LoginView(auth_views.LoginView):
    """Django's sign-in page behind the lockout: a locked-out attempt answers 429."""

    authentication_form = LockoutAuthenticationForm

    def get_default_redirect_url(self) -> str:
        """Workers and vendors start from their tasks; every other role from the account page."""
        user = self.request.user
        if (
            user.has_perm(roles.HANDLE)
            and not user.has_perm(roles.VIEW_STREET_TICKETS)
            and not user.is_superuser
        ):
            return reverse("workbench:home")
        return super().get_default_redirect_url()

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        return _locked_status(response, form)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own sign-in page (its form has the lockout, see CoreConfig.ready), answering
    429 when locked out like /accounts/login/."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    return _locked_status(response, form)


def _locked_status(response: HttpResponse, form: Any) -> HttpResponse:
    if getattr(form, "lockout_minutes", None):
        response.status_code = 429
    return response

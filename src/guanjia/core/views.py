"""Pages that belong to no domain: the resident's home page, the signed-in landing page, health."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanjia.catalog.selectors import catalog_for_residents


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"groups": catalog_for_residents()})


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account_home.html", {})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from guanjia.api import api
from guanjia.core import views as core_views

urlpatterns = [
    path("", include("guanjia.resident.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/home/", core_views.account_home, name="account-home"),
    path("console/", include("guanjia.console.urls")),
    path("dashboard/", include("guanjia.dashboard.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("intake/", include("guanjia.triage.urls")),
    path("notifications/", include("guanjia.notifications.urls")),
    # Before the admin's own URLs, so that its sign-in page answers 429 when locked out too.
    path("admin/login/", core_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/", include("guanjia.open311.urls")),
    path("worker/", include("guanjia.workbench.urls")),
    path("", include("guanjia.tickets.urls")),
]

# No route serves MEDIA_ROOT as it is, not even with DEBUG: photos are personal data and go out
# only through tickets.views.photo, which checks the order's scope.

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "guanjia.dashboard"
    verbose_name = "Dashboard"

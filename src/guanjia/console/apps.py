from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "guanjia.console"
    verbose_name = "Console"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentConfig(AppConfig):
    name = "guanjia.resident"
    verbose_name = _("Residents' pages")

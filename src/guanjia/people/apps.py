from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "guanjia.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from guanjia.people.roles import roles_ensure_defaults

        post_migrate.connect(roles_ensure_defaults, dispatch_uid="guanjia.people.roles")

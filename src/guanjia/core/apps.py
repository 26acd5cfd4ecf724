from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanjia.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin
        from django.contrib.auth import signals as auth_signals
        from django.db.models import signals as model_signals

        from guanjia.core import signals
        from guanjia.core.forms import AdminLockoutAuthenticationForm

        auth_signals.user_login_failed.connect(signals.on_login_failed, dispatch_uid="core-fail")
        auth_signals.user_logged_in.connect(signals.on_logged_in, dispatch_uid="core-login")
        auth_signals.user_logged_out.connect(signals.on_logged_out, dispatch_uid="core-logout")
        model_signals.post_save.connect(
            signals.on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="core-user-saved"
        )
        model_signals.pre_delete.connect(
            signals.on_user_deleted,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="core-user-deleted",
        )
        # The admin's own login form gets the same lockout as /accounts/login/.
        admin.site.login_form = AdminLockoutAuthenticationForm

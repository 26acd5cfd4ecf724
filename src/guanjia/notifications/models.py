"""The notification outbox: rows written in the same transaction as the change that causes them,
delivered at least once by the worker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.org.models import Street


class Notification(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A staff account, or a resident reached by SMS at `phone`.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    phone = models.CharField(max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["delivered_at", "id"], name="notification_pending"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return self.kind

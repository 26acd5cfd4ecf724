"""The notification outbox: rows written in the same transaction as the change that causes them,
delivered at least once by the worker (notifications/delivery.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
    # Set when every channel is done (delivered, or given up after the last attempt).
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    # Not claimed again before this: a claim's lease, then the backoff after a failure.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The in-app channel: shown in the recipient's inbox from this moment; read when they say so.
    available_at = models.DateTimeField(_("available in the app at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["delivered_at", "id"], name="notification_pending"),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The bell's one COUNT.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, available_at__isnull=False),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.kind


class NotificationDelivery(models.Model):
    """One channel of one notification. A row with `delivered_at` is never sent again: that is
    what keeps a re-run after a crash, or a second worker, from sending a channel twice once it
    was recorded (a crash between the send and this row sends it again: at least once)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=20)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notification_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return self.channel

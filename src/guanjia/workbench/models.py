"""The workers' pages keep one record of their own: who saw a resident's full phone number."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.org.models import Street
from guanjia.tickets.models import Ticket


class ContactReveal(models.Model):
    """One reveal of a resident's full phone number to the order's handler (SECURITY.md: revealing
    a full number writes an access-log row). Carries no phone itself."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    at = models.DateTimeField(_("at"))
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone number reveal")
        verbose_name_plural = _("phone number reveals")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["ticket", "at"], name="reveal_ticket")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.ticket_id} {self.at:%Y-%m-%d %H:%M}"

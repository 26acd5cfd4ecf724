"""What Open311 adds to an order posted through it: only what the standard echoes back.

The order itself is an ordinary Ticket (channel open311). Email, device_id and account_id are not
kept (minimum necessary: nothing here writes to residents by email, and the client keeps its own
ids); names and phone go to the ticket's contact fields like any other order's.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.org.models import Street
from guanjia.tickets.models import Ticket


class Open311Request(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="open311"
    )
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    # A link the posting client hosts and publishes itself; never fetched by the server (no
    # requests to arbitrary hosts from inside a government network), shown back as it came.
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return str(self.ticket_id)

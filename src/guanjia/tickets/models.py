"""Orders (tickets) and their append-only audit trail."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.catalog.models import ServiceCategory
from guanjia.org.models import Building, Compound, Household, Street, Unit
from guanjia.people.models import Resident
from guanjia.tickets.lifecycle import OPEN, Status

OPEN_STATUSES = tuple(sorted(OPEN))


class Channel(models.TextChoices):
    FORM = "form", _("Online form")
    WECHAT = "wechat", _("WeChat group")
    HOTLINE = "hotline", _("Hotline")
    OPEN311 = "open311", _("Open311")
    API = "api", _("Partner API")
    PATROL = "patrol", _("Patrol")
    INSPECTION = "inspection", _("Inspection")
    ASSIGNMENT = "assignment", _("Assignment")


def _tracking_token() -> str:
    return secrets.token_urlsafe(18)


class Ticket(models.Model):
    """One order. Only tickets/services.py writes it; `version` guards every change."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="tickets")
    number = models.CharField(_("number"), max_length=60, unique=True)
    tracking_token = models.CharField(max_length=40, unique=True, default=_tracking_token)
    version = models.PositiveIntegerField(default=1)

    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("service")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    paused_from = models.CharField(max_length=20, choices=Status.choices, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)

    # Who reported it and whom to contact (a daughter may order for her mother).
    reporter = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    # Where: a unit, a building, or a public spot of a compound (its gate, a road). Null only
    # for a department matter (channel assignment), which may concern no compound at all
    # (docs/adr/0011-department-matters-are-tickets-without-a-compound.md).
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    room = models.CharField(_("room"), max_length=20, blank=True)
    spot = models.CharField(_("public spot"), max_length=100, blank=True)

    description = models.TextField(_("description"), max_length=2000, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )

    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    on_site_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)

    # SLA deadlines, set from the category at creation, moved by pauses and extensions.
    accept_due = models.DateTimeField(_("accept by"), null=True, blank=True)
    arrive_due = models.DateTimeField(_("arrive by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # When the escalation ladder (tickets/escalation.py) next has a step due: a lower bound kept
    # by the services, made exact by the sweep; None when paused or finished.
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    # Counters and flags behind the indicators (回退率, 重办率).
    return_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    rating_speed = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_service = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_overall = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    external_deadline = models.DateTimeField(_("external deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_street_tickets", _("See every order of the street")),
            ("view_contact", _("See residents' names and full phone numbers")),
            ("dispatch_ticket", _("Dispatch, transfer, merge and cancel orders")),
            ("handle_ticket", _("Handle orders assigned to oneself")),
            ("callback_ticket", _("Record call-back ratings and reopen orders")),
            ("extend_ticket", _("Approve deadline extensions")),
            ("create_for_others", _("Take orders on a caller's behalf")),
            ("assign_matter", _("Assign matters to departments with a deadline")),
        ]
        indexes = [
            # Lists filter by street and status and page by (created_at, id).
            models.Index(fields=["street", "status", "-created_at", "-id"], name="ticket_queue"),
            models.Index(fields=["street", "-created_at", "-id"], name="ticket_street_recent"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
            models.Index(fields=["compound", "status"], name="ticket_compound"),
            models.Index(fields=["category", "status"], name="ticket_category"),
            models.Index(fields=["reporter", "-created_at"], name="ticket_reporter"),
            models.Index(fields=["status", "resolved_at"], name="ticket_resolved"),
            models.Index(fields=["street", "external_ref"], name="ticket_external"),
            # The escalation sweep's one query: next_escalation_at <= now.
            models.Index(fields=["next_escalation_at", "status"], name="ticket_escalation"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compound__isnull=False) | models.Q(channel="assignment"),
                name="ticket_compound_unless_assignment",
            ),
            models.CheckConstraint(
                condition=models.Q(rating_overall__isnull=True)
                | models.Q(rating_overall__gte=1, rating_overall__lte=5),
                name="ticket_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One change of a ticket. Append-only, enforced by database triggers.

    Carries no contact data of its own (no names, no phones): those live on the ticket, where the
    retention purge can reach them.
    """

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(_("type"), max_length=20)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.type} {self.from_status}→{self.to_status}"


class EventPurgeGuard(models.Model):
    """While a row exists here (inside one transaction), the audit triggers let changes through.

    Only the retention purge (and the test suite's flush) inserts one, and removes it before
    committing, so no other transaction ever sees it.
    """

    reason = models.CharField(max_length=50)


class TicketFollower(models.Model):
    """Someone else who reported the same thing (a merged duplicate): notified like the reporter."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followers")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="following")
    source = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "resident"], name="follower_unique"),
        ]


class PhotoKind(models.TextChoices):
    REPORT = "report", _("Resident's photo")
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class TicketPhoto(models.Model):
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)
    # A generated name under MEDIA_ROOT; never the uploader's file name.
    file = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "created_at", "id"]


class TicketCounter(models.Model):
    """The last sequence number given per street and day (SHUANGGANG-20260525-0001)."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "day"], name="counter_unique_day"),
        ]

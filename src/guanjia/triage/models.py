from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.org.models import Street
from guanjia.tickets.models import Ticket


class IntakeSettings(models.Model):
    """How a street takes free-text messages: the confidence above which a message becomes an
    order by itself, and the signing secret of its group robot (empty: the callback is off)."""

    street = models.OneToOneField(Street, on_delete=models.CASCADE, related_name="intake_settings")
    confidence_threshold = models.FloatField(
        _("confidence threshold"),
        default=0.6,
        help_text=_("Messages the model is less sure of than this wait as drafts."),
    )
    robot_secret = models.CharField(_("group robot secret"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("intake settings")
        verbose_name_plural = _("intake settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence_threshold__gte=0, confidence_threshold__lte=1),
                name="intake_threshold_0_1",
            )
        ]

    def __str__(self) -> str:
        return str(self.street)


class IntakeMessage(models.Model):
    """A message as it arrived (group chat, hotline summary, form, API) and what triage made of
    it. A draft waits for a dispatcher; an order or a joined message points at its ticket."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # 待确认: the model was not sure enough
        ORDERED = "ordered", _("Order created")
        JOINED = "joined", _("Joined an order")  # the same place and problem as an open order
        DISCARDED = "discarded", _("Discarded")  # not an order (chatter, thanks, spam)

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=20)
    text = models.TextField(_("text"))
    sender = models.CharField(_("sender"), max_length=100, blank=True)
    # Where the sender came from, so that a repeated delivery by a robot is taken once.
    external_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(auto_now_add=True)
    guess = models.JSONField(default=dict)
    model_version = models.CharField(max_length=40)
    category = models.CharField(max_length=50)
    confidence = models.FloatField()
    urgent = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="intake_messages"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("intake message")
        verbose_name_plural = _("intake messages")
        indexes = [
            models.Index(fields=["street", "status", "-received_at"], name="intake_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="intake_external_once",
            )
        ]

    def __str__(self) -> str:
        return self.text[:30]


class TriageCorrection(models.Model):
    """A dispatcher changed what triage guessed. The message's text with the corrected label is a
    training example at the next `guanjia triage-train`; the rows also give the accuracy page."""

    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(IntakeMessage, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=20)
    guessed = models.CharField(max_length=100, blank=True)
    corrected = models.CharField(max_length=100, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("triage correction")
        verbose_name_plural = _("triage corrections")
        indexes = [models.Index(fields=["street", "at"], name="correction_recent")]


class RobotSignature(models.Model):
    """A group robot's signature already taken. The platform signs the timestamp, not the body,
    so within the five minutes a timestamp is good for, a captured signature could carry any
    message: each is accepted for one platform message only (its retries answer the same).
    Rows older than the window are deleted as new ones come."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    sign = models.CharField(max_length=64)
    message_id = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "sign"], name="robot_signature_once")
        ]

    def __str__(self) -> str:
        return self.sign

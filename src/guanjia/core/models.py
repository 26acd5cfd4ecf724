"""Security records that belong to no domain: sign-in attempts and who holds which session."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginReason(models.TextChoices):
    OK = "ok", _("Signed in")
    BAD_CREDENTIALS = "bad_credentials", _("Wrong username or password")
    LOCKED = "locked", _("Refused: too many failed attempts")


class LoginAttempt(models.Model):
    """One sign-in attempt with a password: the security log, and what the lockout counts.

    Kept at least six months (Cybersecurity Law); holds no password, ever.
    """

    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    at = models.DateTimeField(_("at"))
    success = models.BooleanField(_("success"))
    reason = models.CharField(_("reason"), max_length=20, choices=LoginReason.choices)

    class Meta:
        verbose_name = _("sign-in attempt")
        verbose_name_plural = _("sign-in attempts")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["username", "at"], name="login_attempt_username"),
            models.Index(fields=["ip", "at"], name="login_attempt_ip"),
            models.Index(fields=["at"], name="login_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.reason} {self.at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A session opened by signing in, so that deactivating a user can end all of theirs without
    decoding every session in the store."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="user_session_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an `Idempotency-Key`, replayed to repeats.

    Written in the same transaction as the change it answers for, so there is never one without
    the other. Kept at least 24 hours (core.idempotency.KEEP).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.key}"

"""One-time codes that let a resident see their own orders ("My orders", /my/).

A code row holds no phone number and no code: only a keyed digest of the phone (to find the
codes of a number and count them for the rate limit) and a salted HMAC of the code. Rows are
deleted a day after they were made (resident.services.phone_codes_purge, hourly).
"""

from django.db import models


class PhoneCode(models.Model):
    """A 6-digit code sent by SMS to a mobile number; good for one successful check."""

    # HMAC of the normalised phone under the site's secret: equal numbers give equal digests.
    phone_digest = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Wrong guesses so far; at PHONE_CODE_MAX_ATTEMPTS the code is dead.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the code was checked successfully, or replaced by a newer code: no longer usable.
    spent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The latest code of a number, and the number's sends in the last day.
            models.Index(fields=["phone_digest", "-created_at"], name="phone_code_recent"),
            models.Index(fields=["created_at"], name="phone_code_created"),
        ]

    def __str__(self) -> str:
        return f"code {self.pk}"

from collections.abc import Iterator
from typing import Any

import pytest

from guanjia.notifications.backends import LocmemSMS


@pytest.fixture
def sms(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    """SMS through the in-memory backend; yields its outbox."""
    notify = dict(settings.GUANJIA["NOTIFY"])
    notify["SMS_BACKEND"] = "guanjia.notifications.backends.LocmemSMS"
    settings.GUANJIA = {**settings.GUANJIA, "NOTIFY": notify}
    LocmemSMS.outbox = []
    yield LocmemSMS.outbox
    LocmemSMS.outbox = []

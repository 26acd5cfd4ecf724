import datetime as dt
from pathlib import Path

import pytest
from django.conf import LazySettings

from guanjia.catalog.defaults import catalog_install_defaults
from guanjia.catalog.models import ServiceCategory
from guanjia.demo.loader import DEMO_STREET, demo_load
from guanjia.org.models import Street

# Friday 14 March 2025, 15:30 in Shanghai: the dispatcher is at the desk, the day shift at work.
NOW = dt.datetime(2025, 3, 14, 7, 30, tzinfo=dt.UTC)


@pytest.fixture
def media(settings: LazySettings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def demo_street(db: None, media: Path) -> Street:
    """The demo street and its people, without history."""
    if not ServiceCategory.objects.exists():
        catalog_install_defaults(ServiceCategory)
    demo_load(now=NOW, days=0)
    return Street.objects.get(code=DEMO_STREET)

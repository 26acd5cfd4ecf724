"""Shared pytest fixtures: a street with a place, and one account per role."""

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings

from guanjia.catalog.defaults import catalog_install_defaults
from guanjia.catalog.models import ServiceCategory
from guanjia.testing import factories as f
from guanjia.testing.factories import World


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """PBKDF2 costs ~0.3 s per account; tests need passwords, not key stretching."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _triage_model_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One triage model per test run, trained from the shipped corpus on first use, outside
    var/ (so a test never trains over the demo's model)."""
    path = tmp_path_factory.mktemp("triage") / "model.npz"
    with override_settings(TRIAGE_MODEL_PATH=path):
        yield


@pytest.fixture
def world(db: None) -> World:
    # The catalog comes with a data migration; a transactional test's flush empties it again.
    if not ServiceCategory.objects.exists():
        catalog_install_defaults(ServiceCategory)
    unit = f.UnitFactory(building__compound__community__street__code="shuanggang")
    street = unit.street
    other_unit = f.UnitFactory(building__compound__community__street__code="other")
    return World(
        street=street,
        unit=unit,
        other_street=other_unit.street,
        other_unit=other_unit,
        dispatcher=f.user("dispatcher", street, "dispatcher"),
        operator=f.user("operator", street, "operator"),
        manager=f.user("manager", street, "manager"),
        worker=f.handler(
            street, "repair.corridor_light", "personal.home_repair", username="worker"
        ),
        other_worker=f.handler(street, "repair.corridor_light", username="other_worker"),
        resident=f.user("resident", street, "resident"),
    )

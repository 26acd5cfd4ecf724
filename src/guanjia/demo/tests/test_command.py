"""`guanjia demo --no-serve`: loads once, keeps the data on the next run, prints the accounts."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from guanjia.catalog.defaults import catalog_install_defaults
from guanjia.catalog.models import ServiceCategory
from guanjia.demo.accounts import PEOPLE
from guanjia.demo.messages import GROUP_MESSAGES
from guanjia.org.models import Compound, Street
from guanjia.tickets.models import Ticket
from guanjia.triage.models import IntakeMessage


def _demo(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", "--no-serve", "--port", "8123", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_demo_loads_once_and_keeps_the_data(db: None, media: Path) -> None:
    if not ServiceCategory.objects.exists():
        catalog_install_defaults(ServiceCategory)
    out, err = _demo("--days", "2", "--orders", "60")
    assert "Loading the demo" in err
    street = Street.objects.get(code="shuanggang")
    assert Compound.objects.filter(street=street).count() == 40
    orders = Ticket.objects.count()
    assert orders > 40
    # The morning's group messages went through triage: orders and drafts, one per message.
    messages = IntakeMessage.objects.filter(street=street)
    assert messages.count() == len(GROUP_MESSAGES)
    assert messages.filter(status="draft").exists()
    assert messages.filter(status__in=["ordered", "joined"]).exists()
    assert "group messages" in err
    for person in PEOPLE:
        assert person.username in out
    assert "guanjia-demo" in out
    assert "http://127.0.0.1:8123/" in out

    # Something changed since (a new order, a street of someone's own) is kept as it is.
    Street.objects.create(code="elsewhere", name="别处街道")
    first = Ticket.objects.order_by("pk")[0]
    Ticket.objects.filter(pk=first.pk).update(description="改过的描述")
    out, err = _demo()
    assert "keeping the data" in err
    assert Ticket.objects.count() == orders
    assert Ticket.objects.filter(description="改过的描述").count() == 1
    assert Street.objects.filter(code="elsewhere").exists()
    assert "manager" in out

"""Who sees which orders (ticket_scope), in what capacity they act (ticket_capacities), and whose
eyes see full phone numbers and names (people/access.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import AnonymousUser

from guanjia.people.access import contact_visible, name_for, phone_for
from guanjia.people.models import Resident, User, Vendor
from guanjia.testing import factories as f
from guanjia.tickets.access import ticket_capacities, ticket_scope
from guanjia.tickets.models import Ticket
from guanjia.tickets.services import ticket_transition
from guanjia.tickets.tests.moves import T0

if TYPE_CHECKING:
    from guanjia.testing.factories import World

pytestmark = pytest.mark.django_db


class Orders:
    """A street's worth of orders in every situation the scoping rules tell apart."""

    def __init__(self, world: World) -> None:
        unit, other = world.unit, world.other_unit
        self.rival = f.handler(world.street, "personal.home_repair", username="rival")
        # Assigned to the worker.
        self.mine = self._dispatched(world, f.ticket(unit, now=T0), world.worker)
        # Assigned to the other worker.
        self.theirs = self._dispatched(
            world, f.ticket(unit, phone="13900001111", now=T0), world.other_worker
        )
        # Waiting for a dispatcher (corridor lights are assigned, not grabbed).
        self.queue = f.ticket(unit, phone="13900002222", now=T0)
        # In the grab pool of home repairs.
        self.pool = f.ticket(unit, code="personal.home_repair", phone="13900003333", now=T0)
        # Grabbed by a rival: out of the pool.
        self.grabbed = f.ticket(unit, code="personal.home_repair", phone="13900004444", now=T0)
        ticket_transition(ticket=self.grabbed, action="grab", actor=self.rival, now=T0)
        # The other street's orders, a pool order among them.
        self.elsewhere = f.ticket(other, phone="13900005555", now=T0)
        self.elsewhere_pool = f.ticket(
            other, code="personal.home_repair", phone="13900006666", now=T0
        )

    @staticmethod
    def _dispatched(world: World, t: Ticket, worker: User) -> Ticket:
        ticket_transition(
            ticket=t, action="dispatch", actor=world.dispatcher, assignee=worker, now=T0
        )
        return t

    def street(self) -> set[Ticket]:
        return {self.mine, self.theirs, self.queue, self.pool, self.grabbed}


def scope(user: User | AnonymousUser) -> set[Ticket]:
    return set(ticket_scope(user))


@pytest.fixture
def orders(world: World) -> Orders:
    return Orders(world)


def test_street_roles_see_their_own_street_only(world: World, orders: Orders) -> None:
    for user in (world.dispatcher, world.operator, world.manager):
        assert scope(user) == orders.street(), user.username
    other_dispatcher = f.user("dispatcher", world.other_street, "other_dispatcher")
    assert scope(other_dispatcher) == {orders.elsewhere, orders.elsewhere_pool}


def test_an_administrator_without_a_street_sees_every_street(world: World, orders: Orders) -> None:
    admin = f.user("admin", None, "admin")
    assert scope(admin) == orders.street() | {orders.elsewhere, orders.elsewhere_pool}
    street_admin = f.user("admin", world.street, "street_admin")
    assert scope(street_admin) == orders.street()


def test_a_worker_sees_their_orders_and_the_pool_of_their_skills(
    world: World, orders: Orders
) -> None:
    assert scope(world.worker) == {orders.mine, orders.pool}
    # Without the home-repair skill there is no pool to see.
    assert scope(world.other_worker) == {orders.theirs}
    assert scope(orders.rival) == {orders.grabbed, orders.pool}


def test_a_worker_loses_an_order_returned_or_transferred(world: World, orders: Orders) -> None:
    ticket_transition(
        ticket=orders.mine,
        action="transfer",
        actor=world.dispatcher,
        assignee=world.other_worker,
        now=T0,
    )
    assert scope(world.worker) == {orders.pool}
    assert scope(world.other_worker) == {orders.theirs, orders.mine}
    ticket_transition(
        ticket=orders.mine, action="return", actor=world.other_worker, reason="缺配件", now=T0
    )
    assert scope(world.other_worker) == {orders.theirs}


def test_an_inactive_staff_profile_sees_no_pool(world: World, orders: Orders) -> None:
    world.worker.staff.active = False
    world.worker.staff.save()
    assert scope(world.worker) == {orders.mine}


def test_a_resident_sees_what_they_reported_or_follow(world: World, orders: Orders) -> None:
    me = Resident.objects.get(street=world.street, phone="13812342345")  # reported `mine`
    me.user = world.resident
    me.save()
    assert scope(world.resident) == {orders.mine}
    # A second report of the queue order by this resident, merged into it: now they follow it.
    duplicate = f.ticket(world.unit, now=T0)
    ticket_transition(
        ticket=duplicate, action="merge", actor=world.dispatcher, original=orders.queue, now=T0
    )
    assert scope(world.resident) == {orders.mine, orders.queue, duplicate}
    neighbour = f.user("resident", world.street, "neighbour")
    assert scope(neighbour) == set()


def test_nobody_else_sees_anything(world: World, orders: Orders) -> None:
    assert scope(AnonymousUser()) == set()
    assert scope(world.resident) == set()  # an account with no resident behind it
    for user in (world.dispatcher, world.worker):
        user.is_active = False
        user.save()
        assert scope(user) == set(), user.username


def test_capacities(world: World, orders: Orders) -> None:
    reporter = orders.mine.reporter
    assert reporter is not None
    mine = Ticket.objects.get(pk=orders.mine.pk)
    assert ticket_capacities(None, mine) == {"system"}
    assert ticket_capacities(None, mine, resident=reporter) == {"reporter"}
    assert ticket_capacities(None, orders.theirs, resident=reporter) == set()
    assert ticket_capacities(world.worker, mine) == {"handler", "assignee"}
    assert ticket_capacities(world.other_worker, mine) == {"handler"}
    assert ticket_capacities(world.dispatcher, mine) == {"dispatcher", "operator"}
    assert ticket_capacities(world.manager, mine) == {"dispatcher", "operator", "manager"}
    assert ticket_capacities(world.operator, mine) == {"operator"}
    assert ticket_capacities(AnonymousUser(), mine) == set()
    assert ticket_capacities(AnonymousUser(), mine, resident=reporter) == {"reporter"}
    other_dispatcher = f.user("dispatcher", world.other_street, "other_dispatcher")
    assert ticket_capacities(other_dispatcher, mine) == set()
    world.dispatcher.is_active = False
    world.dispatcher.save()
    assert ticket_capacities(world.dispatcher, mine) == set()


def test_phones_and_names_are_masked_for_handlers(world: World) -> None:
    vendor = Vendor.objects.create(street=world.street, name="好帮手家政")
    vendor_member = f.handler(world.street, vendor=vendor, username="vendor_member")
    masked = (world.worker, world.other_worker, vendor_member, world.resident, AnonymousUser())
    for user in masked:
        assert not contact_visible(user)
        assert phone_for(user, "13812342345") == "138****2345"
        assert phone_for(user, "057188765678") == "057****5678"
        assert name_for(user, "张建国") == "张**"
    for user in (world.operator, world.dispatcher, world.manager):
        assert contact_visible(user), user.username
        assert phone_for(user, "13812342345") == "13812342345"
        assert phone_for(user, "057188765678") == "057188765678"
        assert name_for(user, "张建国") == "张建国"
    world.dispatcher.is_active = False
    world.dispatcher.save()
    assert phone_for(User.objects.get(pk=world.dispatcher.pk), "13812342345") == "138****2345"

from guanjia.testing import factories as f


def test_order_goes_round_the_loop(world):
    from guanjia.tickets.services import Rating, ticket_transition

    t = f.ticket(world.unit)
    assert t.number.startswith("SHUANGGANG-")
    t = ticket_transition(
        ticket=t, action="dispatch", actor=world.dispatcher, assignee=world.worker
    ).ticket
    for action in ("accept", "arrive"):
        t = ticket_transition(ticket=t, action=action, actor=world.worker).ticket
    f.category("repair.corridor_light")
    t.category.after_photo_required = False
    t.category.save()
    t = ticket_transition(ticket=t, action="resolve", actor=world.worker).ticket
    t = ticket_transition(
        ticket=t, action="rate", actor=world.operator, rating=Rating(overall=5)
    ).ticket
    assert t.status == "closed"
    assert [e.type for e in t.events.all()] == [
        "create",
        "dispatch",
        "accept",
        "arrive",
        "resolve",
        "rate",
    ]

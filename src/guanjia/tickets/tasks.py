"""Background jobs of orders. Thin: each calls a service. The worker ticks the periodic ones
(core/worker.py); any of them can also be enqueued (`tickets_autoclose.enqueue()`)."""

from django.utils import timezone
from django_tasks import task

from guanjia.tickets.escalation import escalation_pending, escalation_sweep
from guanjia.tickets.services import ticket_autoclose_sweep

# A sweep closes at most this many orders per call, each in its own short transaction.
AUTOCLOSE_BATCH = 100
# Calls per run: after a long stop the backlog clears over a few ticks, not in one long run.
AUTOCLOSE_ROUNDS = 20


@task()
def tickets_autoclose() -> int:
    """Close orders resolved more than AUTO_CLOSE_HOURS ago and still unrated. Idempotent.
    Returns how many it closed."""
    closed = 0
    for _ in range(AUTOCLOSE_ROUNDS):
        done = ticket_autoclose_sweep(batch=AUTOCLOSE_BATCH)
        closed += done
        if done < AUTOCLOSE_BATCH:
            break
    return closed


# A sweep takes steps on at most this many orders per call; a backlog clears over a few calls.
ESCALATION_BATCH = 200
ESCALATION_ROUNDS = 20


@task()
def tickets_escalate() -> int:
    """Climb the escalation ladder (预警, 超时, 催办, 督办) on orders whose next step is due.
    Idempotent. Returns how many steps it took."""
    steps = 0
    for _ in range(ESCALATION_ROUNDS):
        now = timezone.now()
        steps += escalation_sweep(now=now, batch=ESCALATION_BATCH)
        if not escalation_pending(now=now):
            break
    return steps

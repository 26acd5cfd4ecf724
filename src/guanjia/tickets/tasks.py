"""Background jobs of orders. Thin: each calls a service. The worker ticks the periodic ones
(core/worker.py); any of them can also be enqueued (`tickets_autoclose.enqueue()`)."""

from django_tasks import task

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

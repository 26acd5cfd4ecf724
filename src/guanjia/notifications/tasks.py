"""Background jobs of notifications. The worker ticks delivery every minute (core/worker.py);
it can also be enqueued (`notifications_deliver.enqueue()`)."""

from django_tasks import task

from guanjia.notifications.delivery import notification_deliver_batch

DELIVER_BATCH = 200
DELIVER_ROUNDS = 20


@task()
def notifications_deliver() -> int:
    """Deliver what the outbox holds (at least once), in rounds of short transactions.
    Returns how many notifications were delivered."""
    delivered = 0
    for _ in range(DELIVER_ROUNDS):
        result = notification_deliver_batch(batch=DELIVER_BATCH)
        delivered += result.delivered
        if result.claimed < DELIVER_BATCH:
            break
    return delivered

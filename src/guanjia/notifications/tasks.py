"""Background jobs of notifications. The worker ticks delivery every minute (core/worker.py);
it can also be enqueued (`notifications_deliver.enqueue()`)."""

from django_tasks import task

from guanjia.notifications.services import notification_deliver_pending

DELIVER_BATCH = 200
DELIVER_ROUNDS = 20


@task()
def notifications_deliver() -> int:
    """Deliver what the outbox holds (at least once). Returns how many were delivered."""
    delivered = 0
    for _ in range(DELIVER_ROUNDS):
        done = notification_deliver_pending(batch=DELIVER_BATCH)
        delivered += done
        if done < DELIVER_BATCH:
            break
    return delivered

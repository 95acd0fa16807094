"""The staff inbox: the in-app messages of one user (the group-visit alert of decisions §4 …).

Its reads are scoped to the recipient and nobody else: a message is never shown to, counted for or marked
by another account, administrators included. Marking read is the inbox's only write.
"""

from __future__ import annotations

from django.db.models import QuerySet

from xinfang.cases.models import Notification
from xinfang.core import clock
from xinfang.core.errors import NotFound
from xinfang.orgs.models import User

# The page shows the latest messages; older ones stay stored (and in the admin's backups).
INBOX_SIZE = 200


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_for(user: User) -> QuerySet[Notification]:
    """The user's latest messages, newest first, with their item's number for the link."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case")
        .only("kind", "message", "created_at", "read_at", "case__number")
        .order_by("-created_at", "-pk")[:INBOX_SIZE]
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's messages (or, with no id, all of them) read; the number marked. A message of
    someone else is NotFound, the same answer as one that does not exist."""
    mine = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(pk=notification_id, recipient=user).exists():
            raise NotFound("未找到该通知")
        mine = mine.filter(pk=notification_id)
    return mine.update(read_at=clock.now())

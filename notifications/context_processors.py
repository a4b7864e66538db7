import functools

from notifications.selectors import unread_count


def unread(request):
    """The bell's unread count: one small query, and only on a page that shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    # Called by the template only where it shows the bell (a query each time it is asked).
    return {"unread_count": functools.partial(unread_count, user=user.pk)}

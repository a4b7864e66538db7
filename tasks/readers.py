"""The rules' reads that pages ask most (``tasks.permissions``: ``access_campaign``,
``access_task_list``, ``can_manage_campaign``), compiled once per process and shape of
person (``config.prepared``): the person as the rules read them is
``tasks.permissions.Reader`` (``reader_key``: its shape; ``reader_values``: its parameters).
The rules themselves stay in ``tasks.permissions``, which asks these."""

from django.db.models import QuerySet

from campaigns.models import Campaign, TaskList
from config.prepared import Prepared, PreparedModels

# Building and compiling ``access_campaign``'s read was 2 ms of a list's or an export's page,
# ``access_task_list``'s 1 ms, ``can_manage_campaign``'s 0.4 ms.


def _campaign(answers, unit: bool, business: bool, related: tuple, values) -> QuerySet:
    from tasks.permissions import Reader, visible_campaigns

    reader = Reader(answers, values["user"], values["unit"] if unit else None, business)
    campaigns = visible_campaigns(reader)  # type: ignore[arg-type]  # a User as the rule reads one
    return campaigns.select_related(*related).filter(slug=values["slug"]).order_by()[:1]


def _task_list(answers, unit: bool, values) -> QuerySet:
    from tasks.permissions import Reader, visible_lists_q

    reader = Reader(answers, values["user"], values["unit"] if unit else None)
    lists = TaskList.objects.filter(visible_lists_q(reader))  # type: ignore[arg-type]
    return lists.filter(campaign=values["campaign"], pk=values["pk"]).order_by()[:1]


def _coordinates(values) -> QuerySet:
    """Whether the person is one of the campaign's coordinators (``can_manage_campaign``)."""
    through = Campaign.coordinators.through.objects
    return through.filter(campaign=values["campaign"], user=values["user"]).values_list("pk")[:1]


CAMPAIGN = PreparedModels(_campaign)
TASK_LIST = PreparedModels(_task_list)
COORDINATES = Prepared(_coordinates, maxsize=1)

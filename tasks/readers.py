"""A person as the rules of ``tasks.permissions`` read them, for statements compiled once per
process (``config.prepared``): the shape of ``visible_tasks_q(user)`` follows the answers to
its role questions and whether the person has a unit (``reader_key``); their id and unit
are the statement's parameters (``reader_values``; slots when compiling). Below, the rules'
reads that pages ask most, so compiled."""

from django.db.models import QuerySet

from accounts.models import Role, User
from campaigns.models import Campaign, TaskList
from config.prepared import Prepared, PreparedModels

ASKED = ((Role.LEADER,), (Role.COORDINATOR,), (Role.STAFF, Role.HEAD))


class Reader:
    """An active person as the rules read them (another role question is an error: the
    statement's key would not cover it). ``business``: whether they hold a business role
    (``visible_campaigns`` asks; keyed by the caller that says it)."""

    is_authenticated = is_active = True

    def __init__(self, answers: tuple[bool, ...], pk, unit_id, business: bool = True):
        self.answers: dict[tuple[str, ...], bool] = dict(zip(ASKED, answers, strict=True))
        self.pk, self.unit_id = pk, unit_id
        self.has_business_role = business

    def has_role(self, *roles: str) -> bool:
        return self.answers[roles]


def reader_key(user: User) -> tuple[tuple[bool, ...], bool]:
    return tuple(user.has_role(*roles) for roles in ASKED), bool(user.unit_id)


def reader_values(user: User) -> dict:
    return {"user": user.pk, "unit": user.unit_id}


# The rules' reads that pages ask most, compiled once per process and shape of person (the
# rules themselves are ``tasks.permissions``'; building and compiling ``access_campaign``'s
# was 2 ms of a list's or an export's page, ``access_task_list``'s 1 ms).


def _campaign(answers, unit: bool, business: bool, related: tuple, values) -> QuerySet:
    from tasks.permissions import visible_campaigns

    reader = Reader(answers, values["user"], values["unit"] if unit else None, business)
    campaigns = visible_campaigns(reader)  # type: ignore[arg-type]  # a User as the rule reads one
    return campaigns.select_related(*related).filter(slug=values["slug"]).order_by()[:1]


def _task_list(answers, unit: bool, values) -> QuerySet:
    from tasks.permissions import visible_lists_q

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

"""Who may see and do what in inspection rounds. Pages, templates (through the flags their
views pass) and services ask this module; nothing else in ``inspections`` tests a role.

* The inspection group (督查组) is the campaign's coordinators plus every user holding the
  role ``Role.INSPECTOR``. That role is district-wide, like the leader's: an inspector sees
  and verifies the rounds of every campaign, but gets no task content through it (task pages
  stay 404 unless they hold another business role).
* The matrix of a round (every unit's answers, the counts, the .xlsx): the inspection group
  and leaders.
* Opening and closing a round: the campaign's coordinators.
* Verifying an answer (confirm, or overturn with a reason): the inspection group.
* A unit's questions: the staff and heads of that unit see and answer only their own unit's
  answers; anyone else gets 404, so the questions of another unit are not even revealed.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from campaigns.models import Campaign, TaskList
from inspections.models import Answer, AnswerFile, InspectionRound
from tasks.permissions import can_manage_campaign


def is_inspector(user: User) -> bool:
    """Holds the 督查组 role (every campaign's rounds)."""
    return user.is_authenticated and user.is_active and user.has_role(Role.INSPECTOR)


def answers_for_unit(user: User) -> bool:
    """Unit staff and heads answer their unit's questions."""
    return (
        user.is_authenticated
        and user.is_active
        and user.unit_id is not None
        and user.has_role(Role.STAFF, Role.HEAD)
    )


def oversees_rounds(user: User) -> bool:
    """Sees some rounds' matrices: coordinators, leaders, the inspection group."""
    return (
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.COORDINATOR, Role.LEADER, Role.INSPECTOR)
    )


def overseen_rounds(user: User) -> QuerySet[InspectionRound]:
    """Rounds whose matrix ``user`` may read."""
    if not oversees_rounds(user):
        return InspectionRound.objects.none()
    if user.has_role(Role.LEADER, Role.INSPECTOR):
        return InspectionRound.objects.all()
    return InspectionRound.objects.filter(campaign__coordinators=user).distinct()


def unit_rounds(user: User) -> QuerySet[InspectionRound]:
    """Rounds in which the user's unit answers."""
    if not answers_for_unit(user):
        return InspectionRound.objects.none()
    return InspectionRound.objects.filter(units=user.unit_id)


def _in_group(user: User, campaign: Campaign) -> bool:
    """The campaign's inspection group, asked once per user and loaded campaign."""
    answers = campaign.__dict__.setdefault("_inspection_group_answers", {})
    if user.pk not in answers:
        answers[user.pk] = is_inspector(user) or can_manage_campaign(user, campaign)
    return answers[user.pk]


def can_open_round(user: User, checklist: TaskList) -> bool:
    """Open a round of a checklist: the campaign's coordinators, once it is published (a
    draft import of a checklist asks nobody anything)."""
    return (
        checklist.kind == TaskList.Kind.CHECKLIST
        and not checklist.is_draft
        and can_manage_campaign(user, checklist.campaign)
    )


def openable_checklists(user: User) -> QuerySet[TaskList]:
    """The checklists whose rounds ``user`` may open."""
    if not (user.is_authenticated and user.is_active and user.has_role(Role.COORDINATOR)):
        return TaskList.objects.none()
    return (
        TaskList.objects.published()
        .filter(kind=TaskList.Kind.CHECKLIST, campaign__coordinators=user)
        .select_related("campaign")
    )


def can_close_round(user: User, round_: InspectionRound) -> bool:
    return can_manage_campaign(user, round_.campaign)


def can_verify(user: User, round_: InspectionRound) -> bool:
    """Confirm or overturn the units' answers: the inspection group."""
    return _in_group(user, round_.campaign)


def can_answer(user: User, answer: Answer) -> bool:
    """The staff and heads of the answering unit (whether the round still takes answers is
    the service's rule)."""
    return answers_for_unit(user) and user.unit_id == answer.unit_id


def access_round(user: User, pk: int) -> InspectionRound:
    """The round for its matrix if ``user`` oversees it; 404 otherwise."""
    round_ = overseen_rounds(user).select_related("campaign", "checklist").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    return round_


def access_unit_round(user: User, pk: int) -> InspectionRound:
    """The round if the user's unit answers in it; 404 otherwise."""
    round_ = unit_rounds(user).select_related("campaign", "checklist").filter(pk=pk).first()
    if round_ is None:
        raise Http404
    return round_


def visible_answers_q(user: User) -> Q:
    """A filter on Answer: the user's own unit's answers, and those of the rounds they oversee."""
    q = Q(pk__in=[])
    if answers_for_unit(user):
        q |= Q(unit_id=user.unit_id)
    if oversees_rounds(user):
        q |= Q(round__in=overseen_rounds(user).values("pk"))
    return q


def access_answer(user: User, pk: int) -> Answer:
    """The answer if ``user`` may read it; 404 otherwise."""
    answer = (
        Answer.objects.filter(visible_answers_q(user), pk=pk)
        .select_related("round__campaign", "round__checklist", "question", "unit")
        .first()
    )
    if answer is None:
        raise Http404
    return answer


def access_answer_file(user: User, pk: int) -> AnswerFile:
    """An evidence file, only after the same check as its answer; 404 otherwise."""
    item = AnswerFile.objects.filter(pk=pk).only("answer_id").first()
    if item is None:
        raise Http404
    access_answer(user, item.answer_id)
    return AnswerFile.objects.get(pk=pk)

"""Who may see and do what with measures. Pages, templates (through the flags their views pass)
and services ask this module; nothing else in ``measures`` tests a role.

* The register of a campaign: whoever may see the campaign (else 404). The campaign's
  coordinators and leaders see every application, proposals and dropped ones included; unit
  staff and heads see the applied measures of their own unit only.
* Setting a measure's kind and rule, confirming, editing and dropping proposals, adding a
  measure by hand, excusing a rating (容错免责): the campaign's coordinators.
* A measure names a unit, or a person who does a unit's work: its staff or a head (never an
  administrator, an auditor, a leader or a coordinator through that role).
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role, User
from accounts.permissions import is_leader, works_on_tasks
from campaigns.models import Campaign
from measures.models import Application
from tasks.permissions import access_campaign, can_manage_campaign, visible_campaigns


def _manages(user: User, campaign: Campaign) -> bool:
    """``can_manage_campaign``, asked once per user and loaded campaign (a page asks often)."""
    answers = campaign.__dict__.setdefault("_measures_manager_answers", {})
    if user.pk not in answers:
        answers[user.pk] = can_manage_campaign(user, campaign)
    return answers[user.pk]


def people_measures_may_name() -> QuerySet[User]:
    """The people a measure may be applied to: active staff and heads of a unit."""
    return User.objects.filter(
        is_active=True, unit__isnull=False, roles__role__in=[Role.STAFF, Role.HEAD]
    ).distinct()


def may_be_named(person: User) -> bool:
    return person.is_active and person.unit_id is not None and works_on_tasks(person)


def can_see_register(user: User, campaign: Campaign) -> bool:
    return visible_campaigns(user).filter(pk=campaign.pk).exists()


def can_manage_measures(user: User, campaign: Campaign) -> bool:
    """Kinds and rules, proposals, additions by hand, 容错免责: the campaign's coordinators."""
    return _manages(user, campaign)


def sees_every_application(user: User, campaign: Campaign) -> bool:
    """Coordinators and leaders see every unit's measures, proposals and drops included."""
    return is_leader(user) or _manages(user, campaign)


def visible_applications(user: User, campaign: Campaign) -> QuerySet[Application]:
    """The applications of ``campaign`` that ``user`` may read."""
    qs = Application.objects.filter(campaign=campaign)
    if sees_every_application(user, campaign):
        return qs
    if works_on_tasks(user) and user.unit_id:
        return qs.filter(status=Application.Status.APPLIED, unit_id=user.unit_id)
    return qs.none()


def access_register(user: User, slug: str) -> Campaign:
    """The campaign whose register ``user`` may read; 404 otherwise."""
    return access_campaign(user, slug)


def access_application(user: User, pk: int) -> Application:
    """An application ``user`` may read; 404 otherwise."""
    application = get_object_or_404(Application.objects.select_related("campaign"), pk=pk)
    if not visible_applications(user, application.campaign).filter(pk=pk).exists():
        raise Http404
    return application


def access_application_to_act(user: User, pk: int) -> Application:
    """An application of a campaign ``user`` may see (404 otherwise); whether ``user`` may act
    on it is the services' question (403)."""
    application = get_object_or_404(Application.objects.select_related("campaign"), pk=pk)
    if not can_see_register(user, application.campaign):
        raise Http404
    return application

"""What every request pays (README, "Load and faults"): the signed-in person, their roles and
the bell's count are read by statements compiled once per process (config/prepared.py), and
``{% url %}`` remembers what it reversed (config/urltag.py). Each must answer what Django's
own reads and tag answer, read afresh on every request (a role taken away, an account
deactivated, a notice read count at once), in as many queries as before."""

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.template import Context, Template
from django.template.defaulttags import URLNode
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from accounts.backends import LockoutBackend
from accounts.models import Role, UserRole
from config.urltag import CachedURLNode
from notifications.models import Notification
from notifications.selectors import unread_count
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_person_is_read_with_their_unit_in_one_query_each_time():
    user = UserFactory(roles=[Role.STAFF])
    backend = LockoutBackend()

    with CaptureQueriesContext(connection) as queries:
        found = backend.get_user(user.pk)
        assert found.unit.name == user.unit.name  # no second query for the unit
    assert len(queries) == 1
    assert (found.pk, found.username, found.display_name) == (
        user.pk,
        user.username,
        user.display_name,
    )
    assert found.password == user.password
    assert found.date_joined == user.date_joined and found.date_joined.tzinfo is not None
    assert found._state.adding is False and found._state.db == "default"
    assert backend.get_user(user.pk + 10_000) is None

    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.get_user(user.pk) is None  # deactivated: refused on the next request


def test_a_person_without_a_unit_is_read_too():
    user = UserFactory(unit=None, roles=[Role.LEADER])
    found = LockoutBackend().get_user(user.pk)
    assert found.pk == user.pk and found.unit_id is None and found.unit is None


def test_roles_are_read_afresh_for_each_request():
    user = UserFactory(roles=[Role.STAFF, Role.HEAD])
    backend = LockoutBackend()

    assert backend.get_user(user.pk).role_set == {Role.STAFF, Role.HEAD}
    UserRole.objects.filter(user=user, role=Role.HEAD).delete()
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(user.pk).role_set == {Role.STAFF}
    assert len(queries) == 2
    assert UserFactory(roles=[Role.COORDINATOR]).role_set == {Role.COORDINATOR}


def test_the_unread_count_counts_only_this_persons_unread_notices():
    user, other = UserFactory(), UserFactory()
    for recipient, read in ((user, None), (user, None), (user, timezone.now()), (other, None)):
        Notification.objects.create(
            recipient=recipient, kind=Notification.Kind.DIGEST, title="t", read_at=read
        )
    assert unread_count(user=user.pk) == 2
    Notification.objects.filter(recipient=user).update(read_at=timezone.now())
    assert unread_count(user=user.pk) == 0
    assert unread_count(user=other.pk) == 1


def test_a_signed_in_request_reads_the_same_person(client):
    user = UserFactory(roles=[Role.STAFF])
    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request).pk == user.pk


def _render(source: str, **context) -> str:
    return Template("{% load i18n %}" + source).render(Context(context))


def test_the_url_tag_is_the_cached_one_and_answers_as_reverse():
    template = Template("{% url 'tasks:detail' 5 %}")
    assert isinstance(template.nodelist[0], CachedURLNode)
    assert isinstance(template.nodelist[0], URLNode)
    for _ in range(2):  # the first reverses, the second is remembered
        assert _render("{% url 'tasks:detail' pk %}", pk=7) == reverse("tasks:detail", args=[7])
        assert _render("{% url 'tasks:detail' pk=pk %}", pk=8) == reverse(
            "tasks:detail", kwargs={"pk": 8}
        )
        assert _render("{% url 'home' as home %}[{{ home }}]") == f"[{reverse('home')}]"


def test_the_url_tag_still_refuses_what_does_not_reverse():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'tasks:detail' 'x/y' %}")
    assert _render("{% url 'no-such-page' as nothing %}[{{ nothing }}]") == "[]"


def test_the_url_tag_does_not_confuse_true_with_1_and_escapes():
    assert _render("{% url 'tasks:detail' 1 %}") == reverse("tasks:detail", args=[1])
    with pytest.raises(NoReverseMatch):
        _render("{% url 'tasks:detail' flag %}", flag=True)
    assert _render("{% url 'tasks:mine' %}?a=1&b=2") == reverse("tasks:mine") + "?a=1&b=2"


def test_the_url_tag_follows_the_script_prefix_and_the_settings():
    from django.urls import set_script_prefix

    before = _render("{% url 'tasks:mine' %}")
    set_script_prefix("/qingdan/")
    try:
        assert _render("{% url 'tasks:mine' %}") == "/qingdan" + before
    finally:
        set_script_prefix("/")
    assert _render("{% url 'tasks:mine' %}") == before
    with override_settings(ROOT_URLCONF="tests.urls_floor"):
        assert _render("{% url 'tasks:mine' %}") == "/elsewhere/mine/"
    assert _render("{% url 'tasks:mine' %}") == before


def test_the_url_tag_answers_per_language():
    with translation.override("en"):
        english = _render("{% url 'tasks:mine' %}")
    with translation.override("zh-hans"):
        assert _render("{% url 'tasks:mine' %}") == english == reverse("tasks:mine")


def test_the_url_tag_resolves_its_arguments_once_as_djangos_does():
    from decimal import Decimal

    calls = []

    def pk():  # a value the cache does not keep (not text or a whole number)
        calls.append(1)
        return Decimal(5)

    assert _render("{% url 'tasks:detail' pk %}", pk=pk) == reverse("tasks:detail", args=[5])
    assert _render("{% url 'no-such-page' pk as u %}[{{ u }}]", pk=pk) == "[]"
    assert len(calls) == 2  # once per tag, not again through Django's own tag


def test_the_url_tag_reads_the_language_at_each_tag():
    from config.urltag import _reverse

    _reverse.cache_clear()
    with translation.override("zh-hans"):
        _render("{% url 'tasks:mine' %}{% language 'en' %}{% url 'tasks:mine' %}{% endlanguage %}")
    assert _reverse.cache_info().currsize == 2  # one answer kept per language


@pytest.mark.django_db
def test_compiling_the_unread_count_is_not_counted_as_a_query():
    from config.prepared import PreparedCount, prepares

    user = UserFactory()
    counted = PreparedCount(lambda values: Notification.objects.filter(recipient=values["user"]))
    with CaptureQueriesContext(connection) as ctx:
        assert counted.count(user=user.pk) == 0
    assert len(ctx.captured_queries) == 1  # the count sent, not also its compiling
    assert all(isinstance(query["sql"], str) for query in ctx.captured_queries)
    if prepares():
        assert counted.statement.cache_info().currsize == 1

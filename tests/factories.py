import datetime

import factory
from django.utils import timezone

from accounts.models import Role, Unit, User, UserRole
from campaigns.models import Campaign, Category, TaskList
from notifications.models import RobotWebhook
from tasks.models import Task

PASSWORD = "test-pass-123"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"区测试局{n}")
    kind = Unit.Kind.BUREAU


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    unit = factory.SubFactory(UnitFactory)
    display_name = factory.Sequence(lambda n: f"测试用户{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or [Role.STAFF]:
            UserRole.objects.get_or_create(user=self, role=role)
        self.__dict__.pop("role_set", None)


class RobotWebhookFactory(factory.django.DjangoModelFactory):
    """A unit's WeCom robot unless told otherwise. Tests point ``url`` at their own server."""

    class Meta:
        model = RobotWebhook

    name = factory.Sequence(lambda n: f"工作群{n}")
    platform = RobotWebhook.Platform.WECOM
    url = "http://127.0.0.1:9/cgi-bin/webhook/send?key=test"
    unit = factory.SubFactory(UnitFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"测试行动{n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    year = 2026
    organiser = factory.SubFactory(UnitFactory, name="区营商环境建设办公室")
    start_date = datetime.date(2026, 1, 1)


class TaskListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskList

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"任务清单{n}")
    kind = TaskList.Kind.REFORM


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    task_list = factory.SubFactory(TaskListFactory)
    name = factory.Sequence(lambda n: f"类别{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    """Rows straight into the table, for reads. Tests of writes call the services instead."""

    class Meta:
        model = Task

    task_list = factory.SubFactory(TaskListFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"改革任务{n}")
    lead_unit = factory.SubFactory(UnitFactory)
    # Well ahead of whatever day the tests run on (a fixed date turned every task red once it
    # had passed): green unless a test gives its own.
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
    status = Task.Status.IN_PROGRESS

"""Writes of the campaigns app: campaigns, lists, categories (here); imports (imports.py, its
steps in import_steps/; the pages' ListImport in list_imports.py)."""

from django.db import transaction

from accounts.models import Unit
from campaigns.models import Campaign, Category, TaskList


@transaction.atomic
def campaign_ensure(
    *, slug: str, name: str, year: int, organiser: Unit, coordinators=(), **fields
) -> Campaign:
    campaign, _ = Campaign.objects.update_or_create(
        slug=slug, defaults={"name": name, "year": year, "organiser": organiser, **fields}
    )
    campaign.coordinators.add(*coordinators)
    return campaign


def task_list_ensure(*, campaign: Campaign, name: str, kind: str, **fields) -> TaskList:
    task_list, _ = TaskList.objects.update_or_create(
        campaign=campaign, name=name, defaults={"kind": kind, **fields}
    )
    return task_list


def category_ensure(*, task_list: TaskList, name: str, code: str = "", order: int = 0) -> Category:
    category, _ = Category.objects.update_or_create(
        task_list=task_list, name=name, defaults={"code": code, "order": order}
    )
    return category

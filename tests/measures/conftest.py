import datetime

import pytest

from campaigns.models import TaskList
from cycles.models import MonthlyReview, Rating, ReviewItem
from cycles.services import review_certify
from tests.factories import TaskFactory, TaskListFactory

SEPTEMBER = datetime.date(2026, 9, 1)
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def measures(world):
    """The world's campaign with a measures list of three lines, guessed as they read."""
    world.measures = TaskListFactory(
        campaign=world.campaign, name="激励惩戒措施清单", kind=TaskList.Kind.MEASURE, order=9
    )
    world.talk = TaskFactory(
        task_list=world.measures,
        code="1",
        title="约谈问责",
        content="连续两个月进度滞后的，由分管区领导约谈单位主要负责人。",
        lead_unit=world.office,
    )
    world.praise = TaskFactory(
        task_list=world.measures, code="2", title="月度“红榜”通报表扬", lead_unit=world.office
    )
    world.tolerance = TaskFactory(
        task_list=world.measures, code="3", title="容错免责", lead_unit=world.office
    )
    world.late = TaskFactory(task_list=world.task_list, lead_unit=world.other, title="滞后任务")
    world.done = TaskFactory(task_list=world.task_list, lead_unit=world.other, title="完成任务")
    return world


@pytest.fixture
def certify(django_capture_on_commit_callbacks, eager):
    """certify(world, month, {task: rating}) → the certified review, its hooks run (the
    measures' proposals through their job, eagerly)."""

    def run(world, month, ratings, reports=None):
        review = MonthlyReview.objects.create(campaign=world.campaign, month=month)
        for task, rating in ratings.items():
            ReviewItem.objects.create(
                review=review,
                task=task,
                lead_unit=task.lead_unit,
                proposed=rating,
                reason="测试",
                rating=rating,
                reports=(reports or {}).get(task, 1),
            )
        with django_capture_on_commit_callbacks(execute=True):
            review_certify(review=review, by=world.coordinator)
        review.refresh_from_db()
        return review

    return run


__all__ = ["OCTOBER", "SEPTEMBER", "Rating"]

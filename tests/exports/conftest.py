"""The campaign and coordinator of the import tests, over the directory of real units, and
the sample list made larger than an export written while the person waits."""

import pytest

from campaigns.services.imports import tasklist_import
from tasks.models import Task
from tests.campaigns.conftest import campaign, coordinator, directory, sample  # noqa: F401


@pytest.fixture
def big(campaign, settings):  # noqa: F811
    """The sample reform list, with the inline limit set below its size."""
    task_list = tasklist_import(
        publish=True, campaign=campaign, data=sample("reform-tasks.xlsx"), filename="r.xlsx"
    ).result.task_list
    settings.EXPORT_INLINE_MAX_TASKS = 3
    assert Task.objects.filter(task_list=task_list).count() > 3
    return task_list

"""Downloads as .xlsx, the same workbooks as the pages': a list (filtered as on its page),
the unit's owed sheet (本周应报送, to fill in for 一表填报), the weekly and monthly bulletins and
the ranking. Each answers 404 where its page does, and 403 where its page refuses."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from apiplus.permissions import ReportsInBulk, SeesRanking
from apiplus.views.reviews import require_certified, visible_lines
from campaigns.selectors import list_export
from config.pages import XLSX, xlsx_response
from cycles import bulletin_page, exports, selectors
from cycles.permissions import access_review, access_round, can_see_every_rating
from cycles.ranking.selectors import review_ranking
from reporting.selectors import owed_tasks
from reporting.workbook import owed_workbook
from tasks.forms import TaskFilterForm
from tasks.permissions import access_campaign, access_task_list
from tasks.selectors import list_filter_choices

WORKBOOK = extend_schema(
    responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="An .xlsx file")}
)


class ListExport(APIView):
    """A list's tasks the caller may see, in the layout it came in; the list page's filters
    (status, light, unit, category, q …) apply."""

    @WORKBOOK
    def get(self, request, slug: str, pk: int):
        campaign = access_campaign(request.user, slug)
        task_list = access_task_list(request.user, campaign, pk)
        choices = list_filter_choices(task_list=task_list)
        form = TaskFilterForm(
            request.query_params, for_unit=False, work=task_list.is_work, **choices
        )
        data = list_export(user=request.user, task_list=task_list, filters=form.filters())
        return xlsx_response(data, f"{task_list.name}.xlsx")


class OwedSheet(APIView):
    """The caller's unit's owed sheet (本周应报送), to fill in and upload on the 一表填报 page."""

    permission_classes = [*APIView.permission_classes, ReportsInBulk]

    @WORKBOOK
    def get(self, request):
        owed = owed_tasks(unit_id=request.user.unit_id)
        labels = list(dict.fromkeys(r.round.iso_label for r in owed.rounds))
        label = "、".join(labels) or timezone.localdate().strftime("%Y-%m-%d")
        unit = request.user.unit.name
        data = owed_workbook(unit_name=unit, owed=owed, week_label=label)
        return xlsx_response(data, f"本周应报送-{unit}-{label}.xlsx", fallback="owed.xlsx")


class RoundBulletinExport(APIView):
    """The weekly bulletin's workbook (the task lines the caller may open)."""

    @WORKBOOK
    def get(self, request, pk: int):
        round_ = access_round(request.user, pk)
        until = min(timezone.now(), round_.closes_at)
        result = round_.result or bulletin_page.live_result(round_, until)
        round_.result = selectors.round_result_for(user=request.user, round_=round_, result=result)
        return xlsx_response(
            exports.workbook_bytes(exports.round_workbook(round_)),
            f"{round_.campaign.name}-{round_.iso_label}-{_('Weekly bulletin')}.xlsx",
            fallback=f"{round_.campaign.slug}-{round_.week_start}.xlsx",
        )


def _detail_unit(user, review) -> int | None:
    return None if can_see_every_rating(user, review.campaign) else (user.unit_id or 0)


class MonthlyBulletinExport(APIView):
    """A certified month's bulletin workbook (409 before certification)."""

    @WORKBOOK
    def get(self, request, pk: int):
        review = access_review(request.user, pk)
        require_certified(review)
        workbook = exports.review_workbook(
            review,
            tasks=visible_lines(request.user, review),
            attainment=selectors.review_attainment(review=review),
            ranking=review_ranking(review=review),
            detail_unit=_detail_unit(request.user, review),
        )
        return xlsx_response(
            exports.workbook_bytes(workbook),
            f"{review.campaign.name}-{review.label}-{_('Monthly bulletin')}.xlsx",
            fallback=f"{review.campaign.slug}-{review.month:%Y-%m}.xlsx",
        )


class RankingExport(APIView):
    """The ranking's workbook (a draft before certification: coordinators and leaders)."""

    permission_classes = [*APIView.permission_classes, SeesRanking]

    @WORKBOOK
    def get(self, request, pk: int):
        review = access_review(request.user, pk)
        self.check_object_permissions(request, review)
        result = review_ranking(review=review)
        workbook = exports.ranking_workbook(result, detail_unit=_detail_unit(request.user, review))
        suffix = "-draft" if result.draft else ""
        return xlsx_response(
            exports.workbook_bytes(workbook),
            f"{review.campaign.slug}-{review.month:%Y-%m}-ranking{suffix}.xlsx",
        )

"""List imports through the API: upload → preview with its errors by row and column →
confirm (as a draft, as on the pages), with a status to poll while a large file is checked or
written in the background. The campaign's coordinators only (404 for anyone else)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.base import TokenWritesRecorded
from apiplus.refusals import refusals
from apiplus.serializers import (
    ImportRowFilterSerializer,
    ImportRowsSerializer,
    ImportSerializer,
    ImportStateSerializer,
    ImportUploadSerializer,
)
from campaigns.forms import ImportUploadForm
from campaigns.selectors import campaign_lists, import_preview, list_import_state
from campaigns.services.list_imports import list_import_confirm, list_import_create
from tasks.permissions import access_list_import, access_managed_campaign


def _created(list_import) -> Response:
    code = status.HTTP_202_ACCEPTED if list_import.is_running else status.HTTP_201_CREATED
    return Response(ImportSerializer(list_import).data, status=code)


class ImportUpload(TokenWritesRecorded, APIView):
    """Upload a list (.xlsx, as on the import page) into a new list or a live one. Small files
    are checked at once (201, with the preview's issues); large ones in the background (202:
    poll the status)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportSerializer, 202: ImportSerializer},
    )
    def post(self, request, slug: str):
        campaign = access_managed_campaign(request.user, slug)
        lists = campaign_lists(campaign=campaign)
        form = ImportUploadForm(request.data, request.FILES, lists=lists)
        if not request.FILES.get("file"):
            raise serializers.ValidationError({"file": [_("Choose a file to import.")]})
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        filename, data = form.source()
        with refusals():
            list_import = list_import_create(
                campaign=campaign,
                by=request.user,
                filename=filename,
                data=data,
                task_list=form.target(),
                list_name=form.cleaned_data.get("list_name", ""),
                list_kind=form.cleaned_data.get("list_kind", ""),
            )
        return _created(list_import)


def _form_errors(form) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


class ImportDetail(APIView):
    """An import: its status, summary and every issue of the preview (level, message, sheet,
    row, column)."""

    @extend_schema(responses=ImportSerializer)
    def get(self, request, slug: str, pk: int):
        return Response(ImportSerializer(access_list_import(request.user, slug, pk)).data)


class ImportRows(APIView):
    """The preview's rows, 100 a page, each with what it becomes and its issues; ``show``:
    ``problems`` (rows with an issue) or ``changes`` (rows that create or change a task)."""

    @extend_schema(parameters=[ImportRowFilterSerializer], responses=ImportRowsSerializer)
    def get(self, request, slug: str, pk: int):
        list_import = access_list_import(request.user, slug, pk)
        params = ImportRowFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        preview = import_preview(
            list_import=list_import,
            page=str(params.validated_data.get("page", 1)),
            show=params.validated_data.get("show", ""),
        )
        page = preview.page
        data = {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "results": page.object_list,
        }
        return Response(ImportRowsSerializer(data).data)


class ImportStatus(APIView):
    """Just what a poll needs while a job checks or writes the file (``running``)."""

    @extend_schema(responses=ImportStateSerializer)
    def get(self, request, slug: str, pk: int):
        list_import = access_list_import(request.user, slug, pk, with_preview=False)
        state = list_import_state(list_import_id=list_import.pk)
        state.campaign = list_import.campaign
        return Response(ImportStateSerializer(state).data)


class ImportConfirm(TokenWritesRecorded, APIView):
    """Write a checked import as a draft (nobody else sees it until a coordinator publishes
    it on the list's page): at once (200), or in the background for a large file (202: poll).
    An import with errors is refused (400) and nothing is written; confirming twice is
    harmless."""

    @extend_schema(request=None, responses={200: ImportSerializer, 202: ImportSerializer})
    def post(self, request, slug: str, pk: int):
        list_import = access_list_import(request.user, slug, pk, with_preview=False)
        campaign = list_import.campaign
        with refusals():
            list_import = list_import_confirm(list_import=list_import, by=request.user)
        list_import.campaign = campaign
        code = status.HTTP_202_ACCEPTED if list_import.is_running else status.HTTP_200_OK
        return Response(ImportSerializer(list_import).data, status=code)

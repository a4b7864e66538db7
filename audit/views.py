"""The auditor's pages: the trail with its filters, its download, the check of the chain.
Every visit is itself a row of the trail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import permissions
from audit.exports import audit_workbook_bytes
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.selectors import audit_chain_verify, audit_events
from audit.services import audit_record, keep_days
from config.pages import query_without_page, xlsx_response
from config.replica import read_replica

PAGE_SIZE = 50


def _auditor(request) -> None:
    if not permissions.reads_audit_trail(request.user):
        raise Http404


@never_cache
@login_required
@require_GET
def events(request):
    _auditor(request)
    form = AuditFilterForm(request.GET or None)
    where = form.where()
    page = Paginator(audit_events(where=where), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        kind=AuditEvent.Kind.AUDIT_READ,
        request=request,
        detail={"filter": {k: str(v) for k, v in vars(where).items() if v}},
    )
    return render(
        request,
        "audit/events.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "keep_days": keep_days(),
        },
    )


@never_cache
@login_required
@require_GET
@read_replica()
def events_export(request):
    """The filtered trail as .xlsx (the download is recorded like every other)."""
    _auditor(request)
    where = AuditFilterForm(request.GET or None).where()
    data = audit_workbook_bytes(audit_events(where=where))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(data, f"审计日志-{stamp}.xlsx")


@never_cache
@login_required
@require_GET
def integrity(request):
    """Recompute the chain: every row's hash, and each row's link to the one before."""
    _auditor(request)
    verdict = audit_chain_verify()
    audit_record(
        kind=AuditEvent.Kind.AUDIT_READ,
        request=request,
        outcome=AuditEvent.Outcome.SUCCESS if verdict.intact else AuditEvent.Outcome.FAILURE,
        detail={"verify": verdict.rows, "problems": len(verdict.problems)},
    )
    return render(request, "audit/integrity.html", {"verdict": verdict})

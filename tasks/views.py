"""Task pages. Views parse input, call one selector or service, and render; the rules live in
tasks.permissions and tasks.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import TaskList
from config.errors import RuleViolation
from config.pages import post_only, query_without_page, save_form, two_step_page
from config.prepared import prepared
from tasks import hooks, permissions, services
from tasks.acknowledgements import awaiting_summary
from tasks.confirmations import add_decision_questions
from tasks.forms import (
    AnswerForm,
    DecisionForm,
    FollowupForm,
    InstructionForm,
    ReportEditForm,
    ReportForm,
    RequestForm,
    TaskFilterForm,
)
from tasks.mine_page import mine_keys
from tasks.models import Followup, Instruction, ProgressReport, Task, TaskRequest
from tasks.my_work import awaiting_report, confirm_rows
from tasks.permissions import access_task, reader_key, reader_values, visible_q
from tasks.selectors import (
    evidence_for_download,
    pending_requests,
    target_series,
    task_detail,
)
from tasks.table_rows import Named, task_table_rows
from tasks.task_page import access_task_page, series_reports, task_history

PAGE_SIZE = 50


def _page_of(model):
    """For ``post_only``: the page of the task a report, request, instruction or follow-up
    belongs to (404 where the person may not see that task, as the form's view would)."""

    def page(request, pk: int) -> str:
        task_id = get_object_or_404(model.objects.values_list("task_id", flat=True), pk=pk)
        return reverse("tasks:detail", args=[access_task(request.user, task_id).pk])

    return page


@prepared()
def _my_lists(answers, unit, values):
    """The lists of the tasks a person may read (their lines of work), compiled once per
    process and shape of person (``tasks.permissions.visible_q``)."""
    tasks = Task.objects.filter(visible_q(answers, unit, values)).work()
    return TaskList.objects.filter(pk__in=tasks.values("task_list_id")).values_list("pk", "name")


@login_required
def my_tasks(request):
    """Every task where the user's unit leads or supports, grouped by campaign (or in the
    order asked for); above them what apps add (the round's owed tasks) and, for unit heads,
    the reports waiting for them."""
    user = request.user
    # The filter's choices: each list's name (in the lists' order), not the list and its
    # campaign as models.
    # (An inactive person reads no task: ``visible_tasks_q``.)
    found = _my_lists.rows(*reader_key(user), **reader_values(user)) if user.is_active else []
    lists = [Named(pk, name) for pk, name in found]
    form = TaskFilterForm(request.GET, lists=lists, sortable=True)
    today = timezone.localdate()
    filters = form.filters()
    number = request.GET.get("page")
    keys = mine_keys(user=user, filters=filters, today=today, number=number, per_page=PAGE_SIZE)
    # Drawn by {% task_rows %} from plain values, as the list pages are.
    page = two_step_page(
        None, number, PAGE_SIZE, keys=keys, rows=task_table_rows(today, awaiting=True)
    )
    confirms = permissions.confirms_reports(user)
    return render(
        request,
        "tasks/my_tasks.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query_without_page(request),
            "grouped": not filters.sort,
            "sorted_by": filters.sort,
            "sections": hooks.my_tasks_sections(user=user, today=today, sort=filters.sort),
            "confirms_reports": confirms,
            "to_confirm": confirm_rows(user=user) if confirms else [],
            # 签收: what the unit has not acknowledged yet, acknowledged at once from here.
            "awaiting": awaiting_summary(user=user)
            if permissions.acknowledges_for_unit(user)
            else [],
        },
    )


def _task_page(request, task, *, forms=None, status=200, detailed=False):
    """Render the task page; ``forms`` replaces the blank form that failed, keeping its input.
    ``detailed``: ``task`` was read with ``task_detail_queryset`` already."""
    user = request.user
    if not detailed:
        task = task_detail(task=task)
    today = timezone.localdate()
    forms = forms or {}
    can = {
        "report": permissions.can_report(user, task),
        "request": permissions.can_request(user, task),
        "instruct": permissions.can_instruct(user, task),
        "urge": permissions.can_urge_instruction(user, task),
        "answer": permissions.can_answer_instruction(user, task),
        "coordinate": permissions.can_coordinate(user, task),
        "acknowledge": permissions.can_acknowledge(user, task),
        "edit": permissions.can_edit_task(user, task),
        "raise_problem": permissions.can_raise_problem(user, task),
    }
    targets = list(task.targets.all())
    for instruction in task.instructions.all():
        instruction.overdue_days = instruction.days_overdue(today)
    context = {
        "task": task,
        "report_waiting": awaiting_report(task),
        "target_series": target_series(task=task, reports=series_reports(task)),
        "light": task.light_on(today),
        "today": today,
        "can": can,
        "is_lead": permissions.is_lead_member(user, task),
        "report_form": forms.get("report")
        or ReportForm(
            targets=targets if permissions.is_lead_member(user, task) else (),
            initial={"percent": task.progress, "version": task.version},
        ),
        "request_form": forms.get("request") or _asked_request_form(request, task, can),
        "instruction_form": forms.get("instruction") or InstructionForm(),
        "answer_form": forms.get("answer") or AnswerForm(),
        "answer_for": forms.get("answer_for"),
        "decision_form": DecisionForm(),
        "followup_form": forms.get("followup") or FollowupForm(),
        "editable_reports": {
            r.pk for r in task.reports.all() if permissions.can_edit_report(user, r)
        },
        "confirmable_reports": permissions.confirmable_reports(user, task.reports.all()),
        "decidable_requests": _with_questions(
            permissions.decidable_requests(user, task, task.requests.all()), task
        ),
        "withdrawable_requests": permissions.withdrawable_requests(user, task, task.requests.all()),
        # Parts apps above add (problems: the problems raised about the task).
        "sections": hooks.task_page_sections(user=user, task=task),
    }
    return render(request, "tasks/task_detail.html", context, status=status)


def _asked_request_form(request, task, can: dict) -> RequestForm | None:
    """The request form, when the page is opened to ask (``?request=open``: the section's
    htmx, or its link without JavaScript). Drawn with every page it cost a fifth of the
    lead unit's view, its transfer list growing with the city's units, for a form used on
    a few tasks a month."""
    if can["request"] and request.GET.get("request") == "open":
        return RequestForm(initial={"version": task.version})
    return None


def _with_questions(decidable: set[int], task) -> set[int]:
    """The decision forms the page shows ask what approving or rejecting will do."""
    add_decision_questions(r for r in task.requests.all() if r.pk in decidable)
    return decidable


@login_required
def task_page(request, pk: int):
    # The access check reads the task with everything its page shows: one query, not two.
    task = access_task_page(request.user, pk, all_reports=request.GET.get("reports") == "all")
    return _task_page(request, task, detailed=True)


@login_required
def task_history_page(request, pk: int):
    """The task's history, for whoever may read the task: the task page's history section
    loads it when opened (htmx asks for the list alone); opened directly, a page of its own."""
    task = access_task(request.user, pk, queryset=Task.objects.only("code", "title"))
    fragment = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "tasks/_history.html" if fragment else "tasks/task_history.html",
        {"task": task, "events": task_history(task)},
    )


@login_required
@post_only("tasks:detail", anchor="#request")
def request_create(request, pk: int):
    task = access_task(request.user, pk)
    form = RequestForm(request.POST, request.FILES)
    done = save_form(
        request,
        form,
        lambda: services.request_create(
            task=task,
            by=request.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            proposed_deadline=form.cleaned_data["proposed_deadline"],
            proposed_unit=form.cleaned_data["proposed_unit"],
            files=form.cleaned_data["files"],
            expected_version=form.cleaned_data["version"],
        ),
        success=_("Your request was sent to the coordinators."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or _task_page(request, task, forms={"request": form}, status=400)


def _access_request(user, pk: int) -> TaskRequest:
    task_request = get_object_or_404(TaskRequest.objects.select_related("task"), pk=pk)
    access_task(user, task_request.task_id)
    return task_request


@login_required
@post_only(_page_of(TaskRequest), anchor="#requests")
def request_decide(request, pk: int):
    task_request = _access_request(request.user, pk)
    form = DecisionForm(request.POST)
    back = request.POST.get("next") or ""
    if form.is_valid():
        try:
            services.request_decide(
                request=task_request,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
                owners=form.owner_names(request.POST),
            )
        except RuleViolation as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The decision was recorded and the requester told."))
    else:
        errors = form.errors.get("version") or [_("Choose approve or reject.")]
        messages.error(request, str(errors[0]))
    if back == "queue":
        return redirect("tasks:requests")
    return redirect("tasks:detail", pk=task_request.task_id)


@login_required
@post_only(_page_of(TaskRequest), anchor="#requests")
def request_withdraw(request, pk: int):
    task_request = _access_request(request.user, pk)
    try:
        services.request_withdraw(request=task_request, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("tasks:detail", pk=task_request.task_id)


@login_required
def request_queue(request):
    """Pending requests on the campaigns the coordinator runs, oldest first."""
    if not permissions.can_decide_requests(request.user):
        raise Http404
    items = pending_requests(user=request.user)
    add_decision_questions(items)
    return render(
        request,
        "tasks/request_queue.html",
        {"items": items, "decision_form": DecisionForm(), "today": timezone.localdate()},
    )


@login_required
@post_only("tasks:detail", anchor="#instruct")
def instruction_give(request, pk: int):
    task = access_task(request.user, pk)
    form = InstructionForm(request.POST)
    done = save_form(
        request,
        form,
        lambda: services.instruction_give(
            task=task,
            by=request.user,
            text=form.cleaned_data["text"],
            reply_by=form.cleaned_data["reply_by"],
        ),
        success=_("The instruction was sent to the lead unit."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or _task_page(request, task, forms={"instruction": form}, status=400)


@login_required
@post_only(_page_of(Instruction), anchor="#instructions")
def instruction_answer(request, pk: int):
    instruction = get_object_or_404(Instruction, pk=pk)
    task = access_task(request.user, instruction.task_id)
    form = AnswerForm(request.POST)
    done = save_form(
        request,
        form,
        lambda: services.instruction_answer(
            instruction=instruction, by=request.user, answer=form.cleaned_data["answer"]
        ),
        success=_("Your answer was sent."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or _task_page(
        request, task, forms={"answer": form, "answer_for": instruction.pk}, status=400
    )


@login_required
@post_only(_page_of(Instruction), anchor="#instructions")
def instruction_urge(request, pk: int):
    """催办: remind the lead unit (and its head, past the answer deadline)."""
    instruction = get_object_or_404(Instruction, pk=pk)
    access_task(request.user, instruction.task_id)
    try:
        reminded = services.instruction_urge(instruction=instruction, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Reminded: %(people)s.") % {"people": "、".join(str(u) for u in reminded)},
        )
    return redirect(reverse("tasks:detail", args=[instruction.task_id]) + "#instructions")


@login_required
@post_only(_page_of(ProgressReport), anchor="#timeline")
def report_confirm(request, pk: int):
    report = get_object_or_404(ProgressReport, pk=pk)
    access_task(request.user, report.task_id)
    try:
        services.report_confirm(report=report, by=request.user)
    except RuleViolation as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The report was confirmed."))
    return redirect("tasks:detail", pk=report.task_id)


@login_required
def evidence_download(request, pk: int):
    """Files are never served from a public folder: only here, after the permission check,
    as an attachment under the name they were uploaded with."""
    evidence = evidence_for_download(user=request.user, evidence_id=pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def report_edit(request, pk: int):
    """Correct a report until its month is certified."""
    report = get_object_or_404(ProgressReport.objects.select_related("task", "unit"), pk=pk)
    task = access_task(request.user, report.task_id)
    if request.method == "POST":
        form = ReportEditForm(request.POST)
        done = save_form(
            request,
            form,
            lambda: services.report_edit(
                report=report,
                by=request.user,
                text=form.cleaned_data["text"],
                percent=form.cleaned_data["percent"],
                obstacles=form.cleaned_data["obstacles"],
                next_steps=form.cleaned_data["next_steps"],
                expected_version=form.cleaned_data["version"],
            ),
            success=_("The report was corrected."),
            then=reverse("tasks:detail", args=[task.pk]),
        )
        if done is not None:
            return done
        status = 400
    else:
        if not permissions.can_edit_report(request.user, report):
            raise PermissionDenied
        form = ReportEditForm(
            initial={
                "text": report.text,
                "percent": report.percent,
                "obstacles": report.obstacles,
                "next_steps": report.next_steps,
                "version": report.version,
            }
        )
        status = 200
    return render(
        request,
        "tasks/report_edit.html",
        {"form": form, "report": report, "task": task},
        status=status,
    )


@login_required
@post_only(_page_of(Followup), anchor="#followups")
def followup_record(request, pk: int):
    followup = get_object_or_404(Followup, pk=pk)
    task = access_task(request.user, followup.task_id)
    form = FollowupForm(request.POST)
    done = save_form(
        request,
        form,
        lambda: services.followup_record(
            followup=followup,
            by=request.user,
            finding=form.cleaned_data["finding"],
            result_holds=form.cleaned_data["result_holds"],
        ),
        success=_("The follow-up was recorded."),
        then=reverse("tasks:detail", args=[task.pk]),
    )
    return done or _task_page(request, task, forms={"followup": form}, status=400)

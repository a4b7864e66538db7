"""Pages of the problem ledger (问题台账). Who may see and do what is problems.permissions' to
say; every view parses input, asks one access rule, and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.errors import RuleViolation
from config.pages import post_only, query_without_page
from inspections.models import Answer
from problems import forms, permissions, selectors, services
from problems.models import Problem
from tasks.models import Instruction, ProgressReport, Task

PAGE_SIZE = 50


@login_required
def ledger(request, slug: str):
    """Counts by state (and by unit for the office and leaders), then the problems."""
    campaign = permissions.access_ledger(request.user, slug)
    problems = permissions.ledger_problems(request.user, campaign)
    whole = permissions.sees_whole_ledger(request.user, campaign)
    form = forms.LedgerFilterForm(request.GET, units=selectors.ledger_units(problems))
    filters = form.cleaned_data if form.is_valid() else {}
    lines = selectors.ledger_list(
        problems, state=filters.get("state") or "", unit_id=filters.get("unit")
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "problems/ledger.html",
        {
            "campaign": campaign,
            "counts": selectors.ledger_counts(problems),
            "by_unit": selectors.counts_by_unit(problems) if whole else None,
            "form": form,
            "page": page,
            "problems": page.object_list,
            "query": query_without_page(request),
            "can_raise": permissions.can_raise_by_hand(request.user, campaign),
        },
    )


def _source(request):
    """The report, instruction or verified answer named in the query (the form posts back to
    the same address)."""
    data = request.GET
    for key, model in (
        ("report", ProgressReport),
        ("instruction", Instruction),
        ("answer", Answer),
    ):
        value = data.get(key, "")
        if value:
            if not value.isdigit():
                raise Http404
            return key, get_object_or_404(model, pk=int(value))
    return "", None


def _raise_context(request, slug: str):
    """The campaign, the source (kind and row) and whether the user may raise from it."""
    kind, source = _source(request)
    user = request.user
    if kind == "answer":
        campaign = source.round.campaign
        allowed = permissions.can_raise_from_answer(user, source)
    elif kind:
        campaign = source.task.task_list.campaign
        allowed = (
            permissions.can_raise_from_report(user, source)
            if kind == "report"
            else permissions.can_raise_from_instruction(user, source)
        )
    else:
        campaign = permissions.access_ledger(user, slug)
        allowed = permissions.can_raise_by_hand(user, campaign)
    if campaign.slug != slug:
        raise Http404
    if not allowed:
        # Seen but not theirs to raise: refused; otherwise the page does not exist for them.
        if permissions.can_see_ledger(user, campaign):
            raise PermissionDenied
        raise Http404
    return campaign, kind, source


def _task_by_code(form, campaign) -> Task | None:
    code = (form.cleaned_data.get("task_code") or "").strip()
    if not code:
        return None
    task = Task.objects.filter(task_list__campaign=campaign, code=code).first()
    if task is None:
        form.add_error("task_code", _("No task of this campaign has that number."))
    return task


@login_required
def raise_problem(request, slug: str):
    """Enter a problem: from a report's obstacles, an instruction or a verified 否 (task and
    unit come from there; the text is filled from it), or by hand by the office."""
    if not permissions.may_raise_somehow(request.user):
        raise Http404
    campaign, kind, source = _raise_context(request, slug)
    form = forms.RaiseForm(
        request.POST or None,
        initial=_initial(kind, source) or _initial_by_hand(request),
        fixed_source=bool(kind),
    )
    problem = None
    if request.method == "POST" and form.is_valid():
        task = _task_by_code(form, campaign)
        problem = None if form.errors else _try_raise(request, form, campaign, task, kind, source)
    if problem is not None:
        messages.success(request, _("The problem is in the ledger."))
        return redirect("problems:problem", problem.pk)
    return render(
        request,
        "problems/raise.html",
        {"campaign": campaign, "form": form, "kind": kind, "source": source},
        status=400 if form.is_bound else 200,
    )


def _try_raise(request, form, campaign, task, kind, source) -> Problem | None:
    data = form.cleaned_data
    try:
        return services.problem_raise(
            campaign=campaign,
            by=request.user,
            title=data["title"],
            description=data["description"],
            location=data["location"],
            unit=data.get("unit"),
            task=task,
            **({kind: source} if kind else {}),
        )
    except RuleViolation as refusal:
        refusal.add_to(form)
        return None


def _initial(kind: str, source) -> dict:
    if kind == "report":
        return {"title": source.obstacles[:300], "description": source.obstacles}
    if kind == "instruction":
        return {"title": source.text[:300], "description": source.text}
    if kind == "answer":
        return {"title": source.question.title[:300], "description": source.verify_reason}
    return {}


def _initial_by_hand(request) -> dict:
    """By hand from a task's page: its number (``?task_code=``) is filled in."""
    code = request.GET.get("task_code", "")[:30]
    return {"task_code": code} if code else {}


@login_required
def problem_detail(request, pk: int):
    problem = permissions.access_problem(request.user, pk)
    works = permissions.works_ledger(request.user, problem.campaign)
    version = {"version": problem.version}
    return render(
        request,
        "problems/problem.html",
        {
            "problem": problem,
            "history": selectors.problem_history(problem=problem),
            "works": works,
            "assign_form": forms.AssignForm(
                initial={**version, "unit": problem.assigned_unit_id or problem.unit_id}
            ),
            "resolve_form": forms.ResolveForm(initial=version),
            "refer_form": forms.ReferForm(initial=version),
            "answer_form": forms.AnswerForm(initial=version),
            "reopen_form": forms.ReopenForm(initial=version),
            "State": Problem.State,
        },
    )


def _act(request, pk: int, form_class, service, fields, done: str):
    problem = permissions.access_problem(request.user, pk)
    if not permissions.works_ledger(request.user, problem.campaign):
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("problems:problem", problem.pk)
    values = {name: form.cleaned_data[name] for name in fields}
    try:
        service(
            problem=problem,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            **values,
        )
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("problems:problem", problem.pk)


@login_required
@post_only("problems:problem")
def problem_assign(request, pk: int):
    return _act(
        request,
        pk,
        forms.AssignForm,
        services.problem_assign,
        ("unit", "due_date", "note"),
        _("Assigned; the unit has been told."),
    )


@login_required
@post_only("problems:problem")
def problem_resolve(request, pk: int):
    return _act(
        request, pk, forms.ResolveForm, services.problem_resolve, ("resolution",), _("Resolved.")
    )


@login_required
@post_only("problems:problem")
def problem_refer(request, pk: int):
    return _act(
        request,
        pk,
        forms.ReferForm,
        services.problem_refer,
        ("referral", "referred_to", "referred_on", "note"),
        _("Referred."),
    )


@login_required
@post_only("problems:problem")
def problem_answer(request, pk: int):
    return _act(
        request,
        pk,
        forms.AnswerForm,
        services.problem_answer,
        ("answer", "answered_on"),
        _("The answer is recorded."),
    )


@login_required
@post_only("problems:problem")
def problem_reopen(request, pk: int):
    return _act(request, pk, forms.ReopenForm, services.problem_reopen, ("reason",), _("Reopened."))

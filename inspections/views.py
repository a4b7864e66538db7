"""Pages of inspection rounds. Who may see and do what is inspections.permissions' to say;
every view parses input, asks one access rule, and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns.models import TaskList
from config.errors import RuleViolation
from config.pages import post_only, save_form, xlsx_response
from config.replica import read_replica
from inspections import permissions, selectors, services
from inspections.exports import matrix_workbook
from inspections.forms import AnswerForm, RoundOpenForm, VerifyForm


@login_required
def index(request):
    """The unit's rounds and questions to answer; the rounds a person oversees; the checklists
    a coordinator may open a round of."""
    user = request.user
    if not (permissions.answers_for_unit(user) or permissions.oversees_rounds(user)):
        raise Http404
    mine = (
        selectors.unit_open_rounds(unit_id=user.unit_id, rounds=permissions.unit_rounds(user))
        if permissions.answers_for_unit(user)
        else []
    )
    overseen = selectors.rounds_with_counts(permissions.overseen_rounds(user))[:50]
    return render(
        request,
        "inspections/index.html",
        {
            "mine": mine,
            "overseen": overseen,
            "checklists": permissions.openable_checklists(user),
        },
    )


@login_required
def round_open(request, list_pk: int):
    checklist = get_object_or_404(TaskList.objects.select_related("campaign"), pk=list_pk)
    if not permissions.can_open_round(request.user, checklist):
        raise Http404
    units = services.units_named(checklist)
    form = RoundOpenForm(request.POST or None, units=units)
    done = save_form(
        request,
        form,
        lambda: services.round_open(
            checklist=checklist,
            by=request.user,
            title=form.cleaned_data["title"],
            due_date=form.cleaned_data["due_date"],
            units=list(form.cleaned_data["units"]),
        ),
        success=_("The round is open; the units have been told."),
        then=lambda round_: reverse("inspections:round", args=[round_.pk]),
    )
    return done or render(
        request,
        "inspections/round_open.html",
        {"checklist": checklist, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def round_matrix(request, pk: int):
    """Questions × units with the counts; ``?unit=`` one unit's answers as a list (phones);
    ``?format=xlsx`` the workbook."""
    round_ = permissions.access_round(request.user, pk)
    unit_id = request.GET.get("unit")
    unit_id = int(unit_id) if unit_id and unit_id.isdigit() else None
    if request.GET.get("format") == "xlsx":
        with read_replica():
            data = matrix_workbook(selectors.round_matrix(round_=round_, unit_id=unit_id))
        return xlsx_response(data, f"{round_.title}.xlsx")
    matrix = selectors.round_matrix(round_=round_, unit_id=unit_id)
    return render(
        request,
        "inspections/round_matrix.html",
        {
            "round": round_,
            "matrix": matrix,
            "unit_id": unit_id,
            "all_units": selectors.round_units(round_=round_),
            "can_close": round_.is_open and permissions.can_close_round(request.user, round_),
            "can_verify": permissions.can_verify(request.user, round_),
        },
    )


@login_required
@post_only("inspections:round")
def round_close(request, pk: int):
    round_ = permissions.access_round(request.user, pk)
    services.round_close(round_=round_, by=request.user)
    messages.success(request, _("The round is closed: units can no longer change answers."))
    return redirect("inspections:round", round_.pk)


@login_required
def unit_round(request, pk: int):
    """The questions of the user's unit in a round, each with its answer form."""
    round_ = permissions.access_unit_round(request.user, pk)
    answers = list(selectors.unit_answers(round_=round_, unit_id=request.user.unit_id))
    items = [
        {
            "answer": answer,
            "form": AnswerForm(
                initial={"value": answer.value, "note": answer.note, "version": answer.version},
                auto_id=f"a{answer.pk}_%s",
            ),
            "can_answer": round_.is_open and not answer.is_verified,
        }
        for answer in answers
    ]
    return render(
        request,
        "inspections/unit_round.html",
        {"round": round_, "items": items, "unanswered": sum(not a.value for a in answers)},
    )


@login_required
def answer_detail(request, pk: int):
    """One answer: the files, the verification, the history; the verification form for the
    inspection group."""
    answer = permissions.access_answer(request.user, pk)
    verify = permissions.can_verify(request.user, answer.round)
    return render(
        request,
        "inspections/answer_detail.html",
        {
            "answer": answer,
            "files": answer.files.all(),
            "history": selectors.answer_history(answer=answer),
            "rectification": selectors.rectification_of(answer=answer),
            "can_verify": verify,
            "can_answer": permissions.can_answer(request.user, answer),
            "verify_form": VerifyForm(initial={"version": answer.version}) if verify else None,
        },
    )


@login_required
@post_only("inspections:answer")
def answer_submit(request, pk: int):
    answer = permissions.access_answer(request.user, pk)
    form = AnswerForm(request.POST, request.FILES)
    back = reverse("inspections:unit_round", args=[answer.round_id]) + f"#answer-{answer.pk}"
    if not permissions.can_answer(request.user, answer):
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    try:
        services.answer_submit(
            answer=answer,
            by=request.user,
            value=form.cleaned_data["value"],
            note=form.cleaned_data["note"],
            files=request.FILES.getlist("files"),
            expected_version=form.cleaned_data["version"],
        )
    except RuleViolation as refusal:
        messages.error(request, f"{answer.question.code} {refusal.message}")
    else:
        messages.success(request, _("Answer saved: %(code)s") % {"code": answer.question.code})
    return redirect(back)


@login_required
@post_only("inspections:answer")
def answer_verify(request, pk: int):
    answer = permissions.access_answer(request.user, pk)
    form = VerifyForm(request.POST)
    back = reverse("inspections:answer", args=[answer.pk])
    if not permissions.can_verify(request.user, answer.round):
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        services.answer_verify(
            answer=answer,
            by=request.user,
            overturn_to=data["overturn_to"] if data["decision"] == "overturn" else "",
            reason=data["reason"],
            deadline=data["deadline"],
            expected_version=data["version"],
        )
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
        return redirect(back)
    messages.success(request, _("Verified."))
    return redirect(
        reverse("inspections:round", args=[answer.round_id]) + f"#q{answer.question_id}"
    )


@login_required
def answer_file(request, pk: int):
    """Files only here, after the permission check, as an attachment under their own name."""
    item = permissions.access_answer_file(request.user, pk)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

"""Pages of open calls (揭榜挂帅). Who may see and do what is challenges.permissions' to say;
every view parses input, asks one access rule, and calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges import permissions, selectors, services
from challenges.forms import (
    DEFAULT_CRITERIA,
    AssessForm,
    BidForm,
    CallForm,
    CriterionFormSet,
    TargetFormSet,
    bid_initial,
)
from challenges.models import Bid, Call
from config.errors import RuleViolation
from config.pages import post_only, save_form


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
def index(request):
    """The calls of every 榜单 the person may read: open ones first, with their unit's bid."""
    if not permissions.takes_part(request.user):
        raise Http404
    return render(
        request,
        "challenges/index.html",
        {
            "calls": selectors.calls_for_user(user=request.user),
            "campaigns": selectors.boards_for_user(user=request.user),
            "now": timezone.now(),
        },
    )


@login_required
def board(request, slug: str):
    """The 榜单 of a campaign: its calls, who claimed what, and how their tasks stand."""
    campaign = permissions.access_board(request.user, slug)
    return render(
        request,
        "challenges/board.html",
        {
            "campaign": campaign,
            "board": selectors.campaign_board(campaign=campaign, today=timezone.localdate()),
            "can_publish": permissions.can_publish(request.user, campaign),
        },
    )


@login_required
def call_publish(request, slug: str):
    """发榜: the problem, the conditions, the targets bids commit to, the criteria, the
    deadline and who may bid."""
    campaign = permissions.access_board(request.user, slug)
    if not permissions.can_publish(request.user, campaign):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, campaign=campaign)
    targets = TargetFormSet(data, prefix="targets")
    criteria = CriterionFormSet(data, prefix="criteria", initial=DEFAULT_CRITERIA)
    # The form, then its rows; save_form asks the form again (Django keeps its answer).
    if data is not None and form.is_valid() and targets.is_valid() and criteria.is_valid():
        done = save_form(
            request,
            form,
            lambda: services.call_publish(
                campaign=campaign,
                by=request.user,
                task_list=form.cleaned_data["task_list"],
                title=form.cleaned_data["title"],
                goal=form.cleaned_data["goal"],
                conditions=form.cleaned_data["conditions"],
                claim_deadline=form.cleaned_data["claim_deadline"],
                complete_by=form.cleaned_data["complete_by"],
                places=form.cleaned_data["places"],
                units=list(form.cleaned_data["units"]),
                targets=[row for row in targets.cleaned_data if row],
                criteria=[row for row in criteria.cleaned_data if row],
            ),
            success=_("The call is published; the units have been told."),
            then=lambda call: reverse("challenges:call", args=[call.pk]),
        )
        if done is not None:
            return done
    return render(
        request,
        "challenges/call_form.html",
        {"campaign": campaign, "form": form, "targets": targets, "criteria": criteria},
        status=400 if data is not None else 200,
    )


@login_required
def call_detail(request, pk: int):
    """A call: what it asks; the unit's bid and its form; for those who assess, every bid
    with its scores, the award and the history."""
    call = permissions.access_call(request.user, pk)
    return render(request, "challenges/call_detail.html", _call_page(request, call))


def _call_page(request, call: Call, bid_form: BidForm | None = None) -> dict:
    user, now = request.user, timezone.now()
    mine = Bid.objects.filter(call=call, unit_id=user.unit_id).first() if user.unit_id else None
    may_bid = permissions.can_bid(user, call) and call.takes_bids(now)
    if may_bid and bid_form is None and (mine is None or mine.status != Bid.Status.AWARDED):
        initial = bid_initial(mine) if mine else {"specific_owner": str(user)}
        bid_form = BidForm(initial=initial, call=call, unit_id=user.unit_id)
    every = permissions.sees_every_bid(user, call)
    return {
        "call": call,
        "targets": call.targets.all(),
        "criteria": call.criteria.all(),
        "units": call.eligible_units.order_by("order", "name"),
        "mine": mine,
        "bid_form": bid_form if may_bid else None,
        "can_withdraw": mine is not None
        and mine.status == Bid.Status.SUBMITTED
        and call.takes_bids(now)
        and permissions.can_withdraw(user, mine),
        "bids": selectors.call_bids(call=call) if every else None,
        "bidding_closed": not call.takes_bids(now),
        "can_award": call.status == Call.Status.OPEN
        and not call.takes_bids(now)
        and permissions.can_award(user, call),
        "can_close": call.status == Call.Status.OPEN and permissions.can_close(user, call),
        "history": selectors.call_history(call=call) if every else None,
    }


@login_required
@post_only("challenges:call")
def bid_submit(request, pk: int):
    call = permissions.access_call(request.user, pk)
    if not permissions.can_bid(request.user, call):
        raise PermissionDenied
    form = BidForm(request.POST, call=call, unit_id=request.user.unit_id)
    done = save_form(
        request,
        form,
        lambda: services.bid_submit(
            call=call,
            by=request.user,
            plan=form.cleaned_data["plan"],
            commander=form.cleaned_data["commander"],
            leader_in_charge=form.cleaned_data["leader_in_charge"],
            specific_owner=form.cleaned_data["specific_owner"],
            supporting_units=list(form.cleaned_data["supporting_units"]),
            complete_by=form.cleaned_data["complete_by"],
            targets=form.targets(),
        ),
        success=_("Your unit's bid is in. You may change or withdraw it until bids close."),
        then=reverse("challenges:call", args=[call.pk]),
    )
    return done or render(
        request, "challenges/call_detail.html", _call_page(request, call, form), status=400
    )


@login_required
@post_only("challenges:bid")
def bid_withdraw(request, pk: int):
    bid = permissions.access_bid(request.user, pk)
    if not permissions.can_withdraw(request.user, bid):
        raise PermissionDenied
    try:
        services.bid_withdraw(bid=bid, by=request.user)
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The bid is withdrawn."))
    return redirect("challenges:call", bid.call_id)


@login_required
def bid_detail(request, pk: int):
    """A bid: its plan, people, date and committed targets; the scores; the assessment form
    and the award for those who assess."""
    bid = permissions.access_bid(request.user, pk)
    call = bid.call
    criteria = list(call.criteria.all())
    assess = (
        permissions.can_assess(request.user, call)
        and call.status == Call.Status.OPEN
        and not call.takes_bids()
        and bid.status == Bid.Status.SUBMITTED
    )
    every = permissions.sees_every_bid(request.user, call)
    own = bid.assessments.filter(assessor=request.user).first() if assess else None
    initial = (
        {"comment": own.comment, **{f"score_{k}": v for k, v in own.scores.items()}}
        if own
        else None
    )
    return render(
        request,
        "challenges/bid_detail.html",
        {
            "bid": bid,
            "call": call,
            "criteria": criteria,
            "targets": bid.targets.select_related("target"),
            "supports": bid.supports.select_related("unit"),
            "scores": selectors.bid_scores(bid, criteria) if every else None,
            "assess_form": AssessForm(initial=initial, criteria=criteria) if assess else None,
            "can_award": assess and permissions.can_award(request.user, call),
        },
    )


@login_required
@post_only("challenges:bid")
def bid_assess(request, pk: int):
    bid = permissions.access_bid(request.user, pk)
    if not permissions.can_assess(request.user, bid.call):
        raise PermissionDenied
    form = AssessForm(request.POST, criteria=list(bid.call.criteria.all()))
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("challenges:bid", bid.pk)
    try:
        services.bid_assess(
            bid=bid, by=request.user, scores=form.scores(), comment=form.cleaned_data["comment"]
        )
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your scores are saved."))
    return redirect("challenges:bid", bid.pk)


@login_required
@post_only("challenges:bid")
def bid_award(request, pk: int):
    bid = permissions.access_bid(request.user, pk)
    if not permissions.can_award(request.user, bid.call):
        raise PermissionDenied
    try:
        bid = services.bid_award(bid=bid, by=request.user)
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
        return redirect("challenges:bid", bid.pk)
    messages.success(
        request,
        _("Awarded to %(unit)s: task %(code)s is created and waits for its acknowledgement.")
        % {"unit": bid.unit.name, "code": bid.task.code if bid.task else "—"},
    )
    return redirect("challenges:call", bid.call_id)


@login_required
@post_only("challenges:call")
def call_close(request, pk: int):
    call = permissions.access_call(request.user, pk)
    if not permissions.can_close(request.user, call):
        raise PermissionDenied
    try:
        services.call_close(call=call, by=request.user)
    except RuleViolation as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("The call is closed; the units whose bids were not awarded have been told.")
        )
    return redirect("challenges:call", call.pk)

"""The system administrator's page for merging two units of the directory (单位合并)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.forms import UnitMergeForm
from accounts.merging import unit_merge, unit_references_described
from accounts.models import Unit, UnitMerge
from accounts.unitnames import lookalike_pairs


@login_required
def unit_merge_page(request):
    """GET: choose two units (or a suggested pair) and see what a merge would move; POST:
    merge them."""
    if not permissions.can_administer_units(request.user):
        raise Http404
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = UnitMergeForm(data)
    if request.method == "POST" and form.is_valid():
        merge = unit_merge(
            merged=form.cleaned_data["merged"], into=form.cleaned_data["into"], by=request.user
        )
        messages.success(
            request,
            _("“%(merged)s” was merged into “%(into)s”; %(rows)s rows moved.")
            % {
                "merged": merge.merged_name,
                "into": merge.into.name,
                "rows": sum(merge.moved.values()),
            },
        )
        return redirect(reverse("unit_merge"))
    preview = None
    if request.method == "GET" and form.is_bound and form.is_valid():
        preview = unit_references_described(form.cleaned_data["merged"])
    names = list(Unit.objects.filter(active=True).values_list("name", flat=True))
    return render(
        request,
        "accounts/unit_merge.html",
        {
            "form": form,
            "preview": preview,
            "suggestions": _suggested_pairs(names),
            "merges": UnitMerge.objects.select_related("into", "by")[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


def _suggested_pairs(names: list[str]) -> list[tuple[Unit, Unit]]:
    """Units of the directory that look like one body under two names
    (``accounts.unitnames.units_look_alike``), by name."""
    pairs = [tuple(sorted(pair)) for pair in lookalike_pairs(names, names)]
    wanted = {name for pair in pairs for name in pair}
    units = {u.name: u for u in Unit.objects.filter(name__in=wanted, active=True)}
    return [(units[a], units[b]) for a, b in sorted(pairs) if a in units and b in units]

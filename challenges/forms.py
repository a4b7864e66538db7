"""Forms of open calls: they parse and check input; challenges.services decides and records."""

from django import forms
from django.forms import formset_factory
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from campaigns.models import TaskList
from challenges.models import Call, CallTarget
from challenges.permissions import bidding_units_q

DEFAULT_CRITERIA = [
    {"name": "方案可行性", "points": 40},
    {"name": "目标先进性", "points": 30},
    {"name": "保障措施", "points": 30},
]


class CallForm(forms.Form):
    task_list = forms.ModelChoiceField(
        label=_("List the awarded task goes into"), queryset=TaskList.objects.none()
    )
    title = forms.CharField(label=_("Problem"), max_length=300)
    goal = forms.CharField(
        label=_("What is to be achieved"), widget=forms.Textarea(attrs={"rows": 3})
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What a unit must bring: resources, experience, the leader who takes command."),
    )
    claim_deadline = forms.DateTimeField(
        label=_("Bids close at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    complete_by = forms.DateField(
        label=_("To be completed by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The latest completion date a bid may propose (optional)."),
    )
    places = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=20,
        initial=1,
        help_text=_("How many bids may be awarded: 1, or more for a call split among units."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units that may bid"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leave empty: every unit may bid. Supervisory bodies may not."),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        lists = campaign.lists.order_by("order", "id")
        work = [tl.pk for tl in lists if tl.is_work]
        self.fields["task_list"].queryset = lists.filter(pk__in=work)
        self.fields["units"].queryset = Unit.objects.filter(bidding_units_q()).order_by(
            "order", "name"
        )


class TargetForm(forms.Form):
    metric = forms.CharField(label=_("Metric"), max_length=200, required=False)
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=30, required=False)
    baseline = forms.DecimalField(label=_("Now"), required=False, max_digits=14, decimal_places=2)
    threshold = forms.DecimalField(
        label=_("Least a bid must commit to"), required=False, max_digits=14, decimal_places=2
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=CallTarget.Direction.choices, initial="higher"
    )


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=100, required=False)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") and not cleaned.get("points"):
            self.add_error("points", _("Give the points of this criterion."))
        return cleaned


TargetFormSet = formset_factory(TargetForm, extra=3, max_num=10)
CriterionFormSet = formset_factory(CriterionForm, extra=1, max_num=10)


class BidForm(forms.Form):
    plan = forms.CharField(
        label=_("Plan"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("How your unit will solve it: steps, resources, milestones."),
    )
    commander = forms.CharField(
        label=_("Leader who takes command (挂帅)"),
        max_length=50,
        help_text=_("The unit's leader who answers for it: the task's principal owner."),
    )
    leader_in_charge = forms.CharField(label=_("Leader in charge"), max_length=50, required=False)
    specific_owner = forms.CharField(label=_("Specific owner"), max_length=50, required=False)
    supporting_units = forms.ModelMultipleChoiceField(
        label=_("Supporting units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    complete_by = forms.DateField(
        label=_("Proposed completion date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, call: Call, unit_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["supporting_units"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(active=True).exclude(pk=unit_id or 0).order_by("order", "name")
        )
        self.target_names = []
        for target in call.targets.all():
            name = f"target_{target.pk}"
            hint = []
            if target.baseline is not None:
                hint.append(_("now %(value)s") % {"value": floatformat(target.baseline, "-2")})
            if target.threshold is not None:
                word = _("at most") if target.direction == "lower" else _("at least")
                hint.append(f"{word} {floatformat(target.threshold, '-2')}")
            self.fields[name] = forms.DecimalField(
                label=_("Committed: %(metric)s") % {"metric": target.metric}
                + (f"（{target.unit_of_measure}）" if target.unit_of_measure else ""),
                max_digits=14,
                decimal_places=2,
                help_text="；".join(str(h) for h in hint),
            )
            self.target_names.append(name)

    def target_fields(self):
        return [self[name] for name in self.target_names]

    def targets(self) -> dict[int, object]:
        return {int(name.split("_")[1]): self.cleaned_data.get(name) for name in self.target_names}


def bid_initial(bid) -> dict:
    """A bid's form filled with what it says (to change it, or to bid again)."""
    initial = {
        "plan": bid.plan,
        "commander": bid.commander,
        "leader_in_charge": bid.leader_in_charge,
        "specific_owner": bid.specific_owner,
        "supporting_units": [s.unit_id for s in bid.supports.all()],
        "complete_by": bid.complete_by,
    }
    for committed in bid.targets.all():
        initial[f"target_{committed.target_id}"] = committed.value
    return initial


class AssessForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.score_names = []
        for criterion in criteria:
            name = f"score_{criterion.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{criterion.name}（0–{criterion.points}）",
                min_value=0,
                max_value=criterion.points,
                max_digits=5,
                decimal_places=1,
            )
            self.score_names.append(name)
        self.order_fields([*self.score_names, "comment"])

    def scores(self) -> dict[int, object]:
        return {int(name.split("_")[1]): self.cleaned_data.get(name) for name in self.score_names}

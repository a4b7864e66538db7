from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from cockpit.selectors.drill import DrillFilters
from config.widgets import QuickSelect
from tasks.forms import TaskFilterForm
from tasks.selectors import TaskFilters


class DrillForm(TaskFilterForm):
    """The list pages' filter bar, plus what the cockpit's figures need: the reports a round
    owed (by which lead unit, made or not), targets, no category, and (on a unit's page) the
    campaign. Bad values are ignored, as on the list pages; the round's fields travel hidden
    (the page says in words what they select)."""

    target = forms.ChoiceField(
        label=_("Targets"),
        required=False,
        choices=[
            ("", _("With or without targets")),
            ("any", _("With targets")),
            ("met", _("A target met")),
            ("not_met", _("A target not met yet")),
            ("unmeasured", _("A target not measured yet")),
        ],
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    round = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    round_unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    reported = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("yes", "yes"), ("no", "no"), ("late", "late")],
        widget=forms.HiddenInput,
    )
    uncategorised = forms.BooleanField(required=False, widget=forms.HiddenInput)
    week_of = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    week = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("red", "red"), ("overdue", "overdue"), ("closed", "closed")],
        widget=forms.HiddenInput,
    )

    DRILL = (
        *("campaign", "round", "round_unit", "reported", "target", "uncategorised"),
        *("week_of", "week"),
    )

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        if campaigns:  # a unit's page: "our part" is the unit's, whoever reads it
            self.fields["campaign"].choices = [("", _("All campaigns"))] + [
                (c.pk, str(c)) for c in campaigns
            ]
        else:
            del self.fields["campaign"]
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.choices)
        if "role" in self.fields:
            self.fields["role"].label = _("The unit's part")
            self.fields["role"].choices = [
                ("", _("Lead or supporting")),
                ("lead", _("Leads")),
                ("support", _("Supports")),
            ]

    def _cleaned(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}

    def filters(self) -> TaskFilters:
        return TaskFilters(**{k: v for k, v in self._cleaned().items() if k not in self.DRILL})

    def drill(self) -> DrillFilters:
        return DrillFilters(**{k: v for k, v in self._cleaned().items() if k in self.DRILL})


class ScreenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 督查室 meeting room"))
    campaigns: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("Campaigns shown in turn"),
        queryset=Campaign.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaigns"].queryset = campaigns

from html import escape

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from cockpit.selectors.drill import DrillFilters
from tasks.forms import TaskFilterForm
from tasks.selectors import TaskFilters


class OptionsSelect(forms.Select):
    """A select drawn in Python: Django draws each option through a template (select_option.html
    and its attrs), ~0.1 ms an option, and a campaign's filter bar holds a few hundred options
    (its categories and units). The same markup, for plain (value, label) choices."""

    def render(self, name, value, attrs=None, renderer=None):
        if any(isinstance(label, list | tuple) for _value, label in self.choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's way
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for v, label in self.choices
        )
        attributes = "".join(  # as django/forms/widgets/attrs.html writes them
            f" {escape(k)}" if v is True else f' {escape(k)}="{escape(str(v))}"'
            for k, v in self.build_attrs(self.attrs, attrs).items()
            if v is not False and v is not None
        )
        return mark_safe(  # every text escaped
            f'<select name="{escape(name)}"{attributes}>{options}</select>'
        )


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
                field.widget = OptionsSelect(attrs=field.widget.attrs, choices=field.choices)
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

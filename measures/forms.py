import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from measures.models import Application, MeasureKind, MeasureRule
from measures.permissions import people_measures_may_name
from measures.selectors import RegisterFilters


def _month(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip(), "%Y-%m").date() if value else None
    except ValueError:
        return None


class RegisterFilterForm(forms.Form):
    """The register's filter bar; bad values are dropped, as on the task lists."""

    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *MeasureKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Application.Status.choices],
    )
    month = forms.CharField(label=_("Month (YYYY-MM)"), required=False, max_length=7)

    def __init__(self, *args, units=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units"))] + [(u.pk, str(u)) for u in units]
        self.fields["person"].choices = [("", _("Everyone")), *people]

    def filters(self) -> RegisterFilters:
        self.is_valid()  # a field with a bad value is left out of cleaned_data, so unfiltered
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        data["month"] = _month(data.get("month", ""))
        return RegisterFilters(**data)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeasureKind.choices)
    rule = forms.ChoiceField(label=_("Rule"), choices=MeasureRule.choices, required=False)
    number = forms.IntegerField(
        label=_("Number (empty: the rule's default)"), required=False, min_value=0, max_value=1000
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}（{obj.unit}）"


class TargetForm(forms.Form):
    """Grounds and target: editing a proposal, or adding a measure by hand."""

    grounds = forms.CharField(label=_("Grounds"), widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.all(), required=False)
    person = PersonChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_measures_may_name().select_related("unit")
        self.fields["person"].queryset = people.order_by("unit__name", "display_name", "pk")


class AddForm(TargetForm):
    measure = forms.TypedChoiceField(label=_("Measure"), coerce=int)
    month = forms.CharField(label=_("Month (YYYY-MM)"), required=False, max_length=7)
    tasks = forms.CharField(label=_("Task numbers (comma-separated)"), required=False)
    excuse_task = forms.CharField(
        label=_(
            "Fault tolerance: number of the task whose rating of that month is excused "
            "(with its list's name before it where numbers repeat across lists)"
        ),
        required=False,
        max_length=250,
    )
    field_order = ["measure", "unit", "person", "month", "grounds", "tasks", "excuse_task"]

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [
            (m.line_id, f"{m.line.code} {m.line.title}（{m.get_kind_display()}）") for m in measures
        ]

    def clean_month(self):
        value = self.cleaned_data["month"]
        month = _month(value)
        if value and month is None:
            raise forms.ValidationError(_("Write the month as YYYY-MM."))
        return month

    def task_codes(self) -> list[str]:
        text = self.cleaned_data.get("tasks", "").replace("，", ",").replace("、", ",")
        return [code.strip() for code in text.split(",") if code.strip()]

"""Forms of the problem ledger: they parse and check; problems.services decides and records."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from problems.models import Problem
from tasks.forms import STALE_PAGE


def _units():
    return Unit.objects.filter(active=True).order_by("order", "name")


class RaiseForm(forms.Form):
    title = forms.CharField(label=_("Problem"), max_length=300)
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    location = forms.CharField(
        label=_("Where"),
        max_length=200,
        required=False,
        help_text=_("A place, project or window, if it helps."),
    )
    unit = forms.ModelChoiceField(label=_("Unit concerned"), queryset=Unit.objects.none())
    task_code = forms.CharField(
        label=_("Task number"),
        max_length=30,
        required=False,
        help_text=_("The number of the task it concerns in the campaign's lists, if any."),
    )

    def __init__(self, *args, fixed_source: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_source:  # the report, answer or instruction says which unit and task
            del self.fields["unit"]
            del self.fields["task_code"]
        else:
            self.fields["unit"].queryset = _units()  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit asked to solve it"), queryset=Unit.objects.none())
    due_date = forms.DateField(
        label=_("To be solved by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was solved"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)


class ReferForm(forms.Form):
    referral = forms.ChoiceField(
        label=_("Refer to"), choices=Problem.Referral.choices, widget=forms.RadioSelect
    )
    referred_to = forms.CharField(
        label=_("Receiving body"),
        max_length=100,
        required=False,
        help_text=_("For 纪委监委 the directory's supervisory body is taken when left empty."),
    )
    referred_on = forms.DateField(
        label=_("Referred on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer of the receiving body"), widget=forms.Textarea(attrs={"rows": 2})
    )
    answered_on = forms.DateField(
        label=_("Answered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)


class LedgerFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *Problem.State.choices]
    )
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All")), *((u.pk, u.name) for u in units)]

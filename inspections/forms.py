import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from inspections.models import Value
from inspections.services import RECTIFICATION_DAYS
from tasks.forms import STALE_PAGE, MultipleFileField


class RoundOpenForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(
        label=_("Answers due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every unit the questions name, unless you untick some."),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["units"].initial = [u.pk for u in units]


class AnswerForm(forms.Form):
    value = forms.ChoiceField(label=_("Answer"), choices=Value.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # A field named like BaseForm.files: the form's metaclass takes it off the class.
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Verification"),
        choices=[("confirm", _("Confirm the answer")), ("overturn", _("Overturn it"))],
        widget=forms.RadioSelect,
        initial="confirm",
    )
    overturn_to = forms.ChoiceField(
        label=_("Verified answer"), required=False, choices=[("", "—"), *Value.choices]
    )
    reason = forms.CharField(
        label=_("Reason for overturning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateField(
        label=_("Rectification deadline (if 否)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE_PAGE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = timezone.localdate() + datetime.timedelta(days=RECTIFICATION_DAYS)
        self.fields["deadline"].initial = default

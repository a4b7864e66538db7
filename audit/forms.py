from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.selectors import AuditFilter


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Who"), required=False, max_length=150)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AuditEvent.Kind.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("All outcomes")), *AuditEvent.Outcome.choices],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(label=_("What or where"), required=False, max_length=100)

    def where(self) -> AuditFilter:
        if not self.is_valid():
            return AuditFilter()
        return AuditFilter(**{key: value for key, value in self.cleaned_data.items() if value})

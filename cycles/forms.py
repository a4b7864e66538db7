from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from config.widgets import QuickSelect
from cycles.models import FORMULA_SETTINGS, RankingFormula, Rating
from cycles.ranking.formula import formula_problems
from cycles.selectors import UNRATED, ReviewFilters


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "dispatch_enabled",
            "dispatch_weekday",
            "dispatch_time",
            "report_due_weekday",
            "report_due_time",
            "reminder_hours_before_due",
            "schedule_timezone",
            "followup_months",
            "requires_head_confirmation",
        ]
        widgets = {
            "dispatch_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "report_due_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean_schedule_timezone(self):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        value = self.cleaned_data["schedule_timezone"]
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise forms.ValidationError(_("Unknown time zone, e.g. Asia/Shanghai.")) from error
        return value


class ReviewFilterForm(forms.Form):
    """The filter bar above a review's lines. Bad values are ignored rather than failing the
    page, as on the task lists."""

    q = forms.CharField(label=_("Task number or title"), required=False, max_length=100)
    unit = forms.TypedChoiceField(
        widget=QuickSelect, label=_("Lead unit"), required=False, coerce=int, empty_value=None
    )
    proposed = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Proposed"),
        required=False,
        choices=[("", _("Any proposal")), *Rating.choices],
    )
    rating = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Rating"),
        required=False,
        choices=[("", _("Any rating")), (UNRATED, _("Not rated yet")), *Rating.choices],
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units"))] + [(u.pk, str(u)) for u in units]

    def filters(self) -> ReviewFilters:
        # A value that does not validate (a stale link) is dropped on its own.
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        return ReviewFilters(**data)


class RankingFormulaForm(forms.ModelForm):
    """The campaign's ranking formula. Ranges come from the model's fields; the rules between
    settings from ``cycles.ranking.formula.formula_problems``, shown beside the setting."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label=_("Why (kept in the history)"),
        required=False,
        max_length=300,
        widget=forms.TextInput,
    )

    class Meta:
        model = RankingFormula
        fields = list(FORMULA_SETTINGS)
        help_texts = {
            "difficulty_mode": _(
                "Weighs: a hard task's rating counts more in the unit's average. Multiplies: a "
                "hard task's points are multiplied by its factor (scores may pass 100)."
            ),
            "support_weight": _(
                "0 to 1: what a supported task weighs against a led one (0: supporting units "
                "are not scored)."
            ),
            "red_top": _("0: no top N; with a minimum score, both must hold."),
            "black_bottom": _("0: no bottom N; with a maximum score, both must hold."),
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            candidate = RankingFormula(
                **{name: cleaned.get(name) for name in FORMULA_SETTINGS if name in cleaned}
            )
            for name, message in formula_problems(candidate).items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in FORMULA_SETTINGS}

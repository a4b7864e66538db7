from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from cycles.models import Rating
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
        label=_("Lead unit"), required=False, coerce=int, empty_value=None
    )
    proposed = forms.ChoiceField(
        label=_("Proposed"),
        required=False,
        choices=[("", _("Any proposal")), *Rating.choices],
    )
    rating = forms.ChoiceField(
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

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign


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

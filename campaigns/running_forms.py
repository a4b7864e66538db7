"""Forms of the coordinators' campaign pages (create, edit, lists). They parse and check input;
campaigns.services.running decides and records."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from campaigns.models import Campaign, TaskList
from tasks.permissions import coordinator_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in URLs"),
        max_length=60,
        required=False,
        help_text=_("Small letters, digits and hyphens; leave empty to have one made."),
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    organiser = forms.ModelChoiceField(label=_("Organiser"), queryset=Unit.objects.none())
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[c for c in Campaign.Status.choices if c[0] != Campaign.Status.ARCHIVED],
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    coordinators = forms.ModelMultipleChoiceField(
        label=_("Coordinators"),
        queryset=coordinator_choices(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("People with the coordinator role. You stay one when creating."),
    )
    requires_head_confirmation = forms.BooleanField(
        label=_("Unit heads confirm reports"), required=False
    )
    acknowledge_within_hours = forms.IntegerField(
        label=_("Acknowledge within, hours"),
        min_value=1,
        max_value=24 * 30,
        initial=24,
        help_text=_(
            "A unit that has not acknowledged a task handed to it by then is flagged and "
            "reminded once."
        ),
    )

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        if campaign is not None:
            kwargs.setdefault("initial", _initial(campaign))
        super().__init__(*args, **kwargs)
        current = [campaign.organiser_id] if campaign else []
        units = Unit.objects.filter(Q(active=True) | Q(pk__in=current)).order_by("order", "name")
        self.fields["organiser"].queryset = units  # type: ignore[attr-defined]
        if campaign is not None:
            del self.fields["slug"]  # links and bookmarks name it: it does not change
        else:
            del self.fields["status"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The campaign cannot end before it starts."))
        return cleaned

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("coordinators", "slug")}


def _initial(campaign: Campaign) -> dict:
    return {
        "name": campaign.name,
        "year": campaign.year,
        "organiser": campaign.organiser_id,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "status": campaign.status,
        "description": campaign.description,
        "coordinators": list(campaign.coordinators.values_list("pk", flat=True)),
        "requires_head_confirmation": campaign.requires_head_confirmation,
        "acknowledge_within_hours": campaign.acknowledge_within_hours,
    }


class TaskListForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of list"), choices=TaskList.Kind.choices)
    source_document = forms.CharField(
        label=_("Source document"),
        max_length=300,
        required=False,
        help_text=_("The document that published it, e.g. 区政府办〔2026〕5号."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, required=False)

    def __init__(self, *args, task_list: TaskList | None = None, **kwargs):
        if task_list is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": task_list.name,
                    "kind": task_list.kind,
                    "source_document": task_list.source_document,
                    "order": task_list.order,
                },
            )
        super().__init__(*args, **kwargs)
        if task_list is None:
            del self.fields["order"]  # a new list goes last

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}

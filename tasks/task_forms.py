"""The coordinators' form for adding a task by hand and editing one. It parses and checks
input; tasks.services.task_add / task_edit decide and record."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from tasks.forms import STALE_PAGE
from tasks.models import DIFFICULTY_DEFAULT, DIFFICULTY_MAX, DIFFICULTY_MIN, Task
from tasks.services.editing import OWNER_NAMES


def _units(current=()) -> QuerySet[Unit]:
    """Active units, and the task's own even if since retired, in directory order."""
    return Unit.objects.filter(Q(active=True) | Q(pk__in=list(current))).order_by("order", "name")


class TaskForm(forms.Form):
    code = forms.CharField(label=_("Number"), max_length=30)
    title = forms.CharField(
        label=_("Task"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    content = forms.CharField(
        label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    supporting_units = forms.ModelMultipleChoiceField(
        label=_("Supporting units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    principal_owner_name = forms.CharField(
        label=_("Principal owner"), max_length=50, required=False
    )
    leader_in_charge_name = forms.CharField(
        label=_("Leader in charge"), max_length=50, required=False
    )
    specific_owner_name = forms.CharField(label=_("Specific owner"), max_length=50, required=False)
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ongoing = forms.BooleanField(
        label=_("Ongoing (长期坚持 / 持续推进): no deadline date"), required=False
    )
    deadline_text = forms.CharField(
        label=_("Deadline as written"),
        max_length=100,
        required=False,
        help_text=_("As the list words it, e.g. 2026年6月底前. Changing the date clears it."),
    )
    difficulty = forms.DecimalField(
        label=_("Difficulty"),
        min_value=DIFFICULTY_MIN,
        max_value=DIFFICULTY_MAX,
        max_digits=2,
        decimal_places=1,
        initial=DIFFICULTY_DEFAULT,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
        help_text=_("From 0.5 to 3.0 (1.0 is ordinary); weighs the task in the unit ranking."),
    )

    def __init__(self, *args, task_list, task: Task | None = None, **kwargs):
        self.task = task
        if task is not None:
            kwargs.setdefault("initial", initial_of(task))
        super().__init__(*args, **kwargs)
        self.task_list = task_list
        self.categories = {c.pk: c for c in task_list.categories.order_by("order", "id")}
        self.fields["category"].choices = [("", _("No category"))] + [  # type: ignore[attr-defined]
            (pk, str(c)) for pk, c in self.categories.items()
        ]
        if not self.categories:
            del self.fields["category"]
        current = (
            [task.lead_unit_id, *task.supports.values_list("unit_id", flat=True)] if task else []
        )
        units = _units(current)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["supporting_units"].queryset = units  # type: ignore[attr-defined]
        if task is not None:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput, error_messages=STALE_PAGE
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("ongoing") and cleaned.get("deadline"):
            self.add_error("deadline", _("An ongoing task has no deadline date."))
        if (
            self.task is not None
            and "deadline" in self.changed_data
            and "deadline_text" not in self.changed_data
        ):
            cleaned["deadline_text"] = ""  # the old wording would contradict the new date
        lead, supporting = cleaned.get("lead_unit"), cleaned.get("supporting_units") or []
        if lead is not None and lead in supporting:
            self.add_error(
                "supporting_units",
                _("%(unit)s is the lead unit and cannot also be a supporting unit.")
                % {"unit": lead.name},
            )
        return cleaned

    def values(self) -> dict:
        """What the service takes: every field but the supporting units and the version."""
        data = {
            key: value
            for key, value in self.cleaned_data.items()
            if key not in ("supporting_units", "version", "category")
        }
        data["code"] = data["code"].strip()
        if "category" in self.fields:
            data["category"] = self.categories.get(self.cleaned_data.get("category"))
        for name in OWNER_NAMES:
            data[name] = (data.get(name) or "").strip()
        return data


def initial_of(task: Task) -> dict:
    return {
        "code": task.code,
        "title": task.title,
        "content": task.content,
        "category": task.category_id or "",
        "lead_unit": task.lead_unit_id,
        "supporting_units": list(task.supports.values_list("unit_id", flat=True)),
        "principal_owner_name": task.principal_owner_name,
        "leader_in_charge_name": task.leader_in_charge_name,
        "specific_owner_name": task.specific_owner_name,
        "deadline": task.deadline,
        "ongoing": task.ongoing,
        "deadline_text": task.deadline_text,
        "difficulty": task.difficulty,
        "version": task.version,
    }

import copy

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.permissions import leading_units_q
from config.prepared import prepared
from config.widgets import (
    QuickCheckboxInput,
    QuickDateInput,
    QuickHiddenInput,
    QuickMarkup,
    QuickNumberInput,
    QuickSelect,
    QuickTextarea,
    QuickTextInput,
    TemplateSelect,
)
from tasks.files import KINDS
from tasks.lights import Light
from tasks.models import Task, TaskRequest
from tasks.selectors import TaskFilters

ACCEPT = ",".join(sorted(KINDS))
# Every form that changes a task or request carries the version it was opened at; a post
# without it (an old page, a hand-made request) is refused rather than let overwrite.
STALE_PAGE = {
    "required": _("This page is out of date: reload it and try again."),
    "invalid": _("This page is out of date: reload it and try again."),
}


class TaskFilterForm(forms.Form):
    """The filter bar above a task table. Bad values are ignored rather than failing the page."""

    q = forms.CharField(widget=QuickTextInput, label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Task.Status.choices],
    )
    light = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Light"),
        required=False,
        choices=[("", _("All lights")), *Light.choices],
    )
    open_instructions = forms.BooleanField(
        widget=QuickCheckboxInput, label=_("Open instructions only"), required=False
    )
    role = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Our part"),
        required=False,
        choices=[
            ("", _("Lead or supporting")),
            ("lead", _("We lead")),
            ("support", _("We support")),
        ],
    )
    task_list = forms.TypedChoiceField(
        widget=QuickSelect, label=_("List"), required=False, coerce=int, empty_value=None
    )
    category = forms.TypedChoiceField(
        widget=QuickSelect, label=_("Category"), required=False, coerce=int, empty_value=None
    )
    unit = forms.TypedChoiceField(
        widget=QuickSelect, label=_("Unit"), required=False, coerce=int, empty_value=None
    )
    lead_unit = forms.TypedChoiceField(
        widget=QuickSelect, label=_("Lead unit"), required=False, coerce=int, empty_value=None
    )
    overdue = forms.BooleanField(widget=QuickCheckboxInput, label=_("Overdue only"), required=False)

    sort = forms.ChoiceField(
        widget=QuickSelect,
        label=_("Order"),
        required=False,
        choices=[
            ("", _("As in the lists")),
            ("deadline", _("Deadline, soonest first")),
            ("light", _("Light, red first")),
            ("last_report", _("Last report, oldest first")),
        ],
    )

    def __init__(
        self,
        *args,
        lists=(),
        categories=(),
        units=(),
        for_unit=True,
        work=True,
        sortable=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if not for_unit:  # "our part" only means something on a unit's own task list
            del self.fields["role"]
        if not work:  # questions and measures have no status, light or instructions
            for name in ("status", "light", "open_instructions"):
                del self.fields[name]
        if not sortable:  # a list's own page keeps the list's order and categories
            del self.fields["sort"]
        self.fields["task_list"].choices = [("", _("All lists"))] + [(x.pk, str(x)) for x in lists]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (x.pk, str(x)) for x in categories
        ]
        self.fields["unit"].choices = [("", _("All units"))] + [(x.pk, str(x)) for x in units]
        self.fields["lead_unit"].choices = [("", _("Any lead unit"))] + [
            (x.pk, str(x)) for x in units
        ]
        for name in ("task_list", "category", "unit", "lead_unit"):
            if not self.fields[name].choices[1:]:
                del self.fields[name]

    def filters(self) -> TaskFilters:
        # A value that does not validate (a stale link, a hand-edited URL) is dropped on its own;
        # cleaned_data keeps every field that did validate.
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        return TaskFilters(**data)


class MultipleFileInput(QuickMarkup, forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=QuickTextarea(attrs={"rows": 4}))
    percent = forms.IntegerField(
        label=_("Percent complete"), min_value=0, max_value=100, widget=QuickNumberInput
    )
    obstacles = forms.CharField(
        label=_("Obstacles"), required=False, widget=QuickTextarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, widget=QuickTextarea(attrs={"rows": 2})
    )
    # A field named like BaseForm.files: the form's metaclass takes it off the class.
    files = MultipleFileField(label=_("Evidence files"), required=False)  # type: ignore[assignment]
    version = forms.IntegerField(widget=QuickHiddenInput, error_messages=STALE_PAGE)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        for target in self.targets:
            self.fields[f"target_{target.pk}"] = forms.DecimalField(
                label=f"{target.metric}（{_('target')} {target.target_value.normalize():f}）",
                required=False,
                max_digits=14,
                decimal_places=2,
                initial=target.current_value,
            )

    def target_values(self) -> dict:
        return {
            target.pk: self.cleaned_data[f"target_{target.pk}"]
            for target in self.targets
            if self.cleaned_data.get(f"target_{target.pk}") is not None
        }

    def target_fields(self):
        return [self[f"target_{target.pk}"] for target in self.targets]


class SheetReportForm(ReportForm):
    """``ReportForm`` for one row of a sheet of many (一表填报's check): the same fields and
    rules, but the fields every report has are shared by the rows, not copied for each. A
    form deep-copies its fields as it is made, and for a busy unit's sheet of 300 rows those
    copies were a third of the check's CPU; a form only reads its fields as it cleans, and
    this one is never drawn (tests/reporting/test_sheet_form.py: the same verdicts as the task
    page's form)."""

    _shared: dict[str, forms.Field] | None = None

    def __init__(self, data, *, targets=()):
        self.base_fields = {}  # nothing for the form to copy: see below
        super().__init__(data, targets=targets)
        if SheetReportForm._shared is None:
            SheetReportForm._shared = copy.deepcopy(ReportForm.base_fields)
        self.fields = {**SheetReportForm._shared, **self.fields}  # the targets' fields after


@prepared(maxsize=1)
def _leading_units(values):
    return (
        Unit.objects.filter(leading_units_q(), active=True)
        .order_by("order", "name")
        .values_list("pk", "name")
    )


class _LeadingUnitChoices(ModelChoiceIterator):
    """The units a task may be handed over to, as (id, name) read by a statement compiled
    once per process (``config.prepared``): the task page shows this select to the lead
    unit, and its query built and its units made into models cost about a tenth of the
    page. The same options (``Unit.__str__`` is its name); checking a choice posted still
    goes through the field's queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from _leading_units.rows()


class _LeadingUnitField(forms.ModelChoiceField):
    iterator = _LeadingUnitChoices


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I ask for"), choices=TaskRequest.Kind.choices, widget=TemplateSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=QuickTextarea(attrs={"rows": 3}))
    proposed_deadline = forms.DateField(
        label=_("New deadline (extension)"),
        required=False,
        widget=QuickDateInput(attrs={"type": "date"}),
    )
    proposed_unit = _LeadingUnitField(
        label=_("Hand over to (transfer)"),
        # A task is never handed to a unit that may not lead (a supervisory body).
        queryset=Unit.objects.filter(leading_units_q(), active=True).order_by("order", "name"),
        required=False,
        widget=QuickSelect,
    )
    files = MultipleFileField(  # type: ignore[assignment]  # see ReportForm.files
        label=_("Evidence files (needed for close-out)"), required=False
    )
    version = forms.IntegerField(widget=QuickHiddenInput, error_messages=STALE_PAGE)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (needed to reject)"),
        required=False,
        widget=QuickTextarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=QuickHiddenInput, error_messages=STALE_PAGE)

    OWNER_NAMES = ("principal_owner_name", "leader_in_charge_name", "specific_owner_name")

    @classmethod
    def owner_names(cls, data) -> dict[str, str]:
        """The owners a transfer's decision names (only those the form sent: the rest stay)."""
        return {key: data[key][:50] for key in cls.OWNER_NAMES if key in data}


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), widget=QuickTextarea(attrs={"rows": 3}))
    reply_by = forms.DateField(
        label=_("Answer by (optional)"),
        required=False,
        widget=QuickDateInput(attrs={"type": "date"}),
        help_text=_("The lead unit is reminded; past this day its head is reminded too."),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=QuickTextarea(attrs={"rows": 3}))


class FollowupForm(forms.Form):
    finding = forms.CharField(label=_("Finding"), widget=QuickTextarea(attrs={"rows": 3}))
    result_holds = forms.TypedChoiceField(
        label=_("Does the result last?"),
        choices=[("yes", _("Yes, it lasts")), ("no", _("No, it slipped back"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


class ReportEditForm(forms.Form):
    text = forms.CharField(label=_("What was done"), widget=QuickTextarea(attrs={"rows": 4}))
    percent = forms.IntegerField(
        label=_("Percent complete"), min_value=0, max_value=100, widget=QuickNumberInput
    )
    obstacles = forms.CharField(
        label=_("Obstacles"), required=False, widget=QuickTextarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, widget=QuickTextarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=QuickHiddenInput, error_messages=STALE_PAGE)


class EvidenceForm(forms.Form):
    """Evidence files added to a report already sent."""

    files = MultipleFileField(label=_("Evidence files"))  # type: ignore[assignment]

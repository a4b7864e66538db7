"""Forms of the import pages. They parse and check input; the services decide."""

from django import forms
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigns.importing.headers import FIELD_LABELS, IGNORE
from campaigns.models import TaskList

NEW_LIST = ""
MAX_PASTED_CHARS = 500_000


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("An Excel workbook (.xlsx), a Word document (.docx) or a text file (.txt)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.docx,.txt"}),
    )
    text = forms.CharField(
        label=_("Or paste the text of a published plan"),
        required=False,
        max_length=MAX_PASTED_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    task_list = forms.TypedChoiceField(
        label=_("Into the list"), required=False, coerce=int, empty_value=None
    )
    list_name = forms.CharField(
        label=_("Name of the new list"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to take the title printed in the file."),
    )
    list_kind = forms.ChoiceField(
        label=_("Kind of list"),
        required=False,
        choices=[("", _("As the headers suggest")), *TaskList.Kind.choices],
    )

    def __init__(self, *args, lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = {task_list.pk: task_list for task_list in lists}
        self.fields["task_list"].choices = [
            (NEW_LIST, _("A new list (or the list of the same name)"))
        ] + [(task_list.pk, str(task_list)) for task_list in lists]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; files of at most %(limit)s MB can be imported."),
                params={
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": settings.IMPORT_MAX_BYTES // 1024 // 1024,
                },
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if not upload and not text:
            raise forms.ValidationError(_("Choose a file, or paste the text of a plan."))
        if upload and text:
            raise forms.ValidationError(_("Choose a file or paste text, not both."))
        return cleaned

    def source(self) -> tuple[str, bytes]:
        """(file name, bytes) of what was sent."""
        upload = self.cleaned_data.get("file")
        if upload:
            return upload.name, upload.read()
        return "", self.cleaned_data["text"].strip().encode("utf-8")

    def target(self) -> TaskList | None:
        return self.lists.get(self.cleaned_data.get("task_list"))


def field_choices() -> list[tuple[str, str | Promise]]:
    return [
        ("", _("Keep as an extra column")),
        (IGNORE, _("Ignore this column")),
        *((name, label) for name, label in FIELD_LABELS.items()),
    ]


class ColumnMappingForm(forms.Form):
    """One choice per column of a sheet: the field it holds, extra, or ignored."""

    sheet = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        for column in self.columns:
            self.fields[f"col_{column['index']}"] = forms.ChoiceField(
                label=f"{column['letter']} {column['header']}",
                choices=field_choices(),
                required=False,
                initial=column["field"],
            )

    def rows(self):
        """(column, its bound field) for the template."""
        return [(column, self[f"col_{column['index']}"]) for column in self.columns]

    def mapping(self) -> dict[int, str]:
        return {
            column["index"]: self.cleaned_data.get(f"col_{column['index']}", "")
            for column in self.columns
        }


class UnitChoicesForm(forms.Form):
    """What each unit name of the file stands for, sent as parallel lists name / choice / other.

    A choice is "unit:<id>" (that unit; remembered as an alias), "other" (the unit whose name
    is typed in ``other``), "create" (a new unit of that name), "ignore" (not a unit) or ""
    (undecided).
    """

    def __init__(self, *args, units_by_name=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units_by_name = units_by_name or {}

    def clean(self):
        names = self.data.getlist("name")
        choices = self.data.getlist("choice")
        others = self.data.getlist("other") or [""] * len(names)
        if not (len(names) == len(choices) == len(others)) or len(names) > 2000:
            raise forms.ValidationError(_("The unit decisions did not arrive whole; try again."))
        decided = {}
        for name, choice, other in zip(names, choices, others, strict=True):
            name = name.strip()
            if not name or len(name) > 200:
                continue
            if choice == "other" or (other.strip() and choice == ""):
                unit_id = self.units_by_name.get(other.strip())
                if unit_id is None:
                    raise forms.ValidationError(
                        _("“%(name)s” is not a unit of the directory; choose one from the list."),
                        params={"name": other.strip()[:50]},
                    )
                decided[name] = {"unit": unit_id}
            elif choice.startswith("unit:") and choice[5:].isdigit():
                decided[name] = {"unit": int(choice[5:])}
            elif choice == "create":
                decided[name] = {"create": True}
            elif choice == "ignore":
                decided[name] = {"ignore": True}
            elif choice == "":
                decided[name] = {}
            else:
                raise forms.ValidationError(_("That is not a decision on a unit name."))
        self.cleaned_data["choices"] = decided
        return self.cleaned_data


class ImportTargetForm(forms.Form):
    task_list = forms.TypedChoiceField(
        label=_("Into the list"), required=False, coerce=int, empty_value=None
    )
    list_name = forms.CharField(label=_("Name of the new list"), required=False, max_length=200)
    list_kind = forms.ChoiceField(label=_("Kind of list"), choices=TaskList.Kind.choices)

    def __init__(self, *args, lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = {task_list.pk: task_list for task_list in lists}
        self.fields["task_list"].choices = [(NEW_LIST, _("A new list"))] + [
            (task_list.pk, str(task_list)) for task_list in lists
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("task_list") and not (cleaned.get("list_name") or "").strip():
            raise forms.ValidationError(_("Name the new list, or choose a list."))
        return cleaned

    def target(self) -> TaskList | None:
        return self.lists.get(self.cleaned_data.get("task_list"))

"""Form widgets the pages share."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A select that writes its markup itself: Django's draws each option through two
    templates (select_option.html including attrs.html), which for a filter bar's lists of
    units — a hundred options and more — cost more CPU than the 50-row table beneath it. The
    markup is the same as Django's select.html; ``option_end``: what follows each option (the
    default renderer's select_option.html ends in a newline, drawn as a blank line: its
    ``TemplateSelect``)."""

    option_end = ""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>"
                f"{self.option_end}"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class TemplateSelect(QuickSelect):
    """``QuickSelect`` writing what Django's own select templates write, a newline after
    each option (tests/tasks/test_lean_reads.py compares them)."""

    option_end = "\n"


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: ``name="value"``, a bare name for True, nothing
    for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickMarkup:
    """For an input or a textarea: the markup written here, not by Django's templates
    (django/forms/widgets/input.html and textarea.html, each including attrs.html), which
    cost a task page's forms more CPU than its queries. Same markup; tests/test_widgets.py
    checks it against the templates'."""

    template_name: str

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]  # type: ignore[attr-defined]
        if widget.get("is_initial"):  # a file input showing its current file: Django's
            return super().render(name, value, attrs, renderer)  # type: ignore[misc]
        name_attr = conditional_escape(widget["name"])
        if self.template_name == "django/forms/widgets/textarea.html":
            text = conditional_escape(widget["value"]) if widget["value"] else ""
            return mark_safe(
                f'<textarea name="{name_attr}"{_attrs(widget["attrs"])}>\n{text}</textarea>'
            )
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        markup = f'<input type="{conditional_escape(widget["type"])}" name="{name_attr}"{shown}'
        return mark_safe(f"{markup}{_attrs(widget['attrs'])}>")


class QuickTextarea(QuickMarkup, forms.Textarea):
    pass


class QuickNumberInput(QuickMarkup, forms.NumberInput):
    pass


class QuickHiddenInput(QuickMarkup, forms.HiddenInput):
    pass


class QuickDateInput(QuickMarkup, forms.DateInput):
    pass


class QuickTextInput(QuickMarkup, forms.TextInput):
    pass


class QuickCheckboxInput(QuickMarkup, forms.CheckboxInput):
    """Django's checkbox.html is input.html: ``checked`` is an attribute, no value shown for
    True / False / None / ""."""

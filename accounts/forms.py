from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit


class UnitMergeForm(forms.Form):
    """Which unit is merged into which (the rules are the merge service's)."""

    merged = forms.ModelChoiceField(
        label=_("Merge this unit"),
        queryset=Unit.objects.filter(active=True).order_by("name"),
        help_text=_("It stays, inactive, for history; its name becomes an alias."),
    )
    into = forms.ModelChoiceField(
        label=_("into this one, which stays"),
        queryset=Unit.objects.filter(active=True).order_by("name"),
    )

"""QuickSelect writes the markup Django's select templates write (config/widgets.py)."""

import pytest
from django import forms

from config.widgets import QuickSelect

CHOICES = [("", "---------"), (1, "区发展改革局"), (2, 'A & B "<局>"')]
GROUPED = [("甲组", [(1, "一"), (2, "二")]), ("乙组", [(3, "三")]), (4, "四")]


class Both(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    quick = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)
    plain_grouped = forms.ChoiceField(choices=GROUPED, widget=forms.Select(attrs={"class": "x"}))
    quick_grouped = forms.ChoiceField(choices=GROUPED, widget=QuickSelect(attrs={"class": "x"}))


@pytest.mark.parametrize("data", [{}, {"quick": "2", "plain": "2"}, {"quick": "<", "plain": "<"}])
def test_quick_select_writes_what_the_templates_write(data):
    form = Both(data or None)
    assert str(form["quick"]) == str(form["plain"]).replace("plain", "quick")
    assert "&lt;局&gt;" in str(form["quick"])


def test_quick_select_writes_groups_and_attributes_as_the_templates_do():
    form = Both(initial={"plain_grouped": 3, "quick_grouped": 3})
    plain = str(form["plain_grouped"])
    quick = str(form["quick_grouped"])
    assert quick == plain.replace("plain_grouped", "quick_grouped")
    assert "<optgroup" in quick and 'value="3" selected' in quick

"""config.pages.save_form: a valid form goes to its service, then a message and a redirect; an
invalid form or a refused one gives None (the view renders its page again), the refusal on
the form."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from config.errors import RuleViolation
from config.pages import save_form


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def _request():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def _said(request) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_a_valid_form_is_saved_once_then_the_message_and_the_redirect():
    request, form, calls = _request(), NameForm({"name": "甲"}), []
    response = save_form(
        request,
        form,
        lambda: calls.append(form.cleaned_data),
        success="Saved.",
        then="/back/#part",
    )
    assert calls == [{"name": "甲"}]
    assert response is not None
    assert response.status_code == 302
    assert response["Location"] == "/back/#part"
    assert _said(request) == [("success", "Saved.")]


def test_the_message_and_the_address_may_come_from_what_the_service_made():
    request, form = _request(), NameForm({"name": "乙"})
    response = save_form(
        request,
        form,
        lambda: {"pk": 7, "name": form.cleaned_data["name"]},
        success=lambda made: f"{made['name']} was added.",
        then=lambda made: f"/things/{made['pk']}/",
    )
    assert response is not None
    assert response["Location"] == "/things/7/"
    assert _said(request) == [("success", "乙 was added.")]


@pytest.mark.parametrize("form", [NameForm({"name": ""}), NameForm()], ids=["invalid", "unbound"])
def test_a_form_not_valid_is_not_saved(form):
    request, calls = _request(), []
    assert save_form(request, form, lambda: calls.append(1), success="Saved.", then="/") is None
    assert calls == []
    assert _said(request) == []


@pytest.mark.parametrize(
    ("field", "where"), [("name", "name"), (None, "__all__"), ("not_a_field", "__all__")]
)
def test_a_refusal_is_put_on_the_form_beside_its_field_or_on_top(field, where):
    request, form = _request(), NameForm({"name": "丙"})

    def refuse():
        raise RuleViolation("Not now.", field=field)

    assert save_form(request, form, refuse, success="Saved.", then="/") is None
    assert form.errors == {where: ["Not now."]}
    assert _said(request) == []


def test_other_errors_are_not_swallowed():
    def fail():
        raise ValueError("a fault of ours")

    with pytest.raises(ValueError):
        save_form(_request(), NameForm({"name": "丁"}), fail, success="Saved.", then="/")

"""The assets' storage (config/staticfiles.py): whitenoise's addresses, each worked out once."""

from unittest import mock

from django.templatetags.static import static
from django.test import override_settings
from whitenoise.storage import CompressedStaticFilesStorage

from config.staticfiles import KEPT, StaticFilesStorage


def test_the_addresses_are_whitenoises():
    ours, theirs = StaticFilesStorage(), CompressedStaticFilesStorage()
    for name in ("css/app.css", "vendor/pico.min.css", "js/site.js", "a file/名.svg"):
        assert ours.url(name) == theirs.url(name)


def test_each_address_is_worked_out_once():
    storage = StaticFilesStorage()
    with mock.patch.object(
        CompressedStaticFilesStorage, "url", autospec=True, return_value="/static/x"
    ) as parent:
        assert storage.url("css/app.css") == "/static/x"
        assert storage.url("css/app.css") == "/static/x"
        storage.url("js/site.js")
    assert parent.call_count == 2


def test_another_static_url_gives_other_addresses():
    storage = StaticFilesStorage()
    first = storage.url("css/app.css")
    # What a changed setting does to a storage (``FileSystemStorage._clear_cached_properties``).
    storage._base_url = "/assets/"
    del storage.base_url
    assert storage.url("css/app.css") == "/assets/css/app.css" != first


def test_the_kept_addresses_are_bounded():
    storage = StaticFilesStorage()
    for n in range(KEPT + 5):
        storage.url(f"f{n}.css")
    assert len(storage._urls) <= KEPT


def test_the_static_tag_asks_it_and_a_changed_setting_gives_a_new_one():
    from django.contrib.staticfiles.storage import staticfiles_storage

    assert static("css/app.css") == "/static/css/app.css"
    assert isinstance(staticfiles_storage._wrapped, StaticFilesStorage)
    first = staticfiles_storage._wrapped
    with override_settings(STATIC_URL="/elsewhere/"):
        assert static("css/app.css") == "/elsewhere/css/app.css"
        assert staticfiles_storage._wrapped is not first
    assert static("css/app.css") == "/static/css/app.css"

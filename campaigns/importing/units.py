"""Read responsible-unit cells and match unit names against the known unit directory.

Unit cells list several departments in one cell (``区纪委监委（牵头）、区工商联``); lists often
use abbreviations (``区住建局`` for ``区住房城乡建设局``).  ``split_units`` and ``pick_lead``
take a cell apart; ``UnitDirectory`` resolves names exactly or by alias and otherwise only
*suggests* likely units, leaving the decision to a person.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

__all__ = [
    "SUGGESTION_THRESHOLD",
    "Resolution",
    "Suggestion",
    "UnitDirectory",
    "UnitMention",
    "normalise_unit_name",
    "pick_lead",
    "split_units",
]

#: Minimum score (0..1) for a unit to be offered as a suggestion.
SUGGESTION_THRESHOLD = 0.5
MAX_SUGGESTIONS = 5

_SEPARATORS = re.compile(r"[、，,；;\r\n]+")
_LEAD_MARK = re.compile(r"[（(]\s*主?牵头(?:单位|部门)?\s*[)）]")
_BARE_LEAD_SUFFIX = "牵头"
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")
_WHITESPACE = re.compile(r"\s+")

# Parts every government unit name shares; ignored when comparing the distinctive middle part.
_REGION_PREFIXES = ("区", "市", "县", "省", "镇", "乡")
_KIND_SUFFIXES = ("委员会", "办公室", "中心", "分局", "局", "委", "办")


@dataclass(frozen=True)
class UnitMention:
    """One unit named in a unit cell; ``marked_lead`` is set by a （牵头） marker."""

    name: str
    marked_lead: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A directory unit that looks like the name being resolved (score 0..1)."""

    unit_id: int
    name: str
    score: float


@dataclass(frozen=True)
class Resolution:
    """Result of resolving a unit name: a unit id only for exact or alias matches."""

    unit_id: int | None
    how: Literal["exact", "alias", "none"]
    suggestions: tuple[Suggestion, ...] = ()


def _clean_part(part: str) -> str:
    """Trim a unit name, dropping whitespace between Chinese characters."""
    part = _CJK_GAP.sub("", part.strip())
    return _WHITESPACE.sub(" ", part)


@functools.lru_cache(maxsize=4096)
def _read_part(raw: str) -> tuple[str, bool]:
    """One unit named in a cell, and whether it is marked the lead: the same few names recur
    in thousands of cells, so each is read once (four regular expressions a name)."""
    part = _clean_part(raw)
    lead = bool(_LEAD_MARK.search(part))
    part = _clean_part(_LEAD_MARK.sub("", part))
    if part.endswith(_BARE_LEAD_SUFFIX) and len(part) > len(_BARE_LEAD_SUFFIX) + 1:
        part = _clean_part(part[: -len(_BARE_LEAD_SUFFIX)])
        lead = True
    return part, lead


def split_units(text: object) -> list[UnitMention]:
    """Split a unit cell on 、，,；; and line breaks into de-duplicated mentions, in order."""
    if text is None:
        return []
    mentions: list[UnitMention] = []
    index_by_name: dict[str, int] = {}
    for raw in _SEPARATORS.split(str(text)):
        part, lead = _read_part(raw)
        if not part:
            continue
        if part in index_by_name:
            position = index_by_name[part]
            if lead and not mentions[position].marked_lead:
                mentions[position] = UnitMention(part, True)
            continue
        index_by_name[part] = len(mentions)
        mentions.append(UnitMention(part, lead))
    return mentions


def pick_lead(
    mentions: Sequence[UnitMention],
) -> tuple[UnitMention | None, list[UnitMention]]:
    """Return (lead, supporting): the first marked lead, else the first mention."""
    if not mentions:
        return None, []
    lead = next((m for m in mentions if m.marked_lead), mentions[0])
    return lead, [m for m in mentions if m is not lead]


def normalise_unit_name(name: str) -> str:
    """Key used for exact matching: full-width folded, whitespace removed."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", name))


def _core(key: str) -> str:
    """Strip the region prefix and unit-kind suffix shared by most unit names."""
    if len(key) > 1 and key.startswith(_REGION_PREFIXES):
        key = key[1:]
    for suffix in _KIND_SUFFIXES:
        if len(key) > len(suffix) and key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def _is_subsequence(short: str, long: str) -> bool:
    """True when every character of ``short`` appears in ``long`` in the same order."""
    chars = iter(long)
    return all(char in chars for char in short)


@dataclass(frozen=True)
class _Candidate:
    unit_id: int
    key: str
    core: str


class UnitDirectory:
    """Known units plus aliases; resolves names and suggests near matches.

    Results are cached per name, so repeated lookups during an import are cheap.
    """

    def __init__(self, units: Iterable[tuple[int, str]], aliases: Iterable[tuple[str, int]] = ()):
        self._names: dict[int, str] = {}
        self._exact: dict[str, int] = {}
        self._alias: dict[str, int] = {}
        self._candidates: list[_Candidate] = []
        self._by_char: dict[str, set[int]] = {}
        for unit_id, name in units:
            self._names.setdefault(unit_id, name)
            key = normalise_unit_name(name)
            if key:
                self._exact.setdefault(key, unit_id)
                self._add_candidate(unit_id, key)
        for alias, unit_id in aliases:
            key = normalise_unit_name(alias)
            if key:
                self._names.setdefault(unit_id, alias)
                self._alias.setdefault(key, unit_id)
                self._add_candidate(unit_id, key)
        self._cache: dict[str, Resolution] = {}

    def _add_candidate(self, unit_id: int, key: str) -> None:
        position = len(self._candidates)
        self._candidates.append(_Candidate(unit_id, key, _core(key)))
        for char in set(key):
            self._by_char.setdefault(char, set()).add(position)

    def names(self) -> dict[int, str]:
        """Unit id → its name (the directory's, not an alias)."""
        return dict(self._names)

    def resolve(self, name: str) -> Resolution:
        """Resolve a name: exact match, then alias, else suggestions only (unit_id None)."""
        cached = self._cache.get(name)
        if cached is None:
            cached = self._cache[name] = self._resolve(name)
        return cached

    def _resolve(self, name: str) -> Resolution:
        key = normalise_unit_name(name)
        if key in self._exact:
            return Resolution(self._exact[key], "exact")
        if key in self._alias:
            return Resolution(self._alias[key], "alias")
        return Resolution(None, "none", self.suggest(key))

    def suggest(self, name: str) -> tuple[Suggestion, ...]:
        """Units that look like ``name``, best first, above ``SUGGESTION_THRESHOLD``."""
        key = normalise_unit_name(name)
        core = _core(key)
        if not key or not core:
            return ()
        positions: set[int] = set()
        for char in set(core):
            positions |= self._by_char.get(char, set())
        best: dict[int, float] = {}
        full_matcher = SequenceMatcher(autojunk=False)
        full_matcher.set_seq2(key)
        core_matcher = SequenceMatcher(autojunk=False)
        core_matcher.set_seq2(core)
        for position in positions:
            candidate = self._candidates[position]
            full_matcher.set_seq1(candidate.key)
            core_matcher.set_seq1(candidate.core)
            # Abbreviations keep the characters of the full name in order: 区住建局 → 区住房城乡建设局.
            in_order = len(key) >= 3 and _is_subsequence(key, candidate.key)
            if (
                not in_order
                and (full_matcher.quick_ratio() + core_matcher.quick_ratio()) / 2
                < SUGGESTION_THRESHOLD
            ):
                continue  # cannot reach the threshold; skip the costly exact ratio
            score = (full_matcher.ratio() + core_matcher.ratio()) / 2
            if in_order:
                score = 0.6 + 0.4 * score
            if score >= SUGGESTION_THRESHOLD and score > best.get(candidate.unit_id, -1.0):
                best[candidate.unit_id] = score
        ranked = sorted(
            best.items(),
            key=lambda item: (-item[1], len(self._names.get(item[0], "")), item[0]),
        )
        return tuple(
            Suggestion(unit_id, self._names.get(unit_id, ""), round(score, 4))
            for unit_id, score in ranked[:MAX_SUGGESTIONS]
        )

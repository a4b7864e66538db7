"""When two unit names probably name one body: the rule behind "merge these?" suggestions.

Lists name the same bureau in several ways: the full name after a reorganisation
(区住房和城乡建设局 / 区住房城乡建设局, 区卫生健康委员会 / 区卫生健康局), or a short form
(区医保局 / 区医疗保障局). ``units_look_alike`` is the one rule; the importer's preview and the
system administrator's merge page both ask it. It only suggests: a person decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# The level a name starts with; two names of different levels (区财政局 / 市财政局) are two
# bodies however alike the rest.
_LEVELS = ("区", "市", "县", "省", "镇", "乡", "街道")
# What kind of body a name ends with, longest first.
_KINDS = (
    "委员会",
    "办公室",
    "管理局",
    "指挥部",
    "中心",
    "分局",
    "集团",
    "局",
    "委",
    "办",
    "院",
    "会",
)
# Joining words a full name has and its other forms drop: 住房和城乡建设 / 住房城乡建设.
_JOINERS = re.compile(r"[和与及暨、的]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NameParts:
    level: str
    core: str  # the distinctive middle, joining words dropped
    kind: str


def unit_name_parts(name: str) -> NameParts:
    """区住房和城乡建设局 → (区, 住房城乡建设, 局)."""
    key = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    level = next((p for p in _LEVELS if key.startswith(p) and len(key) > len(p)), "")
    rest = key[len(level) :]
    kind = next((k for k in _KINDS if rest.endswith(k) and len(rest) > len(k)), "")
    core = rest[: len(rest) - len(kind)] if kind else rest
    return NameParts(level, _JOINERS.sub("", core), kind)


def _abbreviates(short: str, long: str) -> bool:
    """``short`` keeps characters of ``long`` in their order, starting with its first
    (医保 of 医疗保障, 住建 of 住房城乡建设), as Chinese short names do."""
    if len(short) < 2 or len(short) >= len(long) or short[0] != long[0]:
        return False
    chars = iter(long)
    return all(char in chars for char in short)


def units_look_alike(a: str, b: str) -> bool:
    """Whether two different unit names probably name the same body.

    Same level (区 / 市 …), and either the same distinctive middle once joining words are
    dropped, whatever kind of body each says it is (区发展和改革委员会 / 区发展改革局), or the same
    kind of body and one middle an abbreviation of the other (区医保局 / 区医疗保障局).
    区大数据局 / 区大数据管理中心 (a bureau and a centre) and 区财政局 / 市财政局 are not.
    """
    if a == b:
        return False
    pa, pb = unit_name_parts(a), unit_name_parts(b)
    if pa.level != pb.level or not pa.core or not pb.core:
        return False
    if pa.core == pb.core:
        return True
    short, long = sorted((pa.core, pb.core), key=len)
    return pa.kind == pb.kind and _abbreviates(short, long)


def lookalike_pairs(names: Iterable[str], among: Iterable[str]) -> list[tuple[str, str]]:
    """Each name of ``names`` with every name of ``among`` that looks like it, once per pair.

    Names are compared only within a group that shares level and first character (the rule
    needs both), so a directory of thousands costs little.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for name in dict.fromkeys(among):
        parts = unit_name_parts(name)
        if parts.core:
            groups.setdefault((parts.level, parts.core[0]), []).append(name)
    pairs: dict[frozenset[str], tuple[str, str]] = {}
    for name in dict.fromkeys(names):
        parts = unit_name_parts(name)
        if not parts.core:
            continue
        for other in groups.get((parts.level, parts.core[0]), []):
            key = frozenset((name, other))
            if key not in pairs and units_look_alike(name, other):
                pairs[key] = (name, other)
    return list(pairs.values())

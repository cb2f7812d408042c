"""Pure rules of duplicate detection: what a company name is compared as, and how alike two
names are. No I/O.

A name is compared by its *core*: full-width characters made half-width (NFKC),
traditional characters made simplified (OpenCC ``t2s``), case, spaces and punctuation
dropped, brackets' contents kept, then legal-form suffixes (有限公司, 股份有限公司, 集团 …) and a
leading province or city (北京市, 上海, 广东省 …) stripped, repeatedly. 北京華信科技有限公司,
华信科技（北京）有限公司 and ＨＵＡＸＩＮ become ``华信科技`` / ``huaxin``. The similarity of
two names is the better of the fuzzy ratio of their cores' characters and of their
syllables, so 华信 and 华鑫 (same sound) are alike while 甲 and 乙 differ by one edit.

And what a merge makes of a list of ids (a visit's contacts): :func:`merged_list`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

from services.clients.accounts.search_keys import pinyin_keys

# Longest first: 股份有限公司 must go before 有限公司 and 公司.
LEGAL_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团有限公司",
            "集团股份有限公司",
            "集团公司",
            "总公司",
            "分公司",
            "公司",
            "集团",
            "控股",
            "股份",
            "有限",
            "co.,ltd.",
            "co.,ltd",
            "co.ltd",
            "coltd",
            "company limited",
            "limited",
            "ltd",
            "inc",
            "corporation",
            "corp",
            "group",
            "company",
            "co",
        },
        key=len,
        reverse=True,
    )
)
# 省级 and the largest cities: a leading region is how the same company is often written
# with or without its registration place. Only stripped when something is left after it.
REGIONS: tuple[str, ...] = tuple(
    sorted(
        {
            "北京",
            "天津",
            "上海",
            "重庆",
            "河北",
            "山西",
            "辽宁",
            "吉林",
            "黑龙江",
            "江苏",
            "浙江",
            "安徽",
            "福建",
            "江西",
            "山东",
            "河南",
            "湖北",
            "湖南",
            "广东",
            "海南",
            "四川",
            "贵州",
            "云南",
            "陕西",
            "甘肃",
            "青海",
            "台湾",
            "内蒙古",
            "广西",
            "西藏",
            "宁夏",
            "新疆",
            "香港",
            "澳门",
            "深圳",
            "广州",
            "杭州",
            "南京",
            "苏州",
            "武汉",
            "成都",
            "西安",
            "青岛",
            "大连",
            "宁波",
            "厦门",
            "沈阳",
            "长沙",
            "郑州",
            "济南",
        },
        key=len,
        reverse=True,
    )
)
_REGION_TAILS = ("省", "市", "自治区", "特别行政区")
_DROPPED = re.compile(r"[\s\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def canonical(name: str) -> str:
    """``name`` half-width, simplified, lower-case, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", name)
    text = _to_simplified().convert(text).lower()
    return _DROPPED.sub("", text)


def _strip_suffix(text: str) -> str:
    for suffix in LEGAL_SUFFIXES:
        plain = _DROPPED.sub("", suffix)
        if text.endswith(plain) and len(text) > len(plain):
            return text[: -len(plain)]
    return text


def _strip_region(text: str) -> str:
    for region in REGIONS:
        for tail in (*_REGION_TAILS, ""):
            prefix = region + tail
            rest = text[len(prefix) :]
            if text.startswith(prefix) and rest and rest not in _REGION_TAILS:
                return rest
    return text


def normalise_name(name: str) -> str:
    """The core a company name is compared by (see the module doc); idempotent. A name that
    is nothing but a suffix or a region keeps it (``公司`` stays ``公司``)."""
    text = canonical(name)
    # A region written in brackets after the name (华信（北京）有限公司) is dropped first.
    while True:
        stripped = _strip_region(_strip_suffix(text))
        for region in REGIONS:
            for tail in (*_REGION_TAILS, ""):
                marker = region + tail
                head = stripped[: -len(marker)]
                if stripped.endswith(marker) and head and head not in REGIONS:
                    stripped = stripped[: -len(marker)]
                    break
            else:
                continue
            break
        if stripped == text:
            return text
        text = stripped


def name_pinyin(core: str) -> str:
    """The full pinyin of a name's core (letters and digits unchanged)."""
    return pinyin_keys(core)[0].replace(" ", "")


def syllables(core: str) -> tuple[str, ...]:
    """The pinyin of a core, one syllable per character (a run of letters or digits is one
    item): 华信ab1 → ``("hua", "xin", "ab1")``."""
    return tuple(lazy_pinyin(core, style=Style.NORMAL, errors="default"))


@dataclass(frozen=True, slots=True)
class NameKey:
    """What a name is compared as: its core, the core's pinyin (for the candidate search)
    and its syllables (for the comparison by sound)."""

    core: str
    pinyin: str
    sounds: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str) -> NameKey:
        core = normalise_name(name)
        return cls(core, name_pinyin(core), syllables(core))


_NUMBERS = re.compile(r"\d+")
DIFFERENT_NUMBERS_CAP = 50
"""The most two names with different numbers in them score (第1分部 and 第2分部, 客户7 and
客户8 are numbered siblings, not one company written twice)."""


def similarity(a: NameKey, b: NameKey) -> int:
    """0–100: 100 when the cores are equal, else the better fuzzy ratio (rapidfuzz
    ``ratio``, an edit-distance ratio) of the cores' characters and of their syllables — a
    homophone (华信/华鑫) is no edit by sound, another character one edit either way; at most
    :data:`DIFFERENT_NUMBERS_CAP` when the numbers in the two cores differ."""
    if not a.core or not b.core:
        return 0
    if a.core == b.core:
        return 100
    cap = 100 if _NUMBERS.findall(a.core) == _NUMBERS.findall(b.core) else DIFFERENT_NUMBERS_CAP
    by_text = fuzz.ratio(a.core, b.core)
    by_sound = fuzz.ratio(a.sounds, b.sounds) if a.sounds and b.sounds else 0.0
    return min(cap, int(max(by_text, by_sound)))


def is_likely_duplicate(a: NameKey, b: NameKey, threshold: int) -> bool:
    """Whether two names are alike enough (``threshold`` 0–100) to ask before a second
    record is made."""
    return similarity(a, b) >= threshold


def merged_list(ids: Sequence[int], loser: int, survivor: int) -> list[int]:
    """``ids`` after ``loser`` was merged into ``survivor``: the loser replaced by the
    survivor, who is named once, at the first place either held; every other id as it was,
    in its order."""
    merged: list[int] = []
    for held in ids:
        value = survivor if held == loser else held
        if value == survivor and survivor in merged:
            continue
        merged.append(value)
    return merged

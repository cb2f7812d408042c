"""Name normalisation and similarity of duplicate detection (pure rules)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.duplicates.rules import (
    LEGAL_SUFFIXES,
    NameKey,
    is_likely_duplicate,
    merged_list,
    normalise_name,
    similarity,
)


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("北京华信科技有限公司", "华信科技"),
        ("北京華信科技有限公司", "华信科技"),  # traditional → simplified
        ("华信科技（北京）有限公司", "华信科技"),  # region in brackets after the name
        ("北京市华信科技股份有限公司", "华信科技"),
        ("广东省华信科技集团有限公司", "华信科技"),
        ("华信科技有限责任公司", "华信科技"),
        ("ＨＵＡＸＩＮ Co., Ltd.", "huaxin"),  # full-width → half-width, English form
        ("  华信  科技 ", "华信科技"),
        ("上海市浦东发展银行股份有限公司", "浦东发展银行"),
        # Nothing but a suffix or a region keeps it: never an empty core.
        ("公司", "公司"),
        ("北京", "北京"),
        ("北京市", "北京市"),
        ("北京市有限公司", "北京市"),
    ],
)
def test_normalise_name(name: str, core: str) -> None:
    assert normalise_name(name) == core


def test_a_region_alone_is_not_stripped_from_a_short_name() -> None:
    # 北京 as the whole company name part stays (华信北京 and 北京华信 both become 华信).
    assert normalise_name("华信北京") == normalise_name("北京华信") == "华信"


names = st.text(
    alphabet=st.sampled_from(
        list("华信科技北京上海市省集团有限公司股份责任（）() ,.ＡＢabc123臺灣")
    ),
    max_size=30,
)


@given(names)
def test_normalise_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@given(
    st.text(alphabet=st.sampled_from(list("华信科技电网建设创新数据")), min_size=1, max_size=8),
    st.sampled_from(LEGAL_SUFFIXES),
    st.sampled_from(LEGAL_SUFFIXES),
)
def test_suffix_variants_are_equal(stem: str, one: str, other: str) -> None:
    assert normalise_name(stem + one) == normalise_name(stem + other)
    assert similarity(NameKey.of(stem + one), NameKey.of(stem + other)) == 100


@given(names, names)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    ab = similarity(NameKey.of(a), NameKey.of(b))
    assert ab == similarity(NameKey.of(b), NameKey.of(a))
    assert 0 <= ab <= 100


def test_same_sound_counts_as_alike() -> None:
    # 华信 and 华鑫 sound the same (huaxin): the pinyin ratio makes them alike.
    assert similarity(NameKey.of("华信科技有限公司"), NameKey.of("华鑫科技有限公司")) == 100


@pytest.mark.parametrize(
    ("a", "b", "threshold", "alike"),
    [
        ("北京华信科技有限公司", "華信科技（北京）有限公司", 90, True),
        ("华东电网建设集团有限公司", "华东电网建设有限公司", 90, True),
        ("华东电网建设集团有限公司", "华东电网建设工程有限公司", 90, False),
        ("华东电网建设集团有限公司", "华东电网建设工程有限公司", 75, True),
        ("范围内客户", "范围外客户", 90, False),
        ("预测甲有限公司", "预测乙有限公司", 90, False),
        ("测试客户a1b2c3有限公司", "测试客户d4e5f6有限公司", 90, False),
        # One other character (甲/乙) in a short core is one edit, not a duplicate.
        ("商机A1B2C甲有限公司", "商机A1B2C乙有限公司", 90, False),
        ("备份ABCDEF甲有限公司", "备份ABCDEF乙有限公司", 90, False),
    ],
)
def test_detection_threshold(a: str, b: str, threshold: int, alike: bool) -> None:
    assert is_likely_duplicate(NameKey.of(a), NameKey.of(b), threshold) is alike


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("测试客户1有限公司", "测试客户2有限公司"),
        ("离职A1B2C3客户0有限公司", "离职A1B2C3客户1有限公司"),
        ("北京市政务中心（2分部）", "北京市政务中心（3分部）"),
    ],
)
def test_different_numbers_are_different_companies(a: str, b: str) -> None:
    assert similarity(NameKey.of(a), NameKey.of(b)) <= 50


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_numbered_siblings_are_never_likely_duplicates(m: int, n: int) -> None:
    alike = is_likely_duplicate(
        NameKey.of(f"压测客户{m}有限公司"), NameKey.of(f"压测客户{n}有限公司"), 90
    )
    assert alike is (m == n)


def test_an_empty_core_is_never_alike() -> None:
    assert similarity(NameKey.of(""), NameKey.of("")) == 0


# --- a merge in a list of ids (a visit's contacts) ---------------------------------------

ids = st.lists(st.integers(1, 8), max_size=10)


@given(ids, st.integers(1, 8), st.integers(1, 8))
def test_a_merged_list_names_the_survivor_once_and_keeps_the_rest(
    held: list[int], loser: int, survivor: int
) -> None:
    merged = merged_list(held, loser, survivor)
    if loser != survivor:
        assert loser not in merged
    named = loser in held or survivor in held
    assert merged.count(survivor) == (1 if named else 0)
    others = [x for x in held if x not in (loser, survivor)]
    assert [x for x in merged if x != survivor] == others
    if named:
        first = next(i for i, x in enumerate(held) if x in (loser, survivor))
        assert merged.index(survivor) == first


@given(ids, st.integers(1, 8), st.integers(1, 8))
def test_a_list_without_the_loser_is_left_alone(held: list[int], loser: int, survivor: int) -> None:
    clean = [x for x in held if x != loser]
    if survivor in clean:
        return
    assert merged_list(clean, loser, survivor) == clean


def test_a_merged_list_examples() -> None:
    assert merged_list([5, 3, 9], 3, 7) == [5, 7, 9]
    assert merged_list([3, 5, 7], 3, 7) == [7, 5]
    assert merged_list([7, 5, 3], 3, 7) == [7, 5]
    assert merged_list([], 3, 7) == []

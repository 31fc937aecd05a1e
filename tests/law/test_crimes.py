from __future__ import annotations

from collections import Counter

import pytest

from zhijian.law.crimes import (
    CORRUPTION_BRIBERY_CHAPTER,
    DRUG_SECTION,
    FINANCIAL_SECTIONS,
    GANG_CRIMES,
    GROUP_IDS,
    JUDICIAL_STAFF_CRIMES,
    MALFEASANCE_CHAPTER,
    STATE_SECURITY_CHAPTER,
    VIOLENT_PAROLE_BAR,
    all_crimes,
    crime_groups,
    crimes_in_group,
    current_crimes,
    is_corruption_bribery,
    is_duty_crime,
    is_financial_crime,
    is_violent_parole_bar,
    normalize_crime_name,
    resolve_crime,
)
from zhijian.law.errors import LawInputError

DRUGS = "走私、贩卖、运输、制造毒品罪"
FIREARM_THEFT = "盗窃、抢夺枪支、弹药、爆炸物、危险物质罪"
PROSTITUTION = "引诱、容留、介绍卖淫罪"


def current_names() -> set[str]:
    return {crime.name for crime in current_crimes()}


# --- the catalogue ---------------------------------------------------------------------


def test_catalogue_has_483_current_and_544_names_in_all() -> None:
    assert len(current_crimes()) == 483
    assert len(all_crimes()) == 544
    assert len(current_names()) == 483


def test_current_names_per_chapter_match_the_data_readme() -> None:
    per_chapter = Counter(
        crime.chapter.split(" ")[0] if crime.chapter else None for crime in current_crimes()
    )

    assert per_chapter == {
        "第一章": 12,
        "第二章": 54,
        "第三章": 109,
        "第四章": 43,
        "第五章": 13,
        "第六章": 146,
        "第七章": 23,
        "第八章": 14,
        "第九章": 37,
        "第十章": 31,
        None: 1,  # 骗购外汇罪, a 单行刑法 offence
    }


def test_every_historical_successor_is_a_current_name() -> None:
    successors = {s for crime in all_crimes() for s in crime.successors}

    assert successors <= current_names()
    assert all(not crime.successors for crime in current_crimes())


def test_a_crime_row_keeps_article_paragraph_and_place_in_the_code() -> None:
    crime = resolve_crime("包庇、纵容黑社会性质组织罪").crime

    assert crime.article == "第二百九十四条第三款"
    assert crime.article_number == 294
    assert crime.paragraph == "3"
    assert crime.chapter == "第六章 妨害社会管理秩序罪"
    assert crime.section == "第一节 扰乱公共秩序罪"
    assert crime.is_current
    assert crime.current_successor is None


# --- resolving written names -----------------------------------------------------------


def test_every_current_name_resolves_exactly_to_itself() -> None:
    for crime in current_crimes():
        resolved = resolve_crime(crime.name)
        assert (resolved.crime, resolved.how) == (crime, "exact")


def test_historical_names_resolve_to_their_successor() -> None:
    evasion = resolve_crime("偷税罪")
    stolen_goods = resolve_crime("窝藏、转移、收购、销售赃物罪")

    assert (evasion.crime.name, evasion.how) == ("逃税罪", "historical")
    assert stolen_goods.crime.name == "掩饰、隐瞒犯罪所得、犯罪所得收益罪"
    assert stolen_goods.written == "窝藏、转移、收购、销售赃物罪"


def test_renamed_twice_resolves_to_the_end_of_the_chain() -> None:
    assert resolve_crime("非法采伐、毁坏珍贵树木罪").crime.name == "危害国家重点保护植物罪"
    assert resolve_crime("操纵证券交易价格罪").crime.name == "操纵证券、期货市场罪"


def test_merged_name_resolves_to_the_name_it_was_merged_into() -> None:
    assert resolve_crime("奸淫幼女罪").crime.name == "强奸罪"


def test_historical_name_with_two_successors_is_ambiguous() -> None:
    with pytest.raises(LawInputError) as error:
        resolve_crime("国家机关工作人员徇私舞弊罪")

    assert str(error.value) == (
        "旧罪名国家机关工作人员徇私舞弊罪对应多个现行罪名：滥用职权罪；玩忽职守罪。"
        "请按案情写明其中之一"
    )


def test_abolished_name_without_successor_is_rejected() -> None:
    with pytest.raises(LawInputError, match=r"^罪名嫖宿幼女罪已取消，没有对应的现行罪名$"):
        resolve_crime("嫖宿幼女罪")


@pytest.mark.parametrize(
    ("written", "current"),
    [
        ("贩卖毒品罪", DRUGS),
        ("运输毒品罪", DRUGS),
        ("贩卖、运输毒品罪", DRUGS),
        ("盗窃枪支罪", FIREARM_THEFT),
        ("引诱卖淫罪", PROSTITUTION),
        ("容留、介绍卖淫罪", PROSTITUTION),
        ("拐卖儿童罪", "拐卖妇女、儿童罪"),
        ("非法买卖枪支罪", "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪"),
        ("掩饰、隐瞒犯罪所得罪", "掩饰、隐瞒犯罪所得、犯罪所得收益罪"),
    ],
)
def test_selective_names_written_in_part_resolve_to_the_whole(written: str, current: str) -> None:
    resolved = resolve_crime(written)

    assert (resolved.written, resolved.crime.name, resolved.how) == (written, current, "selective")


def test_a_name_of_its_own_wins_over_a_partial_match() -> None:
    assert resolve_crime("组织卖淫罪").how == "exact"
    assert resolve_crime("组织卖淫罪").crime.name == "组织卖淫罪"


def test_old_name_written_in_part_resolves_through_its_successor() -> None:
    # 非法猎捕、杀害珍贵、濒危野生动物罪 (renamed in 2021), written in part.
    resolved = resolve_crime("非法猎捕珍贵、濒危野生动物罪")

    assert (resolved.crime.name, resolved.how) == ("危害珍贵、濒危野生动物罪", "historical")


def test_partial_name_of_two_current_crimes_is_ambiguous() -> None:
    with pytest.raises(LawInputError) as error:
        resolve_crime("窝藏罪")

    assert str(error.value) == (
        "罪名窝藏罪可能是以下罪名之一：窝藏、包庇罪；窝藏、转移、隐瞒毒品、毒赃罪。请写明完整罪名"
    )


def test_partial_matching_does_not_split_words_across_the_final_zui() -> None:
    # 拒绝提供间谍犯罪、恐怖主义犯罪、极端主义犯罪证据罪 contains 犯罪; its prefix is no 罪名.
    with pytest.raises(LawInputError, match=r"^未知罪名：拒绝提供间谍犯罪。"):
        resolve_crime("拒绝提供间谍犯罪")


def test_current_names_that_are_also_partial_forms_of_other_names() -> None:
    # These four are 罪名 of their own and, read as text, parts of other 选择性罪名
    # (侮辱罪 in 强制猥亵、侮辱罪). Exact matching comes first, so none is shadowed.
    from zhijian.law.crimes import _is_partial_form

    names = sorted(current_names())
    also_partial = {a for a in names for b in names if _is_partial_form(a, b)}

    assert also_partial == {"侮辱罪", "盗窃罪", "抢夺罪", "妨害作证罪"}
    assert all(resolve_crime(name).how == "exact" for name in also_partial)


def test_missing_zui_is_appended() -> None:
    resolved = resolve_crime("故意杀人")

    assert (resolved.written, resolved.crime.name, resolved.how) == (
        "故意杀人",
        "故意杀人罪",
        "normalized",
    )


def test_spaces_and_half_width_brackets_are_normalized() -> None:
    assert resolve_crime(" 偷越国(边)境 罪\u3000").crime.name == "偷越国（边）境罪"
    assert resolve_crime("贩卖 毒品").how == "selective"
    assert normalize_crime_name("组织他人偷越国(边)境") == "组织他人偷越国（边）境罪"


def test_empty_name_is_rejected() -> None:
    with pytest.raises(LawInputError, match=r"^罪名不能为空$"):
        resolve_crime("  ")


def test_unknown_name_lists_the_closest_names() -> None:
    with pytest.raises(LawInputError) as error:
        resolve_crime("盗窃抢劫罪")

    assert str(error.value) == "未知罪名：盗窃抢劫罪。最接近的罪名：盗窃罪；抢劫罪；抢夺罪"


def test_unknown_name_with_nothing_close() -> None:
    with pytest.raises(LawInputError, match=r"^未知罪名：ABC罪。未找到相近罪名$"):
        resolve_crime("ABC")


# --- groups ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("受贿罪", {"duty", "corruption_bribery"}),
        ("滥用职权罪", {"duty", "judicial_staff"}),
        ("集资诈骗罪", {"financial"}),
        ("组织、领导、参加黑社会性质组织罪", {"gang"}),
        ("帮助恐怖活动罪", {"terrorism"}),
        ("分裂国家罪", {"state_security"}),
        ("贩卖毒品罪", {"drug"}),
        ("故意伤害罪", set()),
        ("故意杀人罪", {"violent_parole_bar"}),
        ("非法拘禁罪", {"judicial_staff"}),
        ("骗购外汇罪", {"financial"}),
        ("投毒罪", {"violent_parole_bar"}),  # renamed to 投放危险物质罪
    ],
)
def test_group_membership(name: str, groups: set[str]) -> None:
    assert crime_groups(name) == groups


def test_predicates_accept_crimes_and_names() -> None:
    bribery = resolve_crime("受贿罪").crime

    assert is_duty_crime(bribery) and is_corruption_bribery(bribery)
    assert is_duty_crime("玩忽职守罪") and not is_corruption_bribery("玩忽职守罪")
    assert not is_financial_crime("诈骗罪")
    # A historical row is judged by its successor: 奸淫幼女罪 was merged into 强奸罪.
    old = next(crime for crime in all_crimes() if crime.name == "奸淫幼女罪")
    assert is_violent_parole_bar(old)


def test_group_sizes() -> None:
    sizes = {group: len(crimes_in_group(group)) for group in GROUP_IDS}

    assert sizes == {
        "violent_parole_bar": 7,
        "duty": 51,
        "corruption_bribery": 14,
        "financial": 38,
        "gang": 2,
        "state_security": 12,
        "terrorism": 7,
        "drug": 12,
        "judicial_staff": 14,
    }


def test_chapter_groups_equal_their_chapters_and_sections() -> None:
    crimes = current_crimes()
    by_chapter = {c.name for c in crimes if c.chapter == CORRUPTION_BRIBERY_CHAPTER}
    malfeasance = {c.name for c in crimes if c.chapter == MALFEASANCE_CHAPTER}
    financial = {c.name for c in crimes if c.section in FINANCIAL_SECTIONS}

    assert crimes_in_group("corruption_bribery") == by_chapter
    assert crimes_in_group("duty") == by_chapter | malfeasance
    assert crimes_in_group("state_security") == {
        c.name for c in crimes if c.chapter == STATE_SECURITY_CHAPTER
    }
    assert crimes_in_group("drug") == {c.name for c in crimes if c.section == DRUG_SECTION}
    assert crimes_in_group("financial") == financial | {"骗购外汇罪"}
    assert (len(by_chapter), len(malfeasance), len(financial)) == (14, 37, 37)


def test_terrorism_group_is_article_120_and_its_six_sub_articles() -> None:
    articles = {resolve_crime(name).crime.article for name in crimes_in_group("terrorism")}

    assert articles == {"第一百二十条"} | {f"第一百二十条之{n}" for n in "一二三四五六"}


def test_named_groups_are_current_names() -> None:
    assert len(JUDICIAL_STAFF_CRIMES) == 14
    assert JUDICIAL_STAFF_CRIMES.issubset(current_names())
    assert VIOLENT_PAROLE_BAR.issubset(current_names())
    assert GANG_CRIMES.issubset(current_names())
    assert crimes_in_group("judicial_staff") == JUDICIAL_STAFF_CRIMES


def test_unknown_group_is_rejected() -> None:
    with pytest.raises(LawInputError, match=r"^未知的罪名分组：violent$"):
        crimes_in_group("violent")

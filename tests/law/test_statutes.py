from __future__ import annotations

import pytest

from zhijian.law.citations import DOCUMENTS, Citation
from zhijian.law.errors import LawInputError
from zhijian.law.statutes import (
    article_keys,
    article_text,
    citation_exists,
    items,
    paragraphs,
)


def test_single_paragraph_article_is_its_text() -> None:
    assert article_text("刑法", 99) == "本法所称以上、以下、以内，包括本数。"
    assert paragraphs("刑法", 99) == ["本法所称以上、以下、以内，包括本数。"]


def test_parole_article_has_three_paragraphs_and_the_second_bars_parole() -> None:
    found = paragraphs("刑法", 81)

    assert len(found) == 3
    assert found[0].startswith("被判处有期徒刑的犯罪分子，执行原判刑期二分之一以上")
    assert "不得假释" in found[1]
    assert found[2] == "对犯罪分子决定假释时，应当考虑其假释后对所居住社区的影响。"


def test_article_text_is_the_paragraphs_joined_by_lines() -> None:
    assert article_text("刑法", 81) == "\n".join(paragraphs("刑法", 81))


def test_sub_articles_are_separate_from_their_base_article() -> None:
    assert article_text("刑法", 120, sub=1).startswith("资助恐怖活动组织、实施恐怖活动的个人的")
    assert article_text("刑法", 120).startswith("组织、领导恐怖活动组织的")
    assert paragraphs("刑法", 120, sub=6) == [
        "明知是宣扬恐怖主义、极端主义的图书、音频视频资料或者其他物品而非法持有，情节严重的，"
        "处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。"
    ]


def test_criminal_procedure_article_128_is_found_despite_the_misplaced_space() -> None:
    # Stored as "第一百二十八 条侦查人员…".
    assert article_text("刑事诉讼法", 128).startswith(
        "侦查人员对于与犯罪有关的场所、物品、人身、尸体"
    )


@pytest.mark.parametrize(
    ("document", "last_article"),
    [
        ("刑法", 452),
        ("刑事诉讼法", 308),
        ("社区矫正法", 63),
        ("减刑假释规定", 42),
        ("减刑假释补充规定", 7),
        ("财产性判项规定", 15),
        ("减刑假释审理程序规定", 22),
        ("刑诉规则", 684),
    ],
)
def test_every_document_has_a_gap_free_article_sequence(document: str, last_article: int) -> None:
    base_articles = [article for article, sub in article_keys(document) if sub == 0]

    assert base_articles == list(range(1, last_article + 1))


def test_every_document_key_has_a_packaged_text() -> None:
    assert all(article_keys(key) for key in DOCUMENTS)


def test_criminal_law_has_53_sub_articles_up_to_120_6() -> None:
    subs = [(article, sub) for article, sub in article_keys("刑法") if sub]

    assert len(subs) == 53
    assert [(120, n) for n in range(1, 7)] == [key for key in subs if key[0] == 120]


def test_reduction_rules_article_6_has_four_paragraphs() -> None:
    found = paragraphs("减刑假释规定", 6)

    assert len(found) == 4
    assert found[3] == "罪犯有重大立功表现的，可以不受上述减刑起始时间和间隔时间的限制。"


def test_items_belong_to_the_paragraph_before_them() -> None:
    assert paragraphs("刑法", 34) == [
        "附加刑的种类如下：\n（一）罚金；\n（二）剥夺政治权利；\n（三）没收财产。",
        "附加刑也可以独立适用。",
    ]
    assert items("刑法", 34, 1) == ["（一）罚金；", "（二）剥夺政治权利；", "（三）没收财产。"]
    assert items("刑法", 34, 2) == []


def test_items_of_a_long_list() -> None:
    found = items("刑诉规则", 625, 1)

    assert len(found) == 6
    assert found[5] == "（六）其他违法情形。"


def test_heading_and_editorial_footnote_end_the_last_article() -> None:
    found = paragraphs("刑法", 452)

    assert len(found) == 3
    assert found[0] == "本法自1997年10月1日起施行。"
    assert found[2].endswith("自本法施行之日起，适用本法规定。")


def test_chapter_heading_ends_an_article() -> None:
    # 社区矫正法第六十二条 is followed by "## 第九章  附则".
    assert all(not p.startswith("#") for p in paragraphs("社区矫正法", 62))
    assert article_text("社区矫正法", 63) == "本法自2020年7月1日起施行。"


def test_unknown_document_is_rejected() -> None:
    with pytest.raises(LawInputError, match=r"^未知的法律文件：监狱法$"):
        article_text("监狱法", 1)


def test_missing_article_is_rejected_in_chinese() -> None:
    with pytest.raises(LawInputError, match=r"^《中华人民共和国刑法》没有第四百五十三条$"):
        article_text("刑法", 453)
    with pytest.raises(LawInputError, match=r"^《中华人民共和国刑法》没有第一百二十条之七$"):
        paragraphs("刑法", 120, sub=7)


def test_missing_paragraph_for_items_is_rejected() -> None:
    with pytest.raises(LawInputError, match=r"^《中华人民共和国刑法》第三十四条没有第三款$"):
        items("刑法", 34, 3)


def test_correct_citations_have_no_problems() -> None:
    assert citation_exists(Citation("刑法", 81, paragraph=2, quote="不得假释")) == []
    assert citation_exists(Citation("刑法", 81, quote="确有悔改表现")) == []
    assert citation_exists(Citation("刑诉规则", 625, item=2, quote="三十日以内")) == []
    assert citation_exists(Citation("刑诉规则", 625, paragraph=1, item=6)) == []
    # The lead-in reads with every item.
    assert citation_exists(Citation("刑诉规则", 625, item=3, quote="应当依法提出纠正意见")) == []


def test_a_paragraph_the_article_lacks_is_a_problem() -> None:
    problems = citation_exists(Citation("刑法", 81, paragraph=5))

    assert problems == ["《中华人民共和国刑法》第八十一条只有三款，没有第五款"]


def test_a_quote_not_in_the_paragraph_is_a_problem() -> None:
    problems = citation_exists(Citation("刑法", 81, paragraph=1, quote="不得假释"))

    assert problems == ["《中华人民共和国刑法》第八十一条第一款中没有“不得假释”"]


def test_a_quote_not_in_the_article_is_a_problem() -> None:
    assert citation_exists(Citation("刑法", 99, quote="不包括本数")) == [
        "《中华人民共和国刑法》第九十九条中没有“不包括本数”"
    ]


def test_a_quote_from_another_item_is_a_problem() -> None:
    problems = citation_exists(Citation("刑诉规则", 625, item=1, quote="三十日以内"))

    assert problems == ["《人民检察院刑事诉讼规则》第六百二十五条第（一）项中没有“三十日以内”"]


def test_missing_article_and_item_are_problems() -> None:
    assert citation_exists(Citation("刑法", 453)) == ["《中华人民共和国刑法》没有第四百五十三条"]
    assert citation_exists(Citation("刑诉规则", 625, item=7)) == [
        "《人民检察院刑事诉讼规则》没有第六百二十五条第（七）项"
    ]
    assert citation_exists(Citation("刑法", 99, item=1)) == [
        "《中华人民共和国刑法》第九十九条没有列项"
    ]

"""Citations: which document and which article a rule rests on.

Every rule finding names its citation. Statute citations are checked against the
packaged statute texts by the test suite (``tests/law/test_citations.py``), so a
misnumbered article fails the build.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhijian.law.numerals import to_chinese_numeral


@dataclass(frozen=True)
class Document:
    """A statute or judicial interpretation the kernel cites."""

    key: str  # short key used in code, e.g. "刑法"
    title: str  # full title, e.g. "中华人民共和国刑法"
    number: str | None  # 文号, e.g. "法释〔2016〕23号"; None for statutes
    statute_file: str  # file name under zhijian/law/statutes/


DOCUMENTS: dict[str, Document] = {
    doc.key: doc
    for doc in (
        Document("刑法", "中华人民共和国刑法", None, "criminal-law.md"),
        Document("刑事诉讼法", "中华人民共和国刑事诉讼法", None, "criminal-procedure-law-2018.md"),
        Document(
            "社区矫正法", "中华人民共和国社区矫正法", None, "community-corrections-law-2019.md"
        ),
        Document(
            "减刑假释规定",
            "最高人民法院关于办理减刑、假释案件具体应用法律的规定",
            "法释〔2016〕23号",
            "spc-2016-reduction-parole.md",
        ),
        Document(
            "减刑假释补充规定",
            "最高人民法院关于办理减刑、假释案件具体应用法律的补充规定",
            "法释〔2019〕6号",
            "spc-2019-reduction-parole-supplement.md",
        ),
        Document(
            "财产性判项规定",
            "最高人民法院关于办理减刑、假释案件审查财产性判项执行问题的规定",
            "法释〔2024〕5号",
            "spc-2024-property-judgments.md",
        ),
        Document(
            "减刑假释审理程序规定",
            "最高人民法院关于减刑、假释案件审理程序的规定",
            "法释〔2014〕5号",
            "spc-2014-reduction-parole-procedure.md",
        ),
        Document(
            "刑诉规则",
            "人民检察院刑事诉讼规则",
            "高检发释字〔2019〕4号",
            "spp-2019-criminal-procedure-rules.md",
        ),
    )
}


@dataclass(frozen=True)
class Citation:
    """One provision: document, article and optionally paragraph (款) and item (项).

    ``quote`` is a phrase that must appear verbatim in that provision's text; the
    test suite checks it, which catches a citation pointing at the wrong article.
    """

    document: str
    article: int
    paragraph: int | None = None
    item: int | None = None
    quote: str | None = None

    def __post_init__(self) -> None:
        if self.document not in DOCUMENTS:
            raise ValueError(f"unknown document key: {self.document}")

    @property
    def provision(self) -> str:
        """The provision in the way Chinese documents write it: 第八十一条第二款."""
        text = f"第{to_chinese_numeral(self.article)}条"
        if self.paragraph is not None:
            text += f"第{to_chinese_numeral(self.paragraph)}款"
        if self.item is not None:
            text += f"第（{to_chinese_numeral(self.item)}）项"
        return text

    def __str__(self) -> str:
        doc = DOCUMENTS[self.document]
        number = f"（{doc.number}）" if doc.number else ""
        return f"《{doc.title}》{number}{self.provision}"

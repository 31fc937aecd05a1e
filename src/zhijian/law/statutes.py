"""Article texts of the packaged statutes and judicial interpretations.

Each file in ``zhijian/law/statutes/`` is LawRefBook/Laws markdown (see the README
there). An article starts on a line ``第…条 `` (or ``第…条之一 ``); its later non-empty
lines are further paragraphs (款), except lines starting ``（一）``, ``（二）``… which
are items (项) of the paragraph before them. A markdown heading ends the article.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib.resources import files

from zhijian.law.citations import DOCUMENTS, Citation, Document
from zhijian.law.errors import LawInputError
from zhijian.law.numerals import parse_chinese_number, to_chinese_numeral

_NUMERAL = "[零一二三四五六七八九十百千]+"

# The space before 条 is the stored quirk 刑事诉讼法 "第一百二十八 条侦查人员…".
_ARTICLE_HEAD = re.compile(rf"^第({_NUMERAL})(?: 条|条(?:之({_NUMERAL}))? )")
_ITEM_HEAD = re.compile(rf"^（{_NUMERAL}）")
# Editorial footnotes (刑法 ends with "① 刑法、历次刑法修正案……") are not statute text.
_FOOTNOTE_MARKS = "①②③④⑤⑥⑦⑧⑨⑩"


@dataclass(frozen=True)
class _Paragraph:
    lead: str
    items: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join((self.lead, *self.items))


# (article, sub): sub is 0 for 第一百二十条, 1 for 第一百二十条之一.
_ArticleKey = tuple[int, int]


def article_text(document_key: str, article: int, sub: int = 0) -> str:
    """The whole article without its ``第…条`` prefix, one line per paragraph or item."""
    return "\n".join(p.text for p in _article(document_key, article, sub))


def paragraphs(document_key: str, article: int, sub: int = 0) -> list[str]:
    """The article's paragraphs (款); an item-bearing paragraph includes its item lines."""
    return [p.text for p in _article(document_key, article, sub)]


def items(document_key: str, article: int, paragraph: int, sub: int = 0) -> list[str]:
    """The items (项) of one paragraph, each with its ``（一）`` marker; may be empty."""
    found = _article(document_key, article, sub)
    if not 1 <= paragraph <= len(found):
        name = _provision_name(article, sub)
        raise LawInputError(f"{_title(document_key)}{name}没有第{_cn(paragraph)}款")
    return list(found[paragraph - 1].items)


def article_keys(document_key: str) -> list[tuple[int, int]]:
    """Every article of the document as ``(article, sub)``, in file order."""
    return list(_parsed(document_key))


def citation_exists(citation: Citation) -> list[str]:
    """Problems with a citation against the packaged text; an empty list means it holds.

    Checks that the article, paragraph and item exist and that the quote appears verbatim
    in what is cited: the item or its paragraph's lead-in, else the paragraph, else the
    article. ``Citation`` has no ``之一`` field, so only base articles can be checked.
    """
    title = _title(citation.document)
    article = _parsed(citation.document).get((citation.article, 0))
    if article is None:
        return [f"{title}没有第{_cn(citation.article)}条"]
    paragraph, problem = _cited_paragraph(citation, article)
    if problem:
        return [f"{title}{problem}"]
    texts, problem = _cited_texts(citation, article, paragraph)
    if problem:
        return [f"{title}{problem}"]
    if citation.quote is not None and not any(citation.quote in text for text in texts):
        return [f"{title}{citation.provision}中没有“{citation.quote}”"]
    return []


def _cited_paragraph(
    citation: Citation, article: tuple[_Paragraph, ...]
) -> tuple[_Paragraph | None, str]:
    """The cited paragraph (None if none is cited), or a problem text."""
    where = f"第{_cn(citation.article)}条"
    if citation.paragraph is not None:
        if not 1 <= citation.paragraph <= len(article):
            count = _cn(len(article))
            return None, f"{where}只有{count}款，没有第{_cn(citation.paragraph)}款"
        return article[citation.paragraph - 1], ""
    if citation.item is None:
        return None, ""
    # 第…条第（二）项 without a 款 names the article's one paragraph that has items.
    with_items = [p for p in article if p.items]
    if not with_items:
        return None, f"{where}没有列项"
    if len(with_items) > 1:
        return None, f"{where}有{_cn(len(with_items))}款列有项，引用项时须指明款"
    return with_items[0], ""


def _cited_texts(
    citation: Citation, article: tuple[_Paragraph, ...], paragraph: _Paragraph | None
) -> tuple[list[str], str]:
    """The texts a quote may come from, or a problem text."""
    if paragraph is None:
        return [p.text for p in article], ""
    if citation.item is None:
        return [paragraph.text], ""
    if not 1 <= citation.item <= len(paragraph.items):
        return [], f"没有{citation.provision}"
    # An item reads together with its paragraph's lead-in ("有下列情形之一的：").
    return [paragraph.lead, paragraph.items[citation.item - 1]], ""


def _article(document_key: str, article: int, sub: int) -> tuple[_Paragraph, ...]:
    found = _parsed(document_key).get((article, sub))
    if found is None:
        raise LawInputError(f"{_title(document_key)}没有{_provision_name(article, sub)}")
    return found


def _document(document_key: str) -> Document:
    document = DOCUMENTS.get(document_key)
    if document is None:
        raise LawInputError(f"未知的法律文件：{document_key}")
    return document


def _title(document_key: str) -> str:
    return f"《{_document(document_key).title}》"


def _provision_name(article: int, sub: int) -> str:
    suffix = f"之{_cn(sub)}" if sub else ""
    return f"第{_cn(article)}条{suffix}"


def _cn(number: int) -> str:
    # Guard the numeral converter against numbers users typed that no statute has.
    return to_chinese_numeral(number) if number > 0 else str(number)


@functools.cache
def _parsed(document_key: str) -> dict[_ArticleKey, tuple[_Paragraph, ...]]:
    resource = files("zhijian.law") / "statutes" / _document(document_key).statute_file
    return _parse(resource.read_text(encoding="utf-8"))


def _parse(text: str) -> dict[_ArticleKey, tuple[_Paragraph, ...]]:
    """Articles of one statute file; text before the first article is ignored."""
    articles: dict[_ArticleKey, list[_Paragraph]] = {}
    current: list[_Paragraph] | None = None
    for line in text.splitlines():
        head = _ARTICLE_HEAD.match(line)
        if head:
            key = (parse_chinese_number(head[1]), parse_chinese_number(head[2] or "零"))
            if key in articles:
                raise ValueError(f"duplicate article {key} in statute file")
            current = articles[key] = [_Paragraph(line[head.end() :].strip(), ())]
        elif line.startswith("#"):
            current = None
        elif current is not None and line.strip() and line[0] not in _FOOTNOTE_MARKS:
            _add_line(current, line.strip())
    return {key: tuple(found) for key, found in articles.items()}


def _add_line(article: list[_Paragraph], line: str) -> None:
    if _ITEM_HEAD.match(line):
        last = article[-1]
        article[-1] = _Paragraph(last.lead, (*last.items, line))
    else:
        article.append(_Paragraph(line, ()))

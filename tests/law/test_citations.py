"""Every citation the kernel's code writes must point at a provision that exists in the
packaged statute text, with its quoted phrase verbatim there.

The citations are found by reading the source, not by running the rules, so a citation
on a path no test reaches is still checked. Each call of ``Citation`` (or of the
helpers that build one) is evaluated in its module's namespace: a citation must be built
from literals and module constants, which keeps every citation checkable.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from zhijian.law.citations import Citation
from zhijian.law.statutes import citation_exists

LAW_PACKAGE = Path(importlib.import_module("zhijian.law").__file__ or "").parent
CITATION_BUILDERS = {"Citation", "_c", "_s"}


def _module_name(path: Path) -> str:
    relative = path.relative_to(LAW_PACKAGE.parent.parent).with_suffix("")
    return ".".join(relative.parts)


def _citations_in_source() -> list[tuple[str, int, Citation]]:
    found = []
    for path in sorted(LAW_PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(_module_name(path))
        inside_builders = {
            id(inner)
            for outer in ast.walk(tree)
            if isinstance(outer, ast.FunctionDef) and outer.name in CITATION_BUILDERS
            for inner in ast.walk(outer)
        }
        for node in ast.walk(tree):
            if id(node) in inside_builders:
                continue
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in CITATION_BUILDERS or path.name == "citations.py":
                continue
            code = compile(ast.Expression(node), str(path), "eval")
            citation = eval(code, vars(module))
            found.append((path.name, node.lineno, citation))
    return found


CITATIONS = _citations_in_source()


def test_the_rules_cite_many_provisions() -> None:
    # A guard against the scan silently finding nothing.
    assert len(CITATIONS) >= 60
    documents = {c.document for _, _, c in CITATIONS}
    assert {"刑法", "减刑假释规定", "减刑假释补充规定", "财产性判项规定"} <= documents


@pytest.mark.parametrize(
    "citation", [c for _, _, c in CITATIONS], ids=[f"{f}:{line}" for f, line, _ in CITATIONS]
)
def test_citation_exists_in_the_statute_text(citation: Citation) -> None:
    assert citation_exists(citation) == []


def test_citation_renders_document_number_and_provision() -> None:
    citation = Citation("减刑假释规定", 6, 3)
    assert str(citation) == (
        "《最高人民法院关于办理减刑、假释案件具体应用法律的规定》（法释〔2016〕23号）第六条第三款"
    )
    assert str(Citation("刑法", 81, 2)) == "《中华人民共和国刑法》第八十一条第二款"
    assert str(Citation("刑诉规则", 625, 1, 2)) == (
        "《人民检察院刑事诉讼规则》（高检发释字〔2019〕4号）第六百二十五条第一款第（二）项"
    )


def test_a_misnumbered_citation_is_caught() -> None:
    assert citation_exists(Citation("刑法", 81, 2, quote="执行原判刑期二分之一以上")) != []
    assert citation_exists(Citation("刑法", 453)) != []


def test_unknown_document_key_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown document"):
        Citation("不存在的法律", 1)

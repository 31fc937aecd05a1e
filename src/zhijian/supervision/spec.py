"""A supervision model's specification: ``<model_id>.yml`` beside ``<model_id>.sql``.

The loader refuses a model whose yml is incomplete, whose SQL is not one sandboxed
SELECT, whose inputs are not datasets of the standard, whose message names a field the
evidence lacks, or whose statute citations do not match the statute text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zhijian.law.citations import DOCUMENTS, Citation
from zhijian.law.statutes import citation_exists
from zhijian.supervision.errors import ModelError
from zhijian.supervision.sandbox import check_sql
from zhijian.warehouse.standard import DATASETS

CATEGORIES = ("刑罚变更执行监督", "监管执法与交付执行监督", "社区矫正监督", "跨部门数据比对")
SEVERITIES = ("高", "中", "低")
ENGINES = ("sql", "python")
PARAM_TYPES = {"int": int, "number": float, "text": str, "bool": bool}
LIBRARY = Path(__file__).parent / "library"


@dataclass(frozen=True)
class LegalBasis:
    """One provision the model rests on; ``verified`` when checked against a packaged
    statute text (documents the kernel does not hold are shown, but not verified)."""

    document: str
    article: int | None
    paragraph: int | None
    text: str
    verified: bool

    def __str__(self) -> str:
        if self.document in DOCUMENTS and self.article is not None:
            return str(Citation(self.document, self.article, self.paragraph))
        where = f"第{self.article}条" if self.article is not None else ""
        return f"{self.document}{where}（未经法规原文核对）"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any
    description: str


@dataclass(frozen=True)
class ModelTest:
    name: str
    as_of: str
    given: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelSpec:
    id: str
    name: str
    category: str
    severity: str
    description: str
    legal_basis: tuple[LegalBasis, ...]
    inputs: tuple[str, ...]
    params: tuple[Param, ...]
    key: tuple[str, ...]
    evidence: dict[str, str]  # field -> Chinese label
    message: str
    tests: tuple[ModelTest, ...]
    engine: str
    sql: str
    version: str
    folder: Path

    def param_values(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        values = {p.name: p.default for p in self.params}
        for name, value in (overrides or {}).items():
            values[name] = self.coerce_param(name, value)
        return values

    def coerce_param(self, name: str, value: Any) -> Any:
        """A parameter value of the declared type, from a string on the command line."""
        declared = {p.name: p for p in self.params}
        if name not in declared:
            known = "、".join(declared) or "无"
            raise ModelError(f"模型 {self.id} 没有参数 {name}（可用参数：{known}）")
        kind = PARAM_TYPES[declared[name].type]
        if isinstance(value, str) and kind is bool:
            return value.lower() in ("true", "1", "是", "yes")
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise ModelError(
                f"模型 {self.id} 的参数 {name} 应为 {declared[name].type}：{value}"
            ) from None


def _require(data: dict[str, Any], key: str, model: str) -> Any:
    if data.get(key) in (None, "", [], {}):
        raise ModelError(f"模型 {model} 的 yml 缺少 {key}")
    return data[key]


def _choice(data: dict[str, Any], key: str, model: str, allowed: tuple[str, ...]) -> str:
    value = _require(data, key, model)
    if value not in allowed:
        raise ModelError(f"模型 {model} 的 {key} “{value}” 无效，应为：{'、'.join(allowed)}")
    return str(value)


def _legal_basis(items: Any, model: str) -> tuple[LegalBasis, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少法律依据（legal_basis）")
    result = []
    for item in items:
        if not isinstance(item, dict) or not item.get("document") or not item.get("text"):
            raise ModelError(f"模型 {model} 的每条法律依据须写明 document 和 text")
        result.append(_basis(item, model))
    return tuple(result)


def _basis(item: dict[str, Any], model: str) -> LegalBasis:
    document = str(item["document"])
    article = item.get("article")
    paragraph = item.get("paragraph")
    text = str(item["text"]).strip()
    if document not in DOCUMENTS:
        return LegalBasis(document, article, paragraph, text, verified=False)
    if not isinstance(article, int):
        raise ModelError(f"模型 {model} 引用《{document}》须写明条号（article，整数）")
    for fragment in (part.strip() for part in text.split("……")):
        if not fragment:
            continue
        problems = citation_exists(Citation(document, article, paragraph, quote=fragment))
        if problems:
            raise ModelError(f"模型 {model} 的法律依据有误：{problems[0]}")
    return LegalBasis(document, article, paragraph, text, verified=True)


def _params(items: Any, model: str) -> tuple[Param, ...]:
    if items is None:
        return ()
    if not isinstance(items, dict):
        raise ModelError(f"模型 {model} 的 params 应为 {{名称: {{default, type, description}}}}")
    params = []
    for name, spec in items.items():
        if not isinstance(spec, dict) or "default" not in spec or not spec.get("description"):
            raise ModelError(f"模型 {model} 的参数 {name} 须写明 default 和 description")
        kind = str(spec.get("type", "int"))
        if kind not in PARAM_TYPES:
            raise ModelError(f"模型 {model} 的参数 {name} 类型无效：{kind}")
        params.append(Param(str(name), kind, spec["default"], str(spec["description"])))
    return tuple(params)


def _tests(items: Any, model: str) -> tuple[ModelTest, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少测试（tests）：至少一条命中和一条合法的近似情形")
    tests = []
    for item in items:
        if not isinstance(item, dict) or "given" not in item or "expect" not in item:
            raise ModelError(f"模型 {model} 的每条测试须有 given 和 expect")
        tests.append(
            ModelTest(
                name=str(item.get("name", "")),
                as_of=str(item.get("as_of", "")),
                given=dict(item["given"] or {}),
                expect=list(item["expect"] or []),
                params=dict(item.get("params") or {}),
            )
        )
    return tuple(tests)


def load_spec(yml_path: Path) -> ModelSpec:
    """Read and validate one model; ModelError (Chinese) names the model and the problem."""
    model = yml_path.stem
    try:
        data = yaml.safe_load(yml_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ModelError(f"模型 {model} 的 yml 无法解析：{error}") from None
    if not isinstance(data, dict) or data.get("id") != model:
        raise ModelError(f"模型 {model} 的 yml 中 id 应与文件名一致")
    engine = str(data.get("engine", "sql"))
    if engine not in ENGINES:
        raise ModelError(f"模型 {model} 的 engine 应为 sql 或 python")
    sql_path = yml_path.with_suffix(".sql")
    sql = sql_path.read_text(encoding="utf-8") if engine == "sql" and sql_path.exists() else ""
    if engine == "sql" and not sql.strip():
        raise ModelError(f"模型 {model} 缺少 SQL 文件 {sql_path.name}")
    spec = ModelSpec(
        id=model,
        name=str(_require(data, "name", model)),
        category=_choice(data, "category", model, CATEGORIES),
        severity=_choice(data, "severity", model, SEVERITIES),
        description=str(_require(data, "description", model)),
        legal_basis=_legal_basis(data.get("legal_basis"), model),
        inputs=_inputs(data.get("inputs"), model),
        params=_params(data.get("params"), model),
        key=tuple(str(k) for k in _require(data, "key", model)),
        evidence={str(k): str(v) for k, v in _require(data, "evidence", model).items()},
        message=str(_require(data, "message", model)),
        tests=_tests(data.get("tests"), model),
        engine=engine,
        sql=sql,
        version=_version(yml_path, sql),
        folder=yml_path.parent,
    )
    _check_message(spec)
    if engine == "sql":
        check_sql(spec.sql, spec.id, spec.inputs)
    return spec


def _inputs(items: Any, model: str) -> tuple[str, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少 inputs（读取的数据集）")
    unknown = [name for name in items if name not in DATASETS]
    if unknown:
        raise ModelError(
            f"模型 {model} 的 inputs 中有数据标准以外的数据集：{'、'.join(map(str, unknown))}"
        )
    return tuple(str(name) for name in items)


def _check_message(spec: ModelSpec) -> None:
    import string

    fields = {name for _, name, _, _ in string.Formatter().parse(spec.message) if name}
    missing = fields - set(spec.evidence) - {"name", "id_number", "facility_code"}
    if missing:
        raise ModelError(
            f"模型 {spec.id} 的 message 引用了证据中没有的字段：{'、'.join(sorted(missing))}"
        )
    for key in spec.key:
        if key not in spec.evidence:
            raise ModelError(f"模型 {spec.id} 的 key 字段 {key} 须出现在 evidence 中")


def _version(yml_path: Path, sql: str) -> str:
    digest = hashlib.sha256(yml_path.read_bytes())
    digest.update(sql.encode("utf-8"))
    python = yml_path.with_suffix(".py")
    if python.exists():
        digest.update(python.read_bytes())
    return digest.hexdigest()[:16]


def load_library(folder: Path = LIBRARY) -> list[ModelSpec]:
    """Every model under ``folder`` (``<category>/<model_id>.yml``), sorted by id."""
    specs = [load_spec(path) for path in sorted(folder.glob("*/*.yml"))]
    ids = [spec.id for spec in specs]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ModelError(f"模型编号重复：{'、'.join(sorted(duplicates))}")
    return sorted(specs, key=lambda s: s.id)

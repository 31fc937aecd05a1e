"""A supervision model's specification: ``<model_id>.yml`` beside ``<model_id>.sql``.

The loader refuses a model whose yml is incomplete or malformed, whose SQL is not one
sandboxed SELECT, whose inputs are not datasets of the standard, whose message names a
field the evidence lacks, or whose statute citations do not match the statute text. Its
errors are Chinese and name the file.

The packaged library (``LIBRARY``) may hold Python models (``engine: python``, a static
registry in ``zhijian.supervision.engine``); a user's model — from a folder of their own
(``load_library(folder, user=True)``) or uploaded in the web (``parse_spec``) — may only
be SQL: no code is ever loaded from outside the package.
"""

from __future__ import annotations

import hashlib
import re
import string
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
# A model id names its files, its page (/library/<id>/) and its leads.
MODEL_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
# A parameter is bound in SQL as $name and named on the command line as ID.name.
PARAM_NAME = re.compile(r"[a-z_][a-z0-9_]{0,63}")
# Subject fields a message may name besides the evidence.
SUBJECT_FIELDS = ("name", "id_number", "facility_code")


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
    folder: Path | None  # None for a model that has no folder (uploaded in the web)

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
        return _coerce(declared[name].type, value, f"模型 {self.id} 的参数 {name}")


def _coerce(kind: str, value: Any, what: str) -> Any:
    target = PARAM_TYPES[kind]
    if isinstance(value, str) and target is bool:
        return value.lower() in ("true", "1", "是", "yes")
    if target is not str and isinstance(value, list | dict | tuple | set):
        raise ModelError(f"{what} 应为 {kind}：{value}")
    try:
        return target(value)
    except (TypeError, ValueError, OverflowError):
        raise ModelError(f"{what} 应为 {kind}：{value}") from None


def _require(data: dict[str, Any], key: str, model: str) -> Any:
    if data.get(key) in (None, "", [], {}):
        raise ModelError(f"模型 {model} 的 yml 缺少 {key}")
    return data[key]


def _text(data: dict[str, Any], key: str, model: str) -> str:
    value = _require(data, key, model)
    if isinstance(value, dict | list):
        raise ModelError(f"模型 {model} 的 {key} 应为一段文字")
    return str(value)


def _choice(data: dict[str, Any], key: str, model: str, allowed: tuple[str, ...]) -> str:
    value = _require(data, key, model)
    if not isinstance(value, str) or value not in allowed:
        raise ModelError(f"模型 {model} 的 {key} “{value}” 无效，应为：{'、'.join(allowed)}")
    return value


def _names(data: dict[str, Any], key: str, model: str) -> tuple[str, ...]:
    """A required list of names (``inputs``, ``key``)."""
    value = _require(data, key, model)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ModelError(f"模型 {model} 的 {key} 应为名称的列表，例如 [change_id]")
    return tuple(value)


def _legal_basis(items: Any, model: str) -> tuple[LegalBasis, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少法律依据（legal_basis）")
    result = []
    for item in items:
        if not isinstance(item, dict) or not item.get("document") or not item.get("text"):
            raise ModelError(f"模型 {model} 的每条法律依据须写明 document 和 text")
        result.append(_basis(item, model))
    return tuple(result)


def _number(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= limit


def _basis(item: dict[str, Any], model: str) -> LegalBasis:
    document = str(item["document"])
    article = item.get("article")
    paragraph = item.get("paragraph")
    text = str(item["text"]).strip()
    if article is not None and not _number(article, 9999):
        raise ModelError(f"模型 {model} 引用《{document}》的条号（article）应为 1 至 9999 的整数")
    if paragraph is not None and not _number(paragraph, 99):
        raise ModelError(f"模型 {model} 引用《{document}》的款号（paragraph）应为正整数")
    if document not in DOCUMENTS:
        return LegalBasis(document, article, paragraph, text, verified=False)
    if article is None:
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
        if not isinstance(name, str) or not PARAM_NAME.fullmatch(name):
            raise ModelError(f"模型 {model} 的参数名 {name} 无效：只能用小写字母、数字和下划线")
        if not isinstance(spec, dict) or "default" not in spec or not spec.get("description"):
            raise ModelError(f"模型 {model} 的参数 {name} 须写明 default 和 description")
        kind = str(spec.get("type", "int"))
        if kind not in PARAM_TYPES:
            raise ModelError(f"模型 {model} 的参数 {name} 类型无效：{kind}")
        default = _coerce(kind, spec["default"], f"模型 {model} 的参数 {name} 的默认值")
        params.append(Param(name, kind, default, str(spec["description"])))
    return tuple(params)


def _rows(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, dict) for row in value)


def _tests(items: Any, model: str, key: tuple[str, ...]) -> tuple[ModelTest, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少测试（tests）：至少一条命中和一条合法的近似情形")
    tests = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or "given" not in item or "expect" not in item:
            raise ModelError(f"模型 {model} 的每条测试须有 given 和 expect")
        label = f"模型 {model} 的第 {number} 条测试"
        given = item["given"] or {}
        if not isinstance(given, dict) or not all(
            isinstance(name, str) and _rows(rows) for name, rows in given.items()
        ):
            raise ModelError(f"{label}的 given 应为 {{数据集: [行, …]}}，每行是 {{字段: 值}}")
        expect = item["expect"] or []
        fields = ("id_number", *key)
        if not _rows(expect) or not all(all(f in hit for f in fields) for hit in expect):
            raise ModelError(f"{label}的 expect 应为命中的列表，每条写明 {'、'.join(fields)}")
        params = item.get("params") or {}
        if not isinstance(params, dict):
            raise ModelError(f"{label}的 params 应为 {{参数名: 值}}")
        tests.append(
            ModelTest(
                name=str(item.get("name", "")),
                as_of=str(item.get("as_of", "")),
                given=dict(given),
                expect=list(expect),
                params=dict(params),
            )
        )
    return tuple(tests)


def parse_spec(
    yml_text: str,
    sql_text: str | None,
    *,
    model: str,
    sql_name: str,
    folder: Path | None = None,
    user: bool = True,
    python_source: bytes = b"",
) -> ModelSpec:
    """Validate one model from the text of its yml (and SQL, None when there is none);
    ``model`` is the id its file name gives. ModelError (Chinese) names the model and
    the problem; ``user`` (a model from outside the packaged library) refuses
    ``engine: python``."""
    try:
        data = yaml.safe_load(yml_text)
    except yaml.YAMLError as error:
        raise ModelError(f"模型 {model} 的 yml 无法解析：{error}") from None
    if not isinstance(data, dict) or data.get("id") != model:
        raise ModelError(f"模型 {model} 的 yml 中 id 应与文件名一致")
    if not MODEL_ID.fullmatch(model):
        raise ModelError(f"模型编号 {model} 无效：只能用小写字母开头，由小写字母、数字和下划线组成")
    engine = _engine(data, model, user)
    sql = (sql_text or "") if engine == "sql" else ""
    if engine == "sql" and not sql.strip():
        raise ModelError(f"模型 {model} 缺少 SQL 文件 {sql_name}")
    key = _names(data, "key", model)
    spec = ModelSpec(
        id=model,
        name=_text(data, "name", model),
        category=_choice(data, "category", model, CATEGORIES),
        severity=_choice(data, "severity", model, SEVERITIES),
        description=_text(data, "description", model),
        legal_basis=_legal_basis(data.get("legal_basis"), model),
        inputs=_inputs(data.get("inputs"), model),
        params=_params(data.get("params"), model),
        key=key,
        evidence=_evidence(data, model),
        message=_text(data, "message", model),
        tests=_tests(data.get("tests"), model, key),
        engine=engine,
        sql=sql,
        version=_version(yml_text.encode("utf-8"), sql, python_source),
        folder=folder,
    )
    _check_message(spec)
    if engine == "sql":
        check_sql(spec.sql, spec.id, spec.inputs)
    return spec


def _engine(data: dict[str, Any], model: str, user: bool) -> str:
    engine = str(data.get("engine", "sql"))
    if engine not in ENGINES:
        raise ModelError(f"模型 {model} 的 engine 应为 sql 或 python")
    if engine == "python" and user:
        raise ModelError(
            f"模型 {model} 的 engine 为 python：用户编写的模型只能用 SQL（不加载任何代码），"
            "请删去 engine 一行并提供 SQL 文件"
        )
    return engine


def load_spec(yml_path: Path, *, user: bool = False) -> ModelSpec:
    """Read and validate one model from its files; ModelError (Chinese) names the file,
    the model and the problem. ``user``: a model of a user's folder (SQL only)."""
    sql_path = yml_path.with_suffix(".sql")
    python_path = yml_path.with_suffix(".py")
    try:
        yml_bytes = yml_path.read_bytes()
        yml_text = yml_bytes.decode("utf-8")
        sql_text = sql_path.read_text(encoding="utf-8") if sql_path.is_file() else None
        python = python_path.read_bytes() if not user and python_path.is_file() else b""
    except UnicodeDecodeError:
        raise ModelError(f"{yml_path}：文件不是 UTF-8 编码，请另存为 UTF-8 后重试") from None
    except OSError as error:
        raise ModelError(f"{yml_path}：无法读取（{error.strerror}）") from None
    try:
        return parse_spec(
            yml_text,
            sql_text,
            model=yml_path.stem,
            sql_name=sql_path.name,
            folder=yml_path.parent,
            user=user,
            python_source=python,
        )
    except ModelError as error:
        raise ModelError(f"{yml_path}：{error}") from None


def _inputs(items: Any, model: str) -> tuple[str, ...]:
    if not isinstance(items, list) or not items:
        raise ModelError(f"模型 {model} 缺少 inputs（读取的数据集）")
    unknown = [str(name) for name in items if not isinstance(name, str) or name not in DATASETS]
    if unknown:
        raise ModelError(f"模型 {model} 的 inputs 中有数据标准以外的数据集：{'、'.join(unknown)}")
    return tuple(items)


def _evidence(data: dict[str, Any], model: str) -> dict[str, str]:
    evidence = _require(data, "evidence", model)
    if not isinstance(evidence, dict):
        raise ModelError(f"模型 {model} 的 evidence 应为 {{字段: 中文名称}}")
    return {str(k): str(v) for k, v in evidence.items()}


def _check_message(spec: ModelSpec) -> None:
    try:
        parsed = list(string.Formatter().parse(spec.message))
    except ValueError as error:
        raise ModelError(f"模型 {spec.id} 的 message 格式有误：{error}") from None
    fields = {name for _, name, _, _ in parsed if name is not None}
    if "" in fields:
        raise ModelError(
            f"模型 {spec.id} 的 message 格式有误：{{}} 中须写明证据字段名，例如 {{name}}"
        )
    missing = fields - set(spec.evidence) - set(SUBJECT_FIELDS)
    if missing:
        raise ModelError(
            f"模型 {spec.id} 的 message 引用了证据中没有的字段：{'、'.join(sorted(missing))}"
        )
    try:  # a message is filled with text: a format it cannot take fails here, not in a run
        spec.message.format(**{name: "—" for name in fields})
    except (ValueError, KeyError, IndexError, AttributeError) as error:
        raise ModelError(f"模型 {spec.id} 的 message 格式有误：{error}") from None
    for key in spec.key:
        if key not in spec.evidence:
            raise ModelError(f"模型 {spec.id} 的 key 字段 {key} 须出现在 evidence 中")


def _version(yml: bytes, sql: str, python: bytes = b"") -> str:
    digest = hashlib.sha256(yml)
    digest.update(sql.encode("utf-8"))
    digest.update(python)
    return digest.hexdigest()[:16]


def model_files(folder: Path) -> list[Path]:
    """The yml files of a library folder: ``<folder>/<id>.yml`` and
    ``<folder>/<any sub-folder>/<id>.yml``, in order; hidden files are left out."""
    found = [*folder.glob("*.yml"), *folder.glob("*/*.yml")]
    return sorted(
        path
        for path in found
        if not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def load_library(folder: Path = LIBRARY, *, user: bool = False) -> list[ModelSpec]:
    """Every model under ``folder`` (``<id>.yml`` with ``<id>.sql``, in the folder itself
    or one sub-folder down), sorted by id. ``user``: a user's own folder, whose models may
    only be SQL, and which must hold at least one model."""
    if user and not folder.is_dir():
        raise ModelError(f"模型文件夹不存在：{folder}")
    paths = model_files(folder)
    if user and not paths:
        raise ModelError(
            f"模型文件夹 {folder} 中没有模型：应为 <编号>.yml 与 <编号>.sql，"
            "放在该文件夹中或其下一层的子文件夹中"
        )
    specs = [load_spec(path, user=user) for path in paths]
    seen: dict[str, Path] = {}
    for spec, path in zip(specs, paths, strict=True):
        if spec.id in seen:
            raise ModelError(f"模型编号重复：{spec.id}（{seen[spec.id]} 与 {path}）")
        seen[spec.id] = path
    return sorted(specs, key=lambda s: s.id)

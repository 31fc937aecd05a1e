"""The loader: a user's own folder of models, SQL only; every error names the file; no
malformed yml gets past it as anything but a Chinese ModelError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.supervision.user_models import MODEL_ID, SQL, model_yml, write_model
from zhijian.supervision.errors import ModelError
from zhijian.supervision.spec import LIBRARY, load_library, parse_spec
from zhijian.supervision.testing import run_tests


def test_a_user_folder_holds_models_in_sub_folders_or_flat(tmp_path: Path) -> None:
    write_model(tmp_path, sub="死亡比对")
    write_model(tmp_path, model_id="dead_in_custody_flat", sub="")
    (tmp_path / ".草稿").mkdir()
    (tmp_path / ".草稿" / "hidden.yml").write_text("id: hidden", encoding="utf-8")
    specs = load_library(tmp_path, user=True)
    assert [(s.id, s.engine, s.folder) for s in specs] == [
        (MODEL_ID, "sql", tmp_path / "死亡比对"),
        ("dead_in_custody_flat", "sql", tmp_path),
    ]
    assert [o.passed for o in run_tests(specs[0])] == [True, True]


def test_the_packaged_library_is_unchanged_by_the_user_rules() -> None:
    specs = load_library()
    assert len(specs) == 14
    assert sum(s.engine == "python" for s in specs) == 4
    assert all(s.folder is not None and s.folder.parent == LIBRARY for s in specs)


def test_a_python_model_from_a_user_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "模型"
    folder.mkdir()
    yml = folder / "overdue_release.yml"
    packaged = LIBRARY / "custody" / "overdue_release"
    yml.write_bytes(packaged.with_suffix(".yml").read_bytes())
    (folder / "overdue_release.py").write_bytes(packaged.with_suffix(".py").read_bytes())
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path, user=True)
    assert str(raised.value) == (
        f"{yml}：模型 overdue_release 的 engine 为 python：用户编写的模型只能用 SQL"
        "（不加载任何代码），请删去 engine 一行并提供 SQL 文件"
    )


def test_an_uploaded_python_model_is_refused() -> None:
    with pytest.raises(ModelError, match="engine 为 python：用户编写的模型只能用 SQL"):
        parse_spec(model_yml(engine="python"), SQL, model=MODEL_ID, sql_name=f"{MODEL_ID}.sql")


def test_a_missing_or_empty_folder_says_what_it_should_hold(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path / "没有", user=True)
    assert str(raised.value) == f"模型文件夹不存在：{tmp_path / '没有'}"
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path, user=True)
    assert str(raised.value) == (
        f"模型文件夹 {tmp_path} 中没有模型：应为 <编号>.yml 与 <编号>.sql，"
        "放在该文件夹中或其下一层的子文件夹中"
    )


def test_a_duplicate_id_names_both_files(tmp_path: Path) -> None:
    first = write_model(tmp_path, sub="第一组")
    second = write_model(tmp_path, sub="第二组")
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path, user=True)
    assert str(raised.value) == f"模型编号重复：{MODEL_ID}（{first} 与 {second}）"


def test_a_file_not_in_utf8_names_the_file(tmp_path: Path) -> None:
    yml = write_model(tmp_path)
    yml.write_bytes(model_yml().encode("gbk"))
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path, user=True)
    assert str(raised.value) == f"{yml}：文件不是 UTF-8 编码，请另存为 UTF-8 后重试"


def _edited(**changes: Any) -> str:
    data = yaml.safe_load(model_yml())
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.parametrize(
    ("yml", "sql", "problem"),
    [
        (model_yml(), "", "模型 dead_in_custody 缺少 SQL 文件 dead_in_custody.sql"),
        (model_yml(), "select * from staff", "读取了未在 inputs 中声明的数据集：staff"),
        (model_yml(), "select current_setting('threads')", "不允许调用函数 current_setting"),
        ("id: [", SQL, "模型 dead_in_custody 的 yml 无法解析"),
        ("- 1\n- 2", SQL, "模型 dead_in_custody 的 yml 中 id 应与文件名一致"),
        (_edited(id="another"), SQL, "模型 dead_in_custody 的 yml 中 id 应与文件名一致"),
        (_edited(name=None), SQL, "模型 dead_in_custody 的 yml 缺少 name"),
        (_edited(name={"a": 1}), SQL, "模型 dead_in_custody 的 name 应为一段文字"),
        (_edited(category="其他"), SQL, "模型 dead_in_custody 的 category “其他” 无效"),
        (_edited(inputs=[{"a": 1}]), SQL, "inputs 中有数据标准以外的数据集：{'a': 1}"),
        (_edited(inputs=["_row_issues"]), SQL, "inputs 中有数据标准以外的数据集：_row_issues"),
        (_edited(key="record_id"), SQL, "模型 dead_in_custody 的 key 应为名称的列表"),
        (_edited(evidence=["record_id"]), SQL, "evidence 应为 {字段: 中文名称}"),
        (_edited(message="{name"), SQL, "模型 dead_in_custody 的 message 格式有误"),
        (_edited(message="{}死亡"), SQL, "message 格式有误：{} 中须写明证据字段名，例如 {name}"),
        (_edited(message="{0}死亡"), SQL, "message 引用了证据中没有的字段：0"),
        (_edited(message="{record_id:d}"), SQL, "模型 dead_in_custody 的 message 格式有误"),
        (_edited(message="{staff}"), SQL, "message 引用了证据中没有的字段：staff"),
        (_edited(params={"$x": {"default": 1, "description": "x"}}), SQL, "参数名 $x 无效"),
        (
            _edited(params={"days": {"type": "int", "default": "三十", "description": "天数"}}),
            SQL,
            "模型 dead_in_custody 的参数 days 的默认值 应为 int：三十",
        ),
        (
            _edited(legal_basis=[{"document": "刑法", "article": 0, "text": "x"}]),
            SQL,
            "引用《刑法》的条号（article）应为 1 至 9999 的整数",
        ),
        (
            _edited(legal_basis=[{"document": "刑法", "article": 81, "text": "不存在的话"}]),
            SQL,
            "模型 dead_in_custody 的法律依据有误",
        ),
        (_edited(tests=[{"given": ["deaths"], "expect": []}]), SQL, "第 1 条测试的 given 应为"),
        (
            _edited(tests=[{"given": {}, "expect": [{"id_number": "1"}]}]),
            SQL,
            "第 1 条测试的 expect 应为命中的列表，每条写明 id_number、record_id",
        ),
    ],
)
def test_each_problem_names_the_file_and_the_model(
    tmp_path: Path, yml: str, sql: str, problem: str
) -> None:
    path = tmp_path / f"{MODEL_ID}.yml"
    path.write_text(yml, encoding="utf-8")
    if sql:
        path.with_suffix(".sql").write_text(sql, encoding="utf-8")
    with pytest.raises(ModelError) as raised:
        load_library(tmp_path, user=True)
    message = str(raised.value)
    assert message.startswith(f"{path}：")
    assert problem in message


# Any YAML a user could write: whatever its shape, the loader answers with ModelError
# and a loaded model's tests answer with outcomes.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["id_number", "record_id", "2025-06-30", "deaths", "int", "{name}"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_FIELDS = [
    "name",
    "category",
    "severity",
    "description",
    "legal_basis",
    "inputs",
    "params",
    "key",
    "evidence",
    "message",
    "tests",
    "engine",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(_FIELDS), _values, max_size=4))
def test_malformed_yml_is_a_model_error_never_a_crash(changes: dict[str, Any]) -> None:
    data = yaml.safe_load(model_yml())
    data.update(changes)
    text = yaml.safe_dump(data, allow_unicode=True)
    try:
        spec = parse_spec(text, SQL, model=MODEL_ID, sql_name=f"{MODEL_ID}.sql")
    except ModelError as error:
        assert str(error).startswith(f"模型 {MODEL_ID} ")
        return
    outcomes = run_tests(spec, seconds=10)
    assert len(outcomes) == len(spec.tests)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.dictionaries(
            st.sampled_from(["id_number", "record_id", "status", "admission_date", "x"]),
            _values,
            max_size=4,
        ),
        max_size=3,
    ),
    as_of=st.one_of(st.just("2025-06-30"), st.text(max_size=10)),
)
def test_any_test_data_gives_an_outcome(rows: list[dict[str, Any]], as_of: str) -> None:
    data = yaml.safe_load(model_yml())
    data["tests"] = [
        {"name": "任意", "as_of": as_of, "given": {"custody_records": rows}, "expect": []}
    ]
    spec = parse_spec(
        yaml.safe_dump(data, allow_unicode=True), SQL, model=MODEL_ID, sql_name="x.sql"
    )
    [outcome] = run_tests(spec, seconds=10)
    assert outcome.passed or outcome.detail

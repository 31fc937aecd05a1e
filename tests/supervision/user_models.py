"""A model a 建模人员 writes in a folder of their own: 死亡后仍在押 in a simple form,
with its yml tests. Synthetic people only."""

from __future__ import annotations

from pathlib import Path

MODEL_ID = "dead_in_custody"
MODEL_NAME = "死亡人员仍有在押记录（自建）"
PERSON = "370102198001010016"  # a synthetic ID number with a valid check digit

SQL = """with reported_deaths as (
  select id_number, min(death_date) as death_date
  from deaths
  where death_date < $as_of
  group by id_number
),

held as (
  select record_id, id_number, name, facility_code, admission_date
  from custody_records
  where status = '在押'
),

final as (
  select
    held.id_number,
    held.name,
    held.facility_code,
    {
      'record_id': held.record_id,
      'admission_date': held.admission_date,
      'death_date': reported_deaths.death_date
    } as evidence
  from held
  join reported_deaths
    on reported_deaths.id_number = held.id_number
    and reported_deaths.death_date >= held.admission_date
)

select * from final
"""

_CUSTODY = (
    "{record_id: R1, facility_code: JN-JY01, id_number: '"
    + PERSON
    + "', name: 测试甲, custody_type: 服刑, admission_date: '2020-01-01', status: 在押}"
)
_DEATH = "{id_number: '" + PERSON + "', name: 测试甲, death_date: '2025-01-10', source: 民政火化}"

PASSING_TEST = f"""  - name: 死亡后仍在押
    as_of: "2025-06-30"
    given:
      custody_records:
        - {_CUSTODY}
      deaths:
        - {_DEATH}
    expect:
      - {{id_number: "{PERSON}", record_id: R1, facility_code: JN-JY01}}
  - name: 查询日之后死亡的不列入（近似情形）
    as_of: "2025-01-10"
    given:
      custody_records:
        - {_CUSTODY}
      deaths:
        - {_DEATH}
    expect: []
"""

# A test whose expectation is wrong: the death is after the query date, so there is no hit.
FAILING_TEST = f"""  - name: 预期有误的测试
    as_of: "2024-12-31"
    given:
      custody_records:
        - {_CUSTODY}
      deaths:
        - {_DEATH}
    expect:
      - {{id_number: "{PERSON}", record_id: R1}}
"""


def model_yml(*, failing: bool = False, model_id: str = MODEL_ID, engine: str = "") -> str:
    """The yml of the model; ``failing`` adds a test whose expectation is wrong."""
    return f"""id: {model_id}
name: {MODEL_NAME}
category: 跨部门数据比对
severity: 中
{f"engine: {engine}" if engine else ""}
description: 死亡登记的死亡日期早于查询日、且不早于收押日期，而在押记录仍为“在押”的，列为线索。
legal_basis:
  - document: 刑诉规则
    article: 662
    paragraph: 1
    text: （一）被监管人、被强制医疗人非正常死亡、伤残、脱逃的；
inputs: [deaths, custody_records]
key: [record_id]
evidence:
  record_id: 在押记录编号
  admission_date: 收押日期
  death_date: 死亡日期
message: "{{name}}已于{{death_date}}死亡，但在押记录{{record_id}}（{{admission_date}}收押）仍为在押"
tests:
{PASSING_TEST}{FAILING_TEST if failing else ""}"""


def write_model(
    folder: Path, *, failing: bool = False, model_id: str = MODEL_ID, sub: str = "我的模型"
) -> Path:
    """Write ``<folder>/<sub>/<model_id>.yml`` and ``.sql``; returns the yml's path."""
    target = folder / sub if sub else folder
    target.mkdir(parents=True, exist_ok=True)
    yml = target / f"{model_id}.yml"
    yml.write_text(model_yml(failing=failing, model_id=model_id), encoding="utf-8")
    (target / f"{model_id}.sql").write_text(SQL, encoding="utf-8")
    return yml

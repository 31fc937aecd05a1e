"""Write scope: which rows an uploader may write.

An uploader of a unit writes only the rows that belong to the facilities and regions its
unit supervises; the data standard says for each dataset how a row's unit is found
(``standard.WriteRule``). The command line on the server (scope None) and the 省院
write everything. A row outside the scope is rejected into the quarantine with the
reason, counted as rejected, and never merged; so is a row that would overwrite another
unit's record, and a custody record that would hold a person at an in-scope facility
while another unit's facility holds them (a city cannot pull another city's prisoner
into its own facility and so read their whole file).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from zhijian.warehouse import storage
from zhijian.warehouse.errors import WarehouseError
from zhijian.warehouse.sqltext import sql_identifier, sql_literal
from zhijian.warehouse.standard import DATASETS, Dataset, ScopeKind
from zhijian.warehouse.workspace import Workspace

OUT_OF_SCOPE = "out_of_scope"  # the table of rejected rows: _row, column_name, value, reason


@dataclass(frozen=True)
class WriteScope:
    """What one uploader may write. ``None`` for a set means every one of them."""

    who: str  # shown in the batch log and in reasons, e.g. "wang（青岛市人民检察院）"
    facility_codes: frozenset[str] | None  # None: every facility (the 省院)
    region_prefixes: frozenset[str] | None  # GB/T 2260 prefixes, e.g. {"3702"}; None: all
    province_wide: frozenset[str] = frozenset()  # datasets this uploader may write whole

    def writes_whole(self, dataset: Dataset) -> bool:
        """Whether every row of ``dataset`` is in scope without looking at it."""
        return self.facility_codes is None or dataset.name in self.province_wide


def check_whole_file(dataset: Dataset, scope: WriteScope | None) -> None:
    """Refuse, before anything is read, a province-wide dataset to an uploader who may
    not write it whole."""
    if scope is None or scope.writes_whole(dataset):
        return
    if dataset.write_rule.kind is ScopeKind.PROVINCE:
        raise WarehouseError(
            f"{scope.who}不能导入 {dataset.name}（{dataset.label}）：该数据集为全省参考数据"
            "或其他机关的全省数据，只能由省院或登记为该数据来源的报送单位导入；"
            "请将文件交省院导入"
        )


def reject_out_of_scope(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    dataset: Dataset,
    scope: WriteScope | None,
) -> int:
    """Table ``out_of_scope`` with the accepted rows of ``checked`` the scope does not
    cover, each with its reason; they are marked ``_rejected`` in ``checked``. Returns
    how many."""
    con.execute(
        f"CREATE TABLE {OUT_OF_SCOPE} "
        "(_row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)"
    )
    if scope is None or scope.writes_whole(dataset):
        return 0
    check = _ScopeSql(con, workspace, dataset, scope)
    if check.covers_all:
        return 0
    for sql in check.queries():
        con.execute(f"INSERT INTO {OUT_OF_SCOPE} {sql}")
    found = int(con.execute(f"SELECT count(*) FROM {OUT_OF_SCOPE}").fetchall()[0][0])
    if found:
        con.execute(
            f"UPDATE checked SET _rejected = TRUE WHERE _row IN (SELECT _row FROM {OUT_OF_SCOPE})"
        )
    return found


class _ScopeSql:
    """The queries that find rows outside a scope, over table ``checked``."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        workspace: Workspace,
        dataset: Dataset,
        scope: WriteScope,
    ) -> None:
        self.workspace = workspace
        self.dataset = dataset
        self.scope = scope
        self.rule = dataset.write_rule
        # A linked dataset is decided by the dataset it refers to.
        self.owner_rule = (
            DATASETS[self.rule.linked_to].write_rule
            if self.rule.kind is ScopeKind.LINKED
            else self.rule
        )
        codes = sorted(scope.facility_codes or ())
        con.register("zj_scope_codes", pa.table({"code": pa.array(codes, pa.string())}))
        con.execute("CREATE TEMP TABLE zj_scope_facilities AS SELECT code FROM zj_scope_codes")
        con.unregister("zj_scope_codes")
        facilities = storage.current_files(workspace.table_path("facilities"))
        names = (
            f"SELECT facility_code AS code, name FROM read_parquet({_file_list(facilities)})"
            if facilities
            else "SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS name WHERE FALSE"
        )
        con.execute(f"CREATE TEMP VIEW zj_facility_names AS {names}")

    @property
    def covers_all(self) -> bool:
        return self._in_scope(self.owner_rule.kind, "x") == "TRUE"

    def queries(self) -> list[str]:
        """INSERT sources, each skipping the rows an earlier one already took."""
        found = [self._own_rows()]
        existing = self._existing()
        # A key holding the owning column (prison_accounts: id_number, facility_code,
        # month) matches only rows of the facility just checked: nothing to overwrite.
        owner_in_key = (
            self.rule.kind is not ScopeKind.LINKED and self.rule.column in self.dataset.key
        )
        if existing is not None and not owner_in_key:
            found.append(self._overwrites(existing))
            if self.rule.exclusive_period:
                found.append(self._overlaps(existing))
        return found

    # ------------------------------------------------------------------ the row itself

    def _own_rows(self) -> str:
        column = sql_identifier(self.rule.column)
        owner, joins = self._owner("c", "o")
        describe = self._describe(owner, "n1")
        if self.rule.kind is ScopeKind.LINKED:
            target = DATASETS[self.rule.linked_to]
            label = self.dataset.column(self.rule.column).label
            missing = (
                f"{sql_literal(f'{target.label}（{target.name}）中没有{label} ')} "
                f"|| c.{column} || "
                f"{sql_literal(' 的记录，无法确定所属单位；请先导入该记录')}"
            )
            whose = f"{sql_literal(label + ' ')} || c.{column} || ' 所属的' || {describe}"
            unknown = "o._present IS NULL"
        else:
            missing = sql_literal(f"未填报{self._owner_label()}，无法确定所属单位")
            whose = describe
            unknown = f"c.{column} IS NULL"
        reason = (
            f"CASE WHEN {unknown} THEN {missing} "
            f"WHEN NOT coalesce({self._in_scope(self.owner_rule.kind, owner)}, FALSE) "
            f"THEN {whose} || {self._not_ours('写入')} END"
        )
        return (
            f"SELECT _row, {sql_literal(self.rule.column)}, value, reason FROM ("
            f"SELECT c._row, CAST(c.{column} AS VARCHAR) AS value, {reason} AS reason "
            f"FROM checked c {joins} "
            f"LEFT JOIN zj_facility_names n1 ON n1.code = {owner} "
            f"WHERE NOT c._rejected) WHERE reason IS NOT NULL"
        )

    def _owner(self, row: str, alias: str) -> tuple[str, str]:
        """The SQL naming the owning facility or region of ``row``'s rows, and the joins
        it needs."""
        column = sql_identifier(self.rule.column)
        if self.rule.kind is not ScopeKind.LINKED:
            return f"{row}.{column}", ""
        target = DATASETS[self.rule.linked_to]
        files = storage.current_files(self.workspace.table_path(target.name))
        key = sql_identifier(target.key[0])
        owner = sql_identifier(self.owner_rule.column)
        source = (
            f"SELECT {key} AS _link, {owner} AS _owner, TRUE AS _present "
            f"FROM read_parquet({_file_list(files)})"
            if files
            else "SELECT NULL::VARCHAR AS _link, NULL::VARCHAR AS _owner, "
            "NULL::BOOLEAN AS _present WHERE FALSE"
        )
        return f"{alias}._owner", f"LEFT JOIN ({source}) {alias} ON {alias}._link = {row}.{column}"

    def _owner_label(self) -> str:
        if self.owner_rule.kind is ScopeKind.FACILITY:
            return "场所编码"
        return self.dataset.column(self.rule.column).label

    # ------------------------------------------------------------ rows already stored

    def _existing(self) -> str | None:
        files = storage.current_files(self.workspace.table_path(self.dataset.name))
        return f"read_parquet({_file_list(files)})" if files else None

    def _overwrites(self, existing: str) -> str:
        """Rows whose key names a stored row of another unit."""
        keys = self.dataset.key
        join = " AND ".join(f"e.{sql_identifier(k)} = c.{sql_identifier(k)}" for k in keys)
        owner, joins = self._owner("e", "o")
        unknown = "o._present IS NULL" if self.rule.kind is ScopeKind.LINKED else f"{owner} IS NULL"
        reason = (
            f"CASE WHEN {unknown} THEN '该记录已在数据仓库中但所属单位无法确定，不能改写；"
            "请由省院核实' "
            f"WHEN NOT coalesce({self._in_scope(self.owner_rule.kind, owner)}, FALSE) "
            f"THEN '该记录属于' || {self._describe(owner, 'n1')} || '，' || "
            f"{self._not_ours('改写')} END"
        )
        values = " || '、' || ".join(f"CAST(c.{sql_identifier(k)} AS VARCHAR)" for k in keys)
        return (
            f"SELECT _row, {sql_literal('、'.join(keys))}, value, reason FROM ("
            f"SELECT c._row, {values} AS value, {reason} AS reason "
            f"FROM checked c JOIN {existing} e ON {join} {joins} "
            f"LEFT JOIN zj_facility_names n1 ON n1.code = {owner} "
            f"WHERE NOT c._rejected AND c._row NOT IN (SELECT _row FROM {OUT_OF_SCOPE})"
            ") WHERE reason IS NOT NULL"
        )

    def _overlaps(self, existing: str) -> str:
        """Rows placing a person at an in-scope facility while another unit's facility
        holds them: one person cannot be held in two places at once."""
        person, start, end = (sql_identifier(name) for name in self.rule.exclusive_period)
        owner = f"e.{sql_identifier(self.rule.column)}"
        same_key = " AND ".join(
            f"e.{sql_identifier(k)} IS NOT DISTINCT FROM c.{sql_identifier(k)}"
            for k in self.dataset.key
        )
        record = " || '、'  || ".join(
            f"CAST(e.{sql_identifier(k)} AS VARCHAR)" for k in self.dataset.key
        )
        reason = (
            f"'该人员同期在' || {self._describe(owner, 'n1')} || '羁押（记录 ' || {record} || "
            f"'，' || strftime(e.{start}, '%Y-%m-%d') || '起），一人不能同时在两地羁押；"
            "请由省院或该场所的监督单位核实'"
        )
        return (
            f"SELECT c._row, {sql_literal(self.rule.exclusive_period[0])}, "
            f"CAST(c.{person} AS VARCHAR), {reason} "
            f"FROM checked c JOIN {existing} e ON e.{person} = c.{person} "
            f"LEFT JOIN zj_facility_names n1 ON n1.code = {owner} "
            f"WHERE NOT c._rejected AND c._row NOT IN (SELECT _row FROM {OUT_OF_SCOPE}) "
            f"AND NOT ({same_key}) "
            f"AND NOT coalesce({self._in_scope(ScopeKind.FACILITY, owner)}, FALSE) "
            f"AND e.{start} < coalesce(c.{end}, DATE 'infinity') "
            f"AND c.{start} < coalesce(e.{end}, DATE 'infinity') "
            f"QUALIFY row_number() OVER (PARTITION BY c._row ORDER BY e.{start}) = 1"
        )

    # ----------------------------------------------------------------------- helpers

    def _in_scope(self, kind: ScopeKind, owner: str) -> str:
        """SQL: whether the facility or region ``owner`` is in scope ("TRUE" when every
        one is)."""
        if kind is ScopeKind.FACILITY:
            if self.scope.facility_codes is None:
                return "TRUE"
            return f"{owner} IN (SELECT code FROM zj_scope_facilities)"
        if self.scope.region_prefixes is None:
            return "TRUE"
        prefixes = sorted(self.scope.region_prefixes)
        tests = [f"starts_with({owner}, {sql_literal(p)})" for p in prefixes]
        return f"({' OR '.join(tests)})" if tests else "FALSE"

    def _describe(self, owner: str, names: str) -> str:
        """SQL naming a facility (with its name when the warehouse knows it) or a region."""
        if self.owner_rule.kind is ScopeKind.FACILITY:
            return f"'场所 ' || {owner} || coalesce('（' || {names}.name || '）', '')"
        return f"'执行地（区划 ' || {owner} || '）'"

    def _not_ours(self, verb: str) -> str:
        place = "该场所" if self.owner_rule.kind is ScopeKind.FACILITY else "该地区"
        return sql_literal(
            f"不在{self.scope.who}的监督范围内，不能{verb}；"
            f"如确需{verb}，请由省院或{place}的监督单位导入"
        )


def _file_list(files: list[str]) -> str:
    return "[" + ", ".join(sql_literal(f) for f in files) + "]"


__all__ = ["WriteScope", "check_whole_file", "reject_out_of_scope"]

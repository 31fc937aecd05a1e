"""Where a prisoner's sentence stands before the proposal: the form of the penalty now,
the fixed term and its end, the last reduction.

Day-counting choices (docs/law.md, "计算口径"):
- 死刑缓期执行的期间从判决确定之日起计算（刑法第五十一条）; its 期满之日 is taken as the
  corresponding day two years after the effective date, the first day no longer in
  the suspension. A fixed term after a death-suspended sentence runs from that day
  (刑法第五十一条); a life sentence after it is taken to run from it too.
- A fixed term after 无期徒刑 runs from the ruling date (刑法第八十条).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from zhijian.law.errors import LawInputError
from zhijian.law.rules.case import CONVERSIONS_TO_FIXED, Case, Change
from zhijian.law.terms import MonthEnd, ReductionMethod, apply_reductions, corresponding_day

FIXED = "有期徒刑"
LIFE = "无期徒刑"
DEATH_SUSPENDED = "死刑缓期二年执行"


@dataclass(frozen=True)
class Options:
    """The disputed counting conventions, chosen by the caller (terms.py explains them)."""

    month_end: MonthEnd = MonthEnd.ROLLOVER
    reduction_method: ReductionMethod = ReductionMethod.RESTART


@dataclass(frozen=True)
class State:
    """The sentence as it stands after every change in the history."""

    form: str  # the penalty now: 有期徒刑, 无期徒刑 or 死刑缓期二年执行
    suspension_end: date | None  # 死缓期满之日 (original death-suspended sentences)
    life_start: date | None  # when the life sentence began to run
    fixed_start: date | None  # when the current fixed term began to run
    fixed_months: int | None  # its length as imposed or converted, before reductions
    credit_days: int  # pre-trial detention credited against the fixed term
    reductions: tuple[int, ...]  # months taken off the fixed term so far
    last_change: Change | None  # the latest reduction ruling of any kind
    converted_by: Change | None  # the ruling that turned a life/death sentence into a fixed term
    options: Options

    def term_end(self, extra_reduction: int = 0) -> date | None:
        """The fixed term's end, after one more reduction of ``extra_reduction`` months."""
        if self.fixed_start is None or self.fixed_months is None:
            return None
        steps = [*self.reductions, extra_reduction] if extra_reduction else list(self.reductions)
        return apply_reductions(
            self.fixed_start,
            self.fixed_months,
            steps,
            credit_days=self.credit_days,
            month_end=self.options.month_end,
            method=self.options.reduction_method,
        )


def build_state(case: Case, options: Options) -> State:
    """Replay the history on the original sentence; LawInputError if it does not fit."""
    suspension_end = None
    if case.penalty == DEATH_SUSPENDED:
        suspension_end = corresponding_day(case.judgment_effective_date, 24, options.month_end)
    state = State(
        form=case.penalty,
        suspension_end=suspension_end,
        life_start=case.execution_start_date if case.penalty == LIFE else None,
        fixed_start=case.execution_start_date if case.penalty == FIXED else None,
        fixed_months=case.term_months,
        credit_days=case.pretrial_detention_days if case.penalty == FIXED else 0,
        reductions=(),
        last_change=None,
        converted_by=None,
        options=options,
    )
    for change in case.history:
        state = _apply(state, change)
    return state


def _apply(state: State, change: Change) -> State:
    if change.type == "死缓减为无期徒刑":
        if state.form != DEATH_SUSPENDED:
            raise LawInputError("历史记录有误：只有死刑缓期执行才能减为无期徒刑")
        return replace(state, form=LIFE, life_start=state.suspension_end, last_change=change)
    if change.type in CONVERSIONS_TO_FIXED:
        return _convert_to_fixed(state, change)
    if state.form != FIXED:
        raise LawInputError(f"历史记录有误：{state.form}须先减为有期徒刑，才能按月减刑")
    months = change.months or 0
    return replace(state, reductions=(*state.reductions, months), last_change=change)


def _convert_to_fixed(state: State, change: Change) -> State:
    if change.type == "死缓减为有期徒刑":
        if state.form != DEATH_SUSPENDED:
            raise LawInputError("历史记录有误：死缓减为有期徒刑只适用于死刑缓期执行")
        start = state.suspension_end  # 刑法第五十一条
    else:
        if state.form != LIFE:
            raise LawInputError("历史记录有误：无期减为有期徒刑只适用于无期徒刑")
        start = change.decision_date  # 刑法第八十条
    return replace(
        state,
        form=FIXED,
        fixed_start=start,
        fixed_months=change.new_term_months,
        credit_days=0,
        reductions=(),
        last_change=change,
        converted_by=change,
    )

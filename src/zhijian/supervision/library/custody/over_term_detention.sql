with stages as (
  select * from detention_stages
),

timed as (
  -- 死刑复核 and 精神病鉴定 have no statutory deadline (deadline is null) and never hit.
  select *
  from stages
  where deadline is not null
    and deadline < $as_of
    and stage_start <= $as_of
),

next_stages as (
  -- The first later stage of the same detention: a 换押 to the next procedural stage, an
  -- approved extension or a recalculation.
  select
    timed.stage_id,
    min(later.stage_start) as next_stage_start
  from timed
  inner join stages as later
    on later.detention_id = timed.detention_id
    and later.stage_start > timed.stage_start
  group by timed.stage_id
),

with_next as (
  select
    timed.*,
    next_stages.next_stage_start
  from timed
  left join next_stages on next_stages.stage_id = timed.stage_id
),

overdue as (
  -- Held past the deadline in this stage: the stage did not end by its deadline, and no
  -- later stage began on or before the day after it.
  select
    *,
    least(
      coalesce(stage_end, $as_of),
      coalesce(next_stage_start - 1, $as_of),
      $as_of
    ) as overdue_until
  from with_next
  where coalesce(stage_end, $as_of) > deadline
    and (next_stage_start is null or next_stage_start > deadline + 1)
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'stage_id': stage_id,
      'detention_id': detention_id,
      'case_number': case_number,
      'handling_agency': handling_agency,
      'stage': stage,
      'stage_start': stage_start,
      'deadline': deadline,
      'stage_end': stage_end,
      'next_stage_start': next_stage_start,
      'overdue_until': overdue_until,
      'days_overdue': date_diff('day', deadline, overdue_until)
    } as evidence
  from overdue
)

select * from final

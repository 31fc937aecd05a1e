with reported_deaths as (
  select * from deaths
  where death_date < $as_of
),

open_custody as (
  select * from custody_records
  where status = '在押'
),

open_corrections as (
  -- 脱管 does not end corrections either (社区矫正法第四十五条: death does).
  select * from community_corrections
  where status in ('在矫', '脱管')
),

supervised as (
  select
    record_id as record,
    '在押记录' as record_kind,
    id_number,
    name,
    facility_code,
    '在押' as supervision,
    custody_type as supervision_type,
    admission_date as supervised_since
  from open_custody
  union all
  select
    case_id as record,
    '社区矫正案件' as record_kind,
    id_number,
    name,
    cast(null as varchar) as facility_code,
    status as supervision,
    correction_type as supervision_type,
    coalesce(start_date, registration_date, decision_effective_date) as supervised_since
  from open_corrections
),

matched as (
  -- The earliest death any source reports on or after the person came under supervision.
  select
    supervised.*,
    reported_deaths.death_date,
    reported_deaths.source as death_source,
    reported_deaths.place as death_place,
    count(*) over (partition by supervised.record_kind, supervised.record) as death_sources,
    row_number() over (
      partition by supervised.record_kind, supervised.record
      order by reported_deaths.death_date, reported_deaths.source
    ) as death_rank
  from supervised
  inner join reported_deaths
    on reported_deaths.id_number = supervised.id_number
    and reported_deaths.death_date >= supervised.supervised_since
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'record': record,
      'record_kind': record_kind,
      'supervision': supervision,
      'supervision_type': supervision_type,
      'supervised_since': supervised_since,
      'death_date': death_date,
      'death_source': death_source,
      'death_place': death_place,
      'death_sources': death_sources,
      'days_since_death': date_diff('day', death_date, $as_of)
    } as evidence
  from matched
  where death_rank = 1
)

select * from final

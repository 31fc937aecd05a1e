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

agencies as (
  -- The county's 社区矫正机构, whose facility code scopes the lead to the procuratorate
  -- that supervises it; a county without one leaves the hit's facility code empty.
  select region_code, min(facility_code) as facility_code
  from facilities
  where facility_type = '社区矫正机构'
  group by region_code
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
    open_corrections.case_id as record,
    '社区矫正案件' as record_kind,
    open_corrections.id_number,
    open_corrections.name,
    agencies.facility_code,
    open_corrections.status as supervision,
    open_corrections.correction_type as supervision_type,
    coalesce(
      open_corrections.start_date,
      open_corrections.registration_date,
      open_corrections.decision_effective_date
    ) as supervised_since
  from open_corrections
  left join agencies on agencies.region_code = open_corrections.agency_region_code
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

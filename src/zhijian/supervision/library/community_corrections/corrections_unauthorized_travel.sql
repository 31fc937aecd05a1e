with travel as (
  select
    *,
    cast(event_time as date) as event_date
  from travel_records
  where record_type in ('铁路', '民航', '住宿')
),

cases as (
  select * from community_corrections
),

agencies as (
  -- The county's 社区矫正机构, whose facility code scopes the lead to the procuratorate
  -- that supervises it; a county without one leaves the hit's facility code empty.
  select region_code, min(facility_code) as facility_code
  from facilities
  where facility_type = '社区矫正机构'
  group by region_code
),

approvals as (
  select * from correction_events
  where event_type = '外出批准'
),

case_periods as (
  -- A case runs from the start of corrections to its end: the 期满日 while the person is
  -- still 在矫 (or 脱管), else the day the status changed, whichever comes first.
  select
    case_id,
    id_number,
    correction_type,
    agency_region_code,
    coalesce(start_date, registration_date) as period_start,
    case
      when status in ('在矫', '脱管') then end_date
      else least(coalesce(status_date, end_date), coalesce(end_date, status_date))
    end as period_end
  from cases
),

travel_in_corrections as (
  select
    travel.*,
    case_periods.case_id,
    case_periods.correction_type,
    case_periods.agency_region_code,
    row_number() over (
      partition by travel.record_id
      order by case_periods.period_start desc, case_periods.case_id
    ) as case_rank
  from travel
  inner join case_periods
    on case_periods.id_number = travel.id_number
    and travel.event_date >= case_periods.period_start
    and (case_periods.period_end is null or travel.event_date <= case_periods.period_end)
  where travel.event_date <= $as_of
),

away as (
  -- 离开所居住的市、县 compared at county level: another county of the same city counts.
  select *
  from travel_in_corrections
  where case_rank = 1
    and substr(region_code, 1, 6) <> substr(agency_region_code, 1, 6)
),

approved_areas as (
  -- An approval names a county, a city (xxxx00) or a province (xx0000); an approval
  -- without a destination covers anywhere.
  select
    case_id,
    event_date as leave_start,
    coalesce(end_date, event_date) as leave_end,
    destination_region_code,
    case
      when destination_region_code is null then ''
      when substr(destination_region_code, 3, 4) = '0000' then substr(destination_region_code, 1, 2)
      when substr(destination_region_code, 5, 2) = '00' then substr(destination_region_code, 1, 4)
      else substr(destination_region_code, 1, 6)
    end as destination_prefix
  from approvals
),

covered as (
  select distinct away.record_id
  from away
  inner join approved_areas
    on approved_areas.case_id = away.case_id
    and away.event_date >= approved_areas.leave_start
    and away.event_date <= approved_areas.leave_end
    and substr(away.region_code, 1, length(approved_areas.destination_prefix))
      = approved_areas.destination_prefix
),

final as (
  select
    away.id_number,
    away.name,
    agencies.facility_code,
    {
      'record_id': away.record_id,
      'record_type': away.record_type,
      'event_time': away.event_time,
      'region_code': away.region_code,
      'detail': away.detail,
      'case_id': away.case_id,
      'correction_type': away.correction_type,
      'agency_region_code': away.agency_region_code
    } as evidence
  from away
  left join covered on covered.record_id = away.record_id
  left join agencies on agencies.region_code = away.agency_region_code
  where covered.record_id is null
)

select * from final

with agencies as (
  -- The county's 社区矫正机构, whose facility code scopes the lead to the procuratorate
  -- that supervises it; a county without one leaves the hit's facility code empty.
  select region_code, min(facility_code) as facility_code
  from facilities
  where facility_type = '社区矫正机构'
  group by region_code
),

cases as (
  select *
  from community_corrections
  where correction_type in ('管制', '缓刑', '假释')
    and decision_effective_date <= $as_of
),

deadlines as (
  -- 自生效之日起十日内：the effective day is not counted; a Saturday or Sunday
  -- deadline moves to the next Monday.
  select
    *,
    decision_effective_date + cast($days as integer) as plain_deadline
  from cases
),

adjusted as (
  select
    *,
    case isodow(plain_deadline)
      when 6 then plain_deadline + 2
      when 7 then plain_deadline + 1
      else plain_deadline
    end as deadline
  from deadlines
),

late as (
  select *
  from adjusted
  where coalesce(registration_date, $as_of) > deadline
),

handled as (
  select distinct case_id
  from correction_events
  where event_type in ('训诫', '警告')
),

final as (
  select
    late.id_number,
    late.name,
    agencies.facility_code,
    {
      'case_id': late.case_id,
      'correction_type': late.correction_type,
      'decision_effective_date': late.decision_effective_date,
      'deadline': late.deadline,
      'registration_date': late.registration_date,
      'days_late': coalesce(late.registration_date, $as_of) - late.deadline
    } as evidence
  from late
  left join handled on handled.case_id = late.case_id
  left join agencies on agencies.region_code = late.agency_region_code
  where handled.case_id is null
)

select * from final

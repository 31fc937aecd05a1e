with measures as (
  select * from enforcement_measures
  where measure_type in ('刑事拘留', '逮捕', '行政拘留', '强制隔离戒毒')
    and start_date <= $as_of
),

cases as (
  select * from community_corrections
),

proposals as (
  select * from correction_events
  where event_type in ('提请撤销缓刑', '提请撤销假释', '提请收监')
),

agencies as (
  -- The county's 社区矫正机构, whose facility code scopes the lead to the procuratorate
  -- that supervises it; a county without one leaves the hit's facility code empty.
  select region_code, min(facility_code) as facility_code
  from facilities
  where facility_type = '社区矫正机构'
  group by region_code
),

case_periods as (
  -- A case runs from the start of corrections to its end: the 期满日 while the person is
  -- still 在矫 (or 脱管), else the day the status changed, whichever comes first.
  select
    cases.case_id,
    cases.id_number,
    cases.correction_type,
    cases.agency_region_code,
    agencies.facility_code as agency_facility_code,
    coalesce(cases.start_date, cases.registration_date) as period_start,
    case
      when cases.status in ('在矫', '脱管') then cases.end_date
      else least(
        coalesce(cases.status_date, cases.end_date),
        coalesce(cases.end_date, cases.status_date)
      )
    end as period_end
  from cases
  left join agencies on agencies.region_code = cases.agency_region_code
),

during_corrections as (
  select
    measures.*,
    case_periods.case_id,
    case_periods.correction_type,
    case_periods.agency_region_code,
    case_periods.agency_facility_code,
    case_periods.period_end,
    measures.start_date + cast($proposal_days as integer) as proposal_deadline,
    row_number() over (
      partition by measures.record_id
      order by case_periods.period_start desc, case_periods.case_id
    ) as case_rank
  from measures
  inner join case_periods
    on case_periods.id_number = measures.id_number
    and measures.start_date >= case_periods.period_start
    and (case_periods.period_end is null or measures.start_date <= case_periods.period_end)
),

proposed as (
  select distinct during_corrections.record_id
  from during_corrections
  inner join proposals
    on proposals.case_id = during_corrections.case_id
    and proposals.event_date >= during_corrections.start_date
    and proposals.event_date <= during_corrections.proposal_deadline
),

flagged as (
  select
    during_corrections.*,
    coalesce(during_corrections.notified_corrections_agency, false) = false as is_unnotified,
    -- Opt-in: a 暂予监外执行 person detained or arrested whose case went on past the
    -- deadline without a 收监 proposal. For 缓刑 and 假释 a new crime is revoked by the
    -- court that tries it (社区矫正法第四十六条第二款), so no proposal is expected.
    (
      cast($check_proposal as boolean)
      and during_corrections.correction_type = '暂予监外执行'
      and during_corrections.measure_type in ('刑事拘留', '逮捕')
      and during_corrections.proposal_deadline < $as_of
      and (
        during_corrections.period_end is null
        or during_corrections.period_end > during_corrections.proposal_deadline
      )
      and proposed.record_id is null
    ) as is_unproposed
  from during_corrections
  left join proposed on proposed.record_id = during_corrections.record_id
  where during_corrections.case_rank = 1
),

final as (
  select
    id_number,
    name,
    -- A 社区矫正监督 lead goes to the procuratorate that supervises the corrections
    -- agency; the facility holding the person only when the county has no agency on file.
    coalesce(agency_facility_code, facility_code) as facility_code,
    {
      'record_id': record_id,
      'measure_type': measure_type,
      'start_date': start_date,
      'end_date': end_date,
      'agency': agency,
      'offence': offence,
      'notified_corrections_agency': notified_corrections_agency,
      'case_id': case_id,
      'correction_type': correction_type,
      'agency_region_code': agency_region_code,
      'findings': case
        when is_unnotified and is_unproposed
          then '有关机关未通知社区矫正机构；社区矫正机构至' || cast(proposal_deadline as varchar)
            || '未提请收监执行'
        when is_unnotified then '有关机关未通知社区矫正机构'
        else '社区矫正机构至' || cast(proposal_deadline as varchar) || '未提请收监执行'
      end
    } as evidence
  from flagged
  where is_unnotified or is_unproposed
)

select * from final

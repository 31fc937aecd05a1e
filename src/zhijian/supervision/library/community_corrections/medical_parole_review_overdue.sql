with cases as (
  select * from community_corrections
  where correction_type = '暂予监外执行'
    and status = '在矫'
    and coalesce(start_date, registration_date) <= $as_of
),

changes as (
  select change_id, medical_reason from sentence_changes
),

reviews as (
  select * from medical_reviews
  where review_date <= $as_of
),

proposals as (
  select * from correction_events
  where event_type = '提请收监'
),

agencies as (
  -- The county's 社区矫正机构, whose facility code scopes the lead to the procuratorate
  -- that supervises it; a county without one leaves the hit's facility code empty.
  select region_code, min(facility_code) as facility_code
  from facilities
  where facility_type = '社区矫正机构'
  group by region_code
),

medical_parole as (
  -- 保外就医 only: a 暂予监外执行 granted for 怀孕, 哺乳 or 生活不能自理 has no medical
  -- reviews to submit. A case whose reason is not recorded is kept.
  select
    cases.*,
    changes.medical_reason,
    coalesce(cases.start_date, cases.registration_date) as period_start,
    agencies.facility_code
  from cases
  left join changes on changes.change_id = cases.change_id
  left join agencies on agencies.region_code = cases.agency_region_code
  where changes.medical_reason is null or changes.medical_reason = '严重疾病'
),

case_reviews as (
  select
    medical_parole.case_id,
    reviews.review_id,
    reviews.review_date,
    reviews.hospital,
    reviews.designated_hospital,
    reviews.conclusion,
    row_number() over (
      partition by medical_parole.case_id
      order by reviews.review_date desc, reviews.review_id desc
    ) as review_rank
  from medical_parole
  inner join reviews
    on reviews.id_number = medical_parole.id_number
    and reviews.review_date >= medical_parole.period_start
),

with_latest as (
  select
    medical_parole.*,
    case_reviews.review_date as last_review_date,
    case_reviews.hospital as last_review_hospital,
    case_reviews.designated_hospital as last_review_designated,
    case_reviews.conclusion as last_review_conclusion,
    coalesce(case_reviews.review_date, medical_parole.period_start) as review_base
  from medical_parole
  left join case_reviews
    on case_reviews.case_id = medical_parole.case_id
    and case_reviews.review_rank = 1
),

due as (
  -- 每三个月: the next review is due on the corresponding day three months after the
  -- last one (or after the start), or on the last day of a month that has no such day
  -- (民法典第二百零三条; DuckDB's date + interval clamps to the month's end alike).
  select
    *,
    cast(review_base + cast($months as integer) * interval 1 month as date) as review_due
  from with_latest
),

proposed as (
  select distinct due.case_id
  from due
  inner join proposals
    on proposals.case_id = due.case_id
    and proposals.event_date >= due.last_review_date
    and proposals.event_date <= $as_of
),

flagged as (
  select
    due.*,
    due.review_due < $as_of as is_overdue,
    coalesce(due.last_review_conclusion = '情形消失', false) and proposed.case_id is null
      as is_ceased
  from due
  left join proposed on proposed.case_id = due.case_id
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'case_id': case_id,
      'medical_reason': medical_reason,
      'period_start': period_start,
      'last_review_date': last_review_date,
      'last_review_hospital': last_review_hospital,
      'last_review_designated': last_review_designated,
      'last_review_conclusion': last_review_conclusion,
      'review_due': review_due,
      'findings': case
        when is_ceased
          then '最近一次病情复查（' || cast(last_review_date as varchar)
            || '）结论为情形消失，未提请收监'
            || case
              when is_overdue
                then '，且应不晚于' || cast(review_due as varchar) || '再次复查而逾期未复查'
              else ''
            end
        when last_review_date is null
          then '矫正开始后未提交病情复查情况，应不晚于' || cast(review_due as varchar)
            || '复查，已逾期'
        else '最近一次病情复查为' || cast(last_review_date as varchar) || '，应不晚于'
          || cast(review_due as varchar) || '再次复查，已逾期'
      end
    } as evidence
  from flagged
  where is_overdue or is_ceased
)

select * from final

with payments as (
  select
    *,
    cast(month || '-01' as date) as month_start,
    last_day(cast(month || '-01' as date)) as month_end
  from benefit_payments
),

custody as (
  select * from custody_records
  where custody_type in ('服刑', '留所服刑')
    and admission_date <= $as_of
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

custody_periods as (
  select
    record_id,
    facility_code,
    id_number,
    admission_date,
    least(coalesce(release_date, $as_of), $as_of) as held_until
  from custody
),

custody_ordered as (
  -- A transfer between prisons (移押) closes one record and opens the next the same or the
  -- following day: such records form one uninterrupted sentence (a "spell").
  select
    *,
    max(held_until) over (
      partition by id_number
      order by admission_date, record_id
      rows between unbounded preceding and 1 preceding
    ) as previous_held_until
  from custody_periods
),

custody_numbered as (
  select
    *,
    sum(
      case
        when previous_held_until is null or admission_date > previous_held_until + 1 then 1
        else 0
      end
    ) over (
      partition by id_number
      order by admission_date, record_id
      rows between unbounded preceding and current row
    ) as spell_number
  from custody_ordered
),

custody_spells as (
  select
    id_number,
    spell_number,
    min(admission_date) as spell_start,
    max(held_until) as spell_end
  from custody_numbered
  group by id_number, spell_number
),

spell_facilities as (
  -- The facility of the spell's latest record.
  select
    id_number,
    spell_number,
    facility_code,
    record_id,
    row_number() over (
      partition by id_number, spell_number
      order by admission_date desc, record_id desc
    ) as latest
  from custody_numbered
),

imprisoned_payments as (
  -- 发放 of a pension, 低保 or 特困 support for a month that lies wholly inside a custodial sentence;
  -- the month in which custody began (unless it began on the 1st) is lawful.
  select
    payments.id_number,
    payments.name,
    spell_facilities.facility_code,
    payments.benefit_type,
    payments.month,
    payments.kind,
    payments.amount_yuan,
    payments.paying_region_code,
    'custody:' || spell_facilities.record_id as basis,
    '服刑' as basis_type,
    custody_spells.spell_start as period_start,
    custody_spells.spell_end as period_end
  from payments
  inner join custody_spells
    on custody_spells.id_number = payments.id_number
    and payments.month_start >= custody_spells.spell_start
    and payments.month_end <= custody_spells.spell_end
  inner join spell_facilities
    on spell_facilities.id_number = custody_spells.id_number
    and spell_facilities.spell_number = custody_spells.spell_number
    and spell_facilities.latest = 1
  where payments.kind = '发放'
    and payments.benefit_type in (
      '城镇职工基本养老金',
      '城乡居民基本养老金',
      '机关事业单位养老金',
      '最低生活保障金',
      '特困人员供养金'
    )
),

correction_periods as (
  select
    case_id,
    id_number,
    correction_type,
    agency_region_code,
    coalesce(start_date, registration_date) as period_start,
    least(
      case
        when status in ('在矫', '脱管') then coalesce(end_date, $as_of)
        else least(coalesce(status_date, end_date), coalesce(end_date, status_date))
      end,
      $as_of
    ) as period_end
  from cases
),

adjusted_payments as (
  -- 基数调整 of a pension for a month that lies wholly inside community corrections.
  select
    payments.id_number,
    payments.name,
    agencies.facility_code,
    payments.benefit_type,
    payments.month,
    payments.kind,
    payments.amount_yuan,
    payments.paying_region_code,
    'corrections:' || correction_periods.case_id as basis,
    correction_periods.correction_type as basis_type,
    correction_periods.period_start,
    correction_periods.period_end
  from payments
  inner join correction_periods
    on correction_periods.id_number = payments.id_number
    and payments.month_start >= correction_periods.period_start
    and payments.month_end <= correction_periods.period_end
  left join agencies on agencies.region_code = correction_periods.agency_region_code
  where payments.kind = '基数调整'
    and payments.benefit_type in ('城镇职工基本养老金', '城乡居民基本养老金', '机关事业单位养老金')
),

hits as (
  select * from imprisoned_payments
  union all
  select * from adjusted_payments
),

distinct_hits as (
  select
    *,
    row_number() over (
      partition by id_number, benefit_type, month, kind
      order by period_start desc, basis
    ) as hit_rank
  from hits
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'benefit_type': benefit_type,
      'month': month,
      'kind': kind,
      'amount_yuan': amount_yuan,
      'paying_region_code': paying_region_code,
      'basis': basis,
      'basis_type': basis_type,
      'period_start': period_start,
      'period_end': period_end,
      'findings': case
        when kind = '发放' then '服刑期间应暂停发放而仍发放'
        else '社区矫正期间不应参与调整而调整了待遇'
      end
    } as evidence
  from distinct_hits
  where hit_rank = 1
)

select * from final

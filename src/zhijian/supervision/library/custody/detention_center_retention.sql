with custody as (
  select * from custody_records
),

detention_centres as (
  select facility_code
  from facilities
  where facility_type = '看守所'
),

sentences as (
  select judgment_id, principal_penalty, term_end
  from judgments
),

notified as (
  -- A 看守所 record with an execution notice is a convicted prisoner, whatever the record
  -- is still typed: 留所服刑 or 服刑, or 未决羁押 until the prisoner is delivered.
  select custody.*
  from custody
  inner join detention_centres on detention_centres.facility_code = custody.facility_code
  where custody.custody_type in ('服刑', '留所服刑', '未决羁押')
    and custody.execution_notice_date is not null
    and custody.execution_notice_date <= $as_of
),

with_sentence as (
  select
    notified.*,
    sentences.principal_penalty,
    coalesce(notified.current_term_end, sentences.term_end) as term_end,
    cast(notified.execution_notice_date + interval 3 month as date) as three_months_on,
    -- 自接到执行通知书后三十日以内: the day of the notice is not counted, and a
    -- prisoner's deadline is not extended for holidays (刑事诉讼法第一百零五条).
    notified.execution_notice_date + cast($delivery_days as integer) as delivery_deadline,
    least(coalesce(notified.release_date, $as_of), $as_of) as held_until
  from notified
  left join sentences on sentences.judgment_id = notified.judgment_id
),

three_month_limit as (
  -- A remaining term of three months counted from the notice date ends the day before
  -- the corresponding day three months later, or on the last day of a shorter month
  -- that has no corresponding day (民法典第二百零三条). Ending on that day or earlier
  -- is 三个月以下 (刑法第九十九条: 以下包括本数) and the 看守所 may keep the prisoner.
  select
    *,
    case
      when extract(day from three_months_on) < extract(day from execution_notice_date)
        then three_months_on
      else three_months_on - 1
    end as three_month_term_end
  from with_sentence
),

must_deliver as (
  select *
  from three_month_limit
  where principal_penalty in ('死刑缓期二年执行', '无期徒刑')
    or (
      coalesce(principal_penalty, '有期徒刑') = '有期徒刑'
      and term_end > three_month_term_end
    )
),

flagged as (
  -- Kept to serve the sentence in the 看守所 (留所服刑, or typed 服刑) although it must be
  -- served in a prison: unlawful from the start (刑诉规则第六百五十九条第一项). Awaiting
  -- delivery (未决羁押): unlawful once the thirty days have run (第六百二十五条第二项).
  select
    *,
    custody_type in ('留所服刑', '服刑') as is_retained
  from must_deliver
  where custody_type in ('留所服刑', '服刑')
    or held_until > delivery_deadline
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'record_id': record_id,
      'custody_type': custody_type,
      'principal_penalty': coalesce(principal_penalty, '有期徒刑'),
      'grounds': case
        when principal_penalty in ('死刑缓期二年执行', '无期徒刑')
          then '被判处' || principal_penalty || '，应当送交监狱执行'
        else '余刑超过三个月（刑期止日晚于' || cast(three_month_term_end as varchar)
          || '），应当送交监狱执行'
      end,
      'findings': case
        when is_retained then '看守所将其' || custody_type
        else '应不晚于' || cast(delivery_deadline as varchar) || '送交监狱，至'
          || cast(held_until as varchar) || '仍羁押在看守所'
      end,
      'execution_notice_date': execution_notice_date,
      'term_end': term_end,
      'three_month_term_end': three_month_term_end,
      'delivery_deadline': delivery_deadline,
      'release_date': release_date,
      'release_reason': release_reason,
      'held_until': held_until,
      'days_held': date_diff('day', execution_notice_date, held_until)
    } as evidence
  from flagged
)

select * from final

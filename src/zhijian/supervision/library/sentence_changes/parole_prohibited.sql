with paroles as (
  select *
  from sentence_changes
  where change_type = '假释'
    and decision_date <= $as_of
),

sentences as (
  select *
  from judgments
),

violent as (
  select
    judgment_id,
    (
      list_contains(crimes, '故意杀人罪')
      or list_contains(crimes, '强奸罪')
      or list_contains(crimes, '抢劫罪')
      or list_contains(crimes, '绑架罪')
      or list_contains(crimes, '放火罪')
      or list_contains(crimes, '爆炸罪')
      or list_contains(crimes, '投放危险物质罪')
    ) as has_violent_crime
  from sentences
),

barred as (
  select
    paroles.change_id,
    paroles.id_number,
    paroles.name,
    paroles.facility_code,
    paroles.decision_date,
    sentences.judgment_id,
    sentences.crimes,
    sentences.principal_penalty,
    sentences.term_months,
    sentences.recidivist,
    case
      when sentences.life_without_parole then '被判处终身监禁'
      when sentences.recidivist then '累犯'
      when violent.has_violent_crime
        and sentences.principal_penalty in ('无期徒刑', '死刑缓期二年执行')
        then '因严重暴力犯罪被判处' || sentences.principal_penalty
      when violent.has_violent_crime
        and sentences.principal_penalty = '有期徒刑'
        and sentences.term_months >= $min_term_months
        then '因严重暴力犯罪被判处十年以上有期徒刑'
      when sentences.life_without_parole is null
        and sentences.principal_penalty = '死刑缓期二年执行'
        and (list_contains(sentences.crimes, '贪污罪') or list_contains(sentences.crimes, '受贿罪'))
        then '被判处死刑缓期执行的贪污、受贿罪犯，而终身监禁未知（来源数据无此项），须核实判决是否决定终身监禁'
    end as reason,
    case
      when sentences.life_without_parole then '是'
      when not sentences.life_without_parole then '否'
      else '未知（来源数据无此项）'
    end as life_without_parole
  from paroles
  join sentences on sentences.judgment_id = paroles.judgment_id
  join violent on violent.judgment_id = sentences.judgment_id
),

final as (
  select
    id_number,
    name,
    facility_code,
    {
      'change_id': change_id,
      'judgment_id': judgment_id,
      'crimes': crimes,
      'principal_penalty': principal_penalty,
      'term_months': term_months,
      'recidivist': recidivist,
      'decision_date': decision_date,
      'life_without_parole': life_without_parole,
      'reason': reason
    } as evidence
  from barred
  where reason is not null
)

select * from final

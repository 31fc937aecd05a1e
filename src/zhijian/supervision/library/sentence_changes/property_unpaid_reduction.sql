with changes as (
  select
    *,
    coalesce(proposal_date, decision_date) as proposed_on
  from sentence_changes
  where change_type in ('减刑', '假释')
    and decision_date <= $as_of
    and coalesce(basis, '') not like '%重大立功%'
),

unpaid as (
  select
    judgment_id,
    sum(coalesce(amount_due_yuan, 0) - coalesce(amount_paid_yuan, 0)) as unpaid_yuan
  from property_judgments
  where status in ('未执行', '部分执行')
  group by judgment_id
),

windows as (
  select
    changes.change_id,
    strftime(changes.proposed_on - to_months(cast($months as integer)), '%Y-%m') as first_month,
    strftime(changes.proposed_on, '%Y-%m') as proposal_month
  from changes
),

spending as (
  select
    windows.change_id,
    sum(accounts.spend_yuan) / cast($months as double) as average_spend_yuan,
    max_by(accounts.balance_yuan, accounts.month) as balance_yuan
  from windows
  join changes on changes.change_id = windows.change_id
  join prison_accounts accounts
    on accounts.id_number = changes.id_number
    and accounts.month >= windows.first_month
    and accounts.month < windows.proposal_month
  group by windows.change_id
),

final as (
  select
    changes.id_number,
    changes.name,
    changes.facility_code,
    {
      'change_id': changes.change_id,
      'change_type': changes.change_type,
      'proposal_date': changes.proposed_on,
      'decision_date': changes.decision_date,
      'unpaid_yuan': unpaid.unpaid_yuan,
      'average_spend_yuan': round(spending.average_spend_yuan, 2),
      'balance_yuan': spending.balance_yuan
    } as evidence
  from changes
  join unpaid on unpaid.judgment_id = changes.judgment_id
  join spending on spending.change_id = changes.change_id
  where unpaid.unpaid_yuan > 0
    and (
      spending.average_spend_yuan >= $monthly_spend_yuan
      or spending.balance_yuan >= unpaid.unpaid_yuan
    )
)

select * from final

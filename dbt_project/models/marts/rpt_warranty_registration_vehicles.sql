{#- Every VIN in a warranty-registration denominator (invoice months of the output grid;
    period_label is the invoice month, period_year the invoice year), with whether it is
    in the numerator and why. -#}

with vehicles as (

    select *
    from {{ ref('int_warranty_registrations_matched') }}

),

months as (

    select distinct month_index, period_label
    from {{ ref('int_dealer_months_spined') }}

),

dealers as (

    select dealer_code, region
    from {{ ref('dim_dealers') }}

),

periods as (

    {#- the label the dashboards filter on: "(暂定) <period>" while the period is provisional #}
    select distinct period_label, period_choice
    from {{ ref('rpt_regional_rankings') }}
    where period_grain = 'month'

),

flag_labels as (

    select code, label_zh
    from {{ ref('ui_labels') }}
    where domain = 'flag'

)

select
    vehicles.home_dealer_code as dealer_code,
    dealers.region,
    months.period_label,
    vehicles.invoice_year as period_year,
    vehicles.vin,
    vehicles.invoice_date,
    vehicles.delivery_date,
    vehicles.deadline_date,
    vehicles.registration_id,
    vehicles.submitted_at,
    vehicles.days_after_reference,
    vehicles.is_registered_by_other_dealer,
    vehicles.other_dealer_code,
    vehicles.in_numerator,
    flag_labels.label_zh as in_numerator_zh,
    coalesce(periods.period_choice, months.period_label) as view_choice,
    vehicles.reason
from vehicles
inner join months
    on vehicles.invoice_month_index = months.month_index
left join dealers
    on vehicles.home_dealer_code = dealers.dealer_code
left join periods
    on months.period_label = periods.period_label
left join flag_labels
    on flag_labels.code = case when vehicles.in_numerator then 'true' else 'false' end

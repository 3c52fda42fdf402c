{#- Feed health per dealer x feed, from the ingestion control tables. The reference
    date is the last ledger finish (the last ingestion run), so a rebuild of old data
    gives the same answer. A period's file is due on the first day of the next month;
    a dealer is late on a feed when its last loaded period is before the network's
    latest period for that feed. Sales feeds are not expected from service-only outlets,
    and no feed is expected from a closed dealer. -#}

with dealers as (

    select dealer_code, region, outlet_type, closed_on
    from {{ ref('dim_dealers') }}

),

feeds as (

    select 'vehicle_sales' as feed, true as is_sales_feed
    union all select 'repair_orders', false
    union all select 'warranty_registrations', true
    union all select 'warranty_claims', false
    union all select 'survey_responses', false
    union all select 'complaints', false

),

ledger as (

    select *
    from {{ ref('stg_lake__file_ledger') }}

),

as_of as (

    select cast(max(finished_at) as date) as as_of_date
    from ledger

),

network_latest as (

    select feed, max(source_period) as network_last_period
    from ledger
    where status in ('loaded', 'skipped', 'released')
    group by feed

),

latest_files as (

    select
        dealer_code,
        feed,
        file_path,
        source_period,
        row_number() over (partition by dealer_code, feed order by source_period desc, finished_at desc) as file_rank
    from ledger
    where status in ('loaded', 'skipped', 'released')

),

totals as (

    select
        dealer_code,
        feed,
        sum(rows_read) as rows_read,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        sum(rows_duplicate) as rows_duplicate,
        sum(case when status = 'held' then 1 else 0 end) as held_batches,
        sum(case when status = 'rejected' then 1 else 0 end) as rejected_batches
    from ledger
    where status <> 'skipped'
    group by dealer_code, feed

),

reason_counts as (

    select
        dealer_code,
        feed,
        rule_id,
        count(*) as row_count
    from {{ ref('stg_lake__quarantine') }}
    group by dealer_code, feed, rule_id

),

reason_ranks as (

    select
        reason_counts.*,
        row_number() over (partition by dealer_code, feed order by row_count desc, rule_id) as reason_rank
    from reason_counts

),

top_reasons as (

    select
        dealer_code,
        feed,
        {{ dbt.listagg(dbt.concat(['rule_id', "' ('", 'cast(row_count as ' ~ dbt.type_string() ~ ')', "')'"]), "'; '", 'order by reason_rank') }} as top_quarantine_reasons
    from reason_ranks
    where reason_rank <= 3
    group by dealer_code, feed

),

gx as (

    select
        dealer_code,
        feed,
        {{ safe_divide('sum(case when is_success then 1 else 0 end)', 'count(*)') }} as gx_pass_rate
    from {{ ref('stg_lake__gx_results') }}
    group by dealer_code, feed

),

alerts as (

    select dealer_code, feed, count(*) as late_feed_alerts
    from {{ ref('stg_lake__feed_alerts') }}
    where kind = 'late_feed'
    group by dealer_code, feed

),

combined as (

    select
        dealers.dealer_code,
        dealers.region,
        feeds.feed,
        (
            dealers.closed_on is null
            and not (feeds.is_sales_feed and dealers.outlet_type = 'service_only')
        ) as is_expected,
        latest_files.file_path as last_file,
        latest_files.source_period as last_period,
        network_latest.network_last_period,
        as_of.as_of_date,
        case
            when latest_files.source_period is not null
                then {{ month_start_from_index(month_index_from_label('latest_files.source_period') ~ ' + 2') }}
        end as next_file_due_on,
        coalesce(totals.rows_read, 0) as rows_read,
        coalesce(totals.rows_loaded, 0) as rows_loaded,
        coalesce(totals.rows_quarantined, 0) as rows_quarantined,
        coalesce(totals.rows_duplicate, 0) as rows_duplicate,
        top_reasons.top_quarantine_reasons,
        gx.gx_pass_rate,
        coalesce(totals.held_batches, 0) as held_batches,
        coalesce(totals.rejected_batches, 0) as rejected_batches,
        coalesce(alerts.late_feed_alerts, 0) as late_feed_alerts
    from dealers
    cross join feeds
    cross join as_of
    left join network_latest
        on feeds.feed = network_latest.feed
    left join latest_files
        on dealers.dealer_code = latest_files.dealer_code
        and feeds.feed = latest_files.feed
        and latest_files.file_rank = 1
    left join totals
        on dealers.dealer_code = totals.dealer_code
        and feeds.feed = totals.feed
    left join top_reasons
        on dealers.dealer_code = top_reasons.dealer_code
        and feeds.feed = top_reasons.feed
    left join gx
        on dealers.dealer_code = gx.dealer_code
        and feeds.feed = gx.feed
    left join alerts
        on dealers.dealer_code = alerts.dealer_code
        and feeds.feed = alerts.feed

)

select
    dealer_code,
    region,
    feed,
    is_expected,
    last_file,
    last_period,
    network_last_period,
    as_of_date,
    case
        when is_expected and last_period < network_last_period and as_of_date > next_file_due_on
            then {{ dbt.datediff('next_file_due_on', 'as_of_date', 'day') }}
        when is_expected and last_period < network_last_period
            then 0
    end as days_late,
    coalesce(is_expected and network_last_period is not null and (last_period is null or last_period < network_last_period), false) as is_late,
    rows_read,
    rows_loaded,
    rows_quarantined,
    rows_duplicate,
    {{ safe_divide('rows_quarantined', 'rows_read') }} as quarantine_share,
    top_quarantine_reasons,
    gx_pass_rate,
    held_batches,
    rejected_batches,
    late_feed_alerts
from combined

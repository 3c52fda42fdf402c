{#- Feed health per dealer x feed: the one definition (docs/data-quality.md, "Feed health"),
    read by the feed-health dashboard and by `aftersales health`.

    - Every file counts once, by its latest processing: the last ledger entry of its path
      that is not a skipped re-run. A held file later released, a reprocessed file and a
      corrected resend under the same name each count once, with their latest outcome.
    - The reference date is the data's last day: the last day of the latest period landed
      by any dealer (not the clock of the machine that ran the build).
    - A period's file is due `grace_days` after the period's last day (the feed contract's
      freshness, per-dealer overrides in expectations/freshness.yaml, both via the generated
      seed feed_freshness). The next file expected is the period after the last file
      received (any outcome: a refused file arrived and is counted as refused); a dealer that
      never sent the feed owes it from the feed's first period in the network, not before
      it opened. The dealer is late when that file is past due on the reference date.
      Nothing is due after a closed dealer's closing month, nor a sales feed from a
      service-only outlet, nor a feed with cadence none. -#}

with dealers as (

    select dealer_code, region, region_zh, outlet_type, opened_on, closed_on
    from {{ ref('dim_dealers') }}

),

feed_rules as (

    select feed, cadence, grace_days, expected_from
    from {{ ref('feed_freshness') }}
    where dealer_code is null

),

dealer_rules as (

    select dealer_code, feed, cadence, grace_days
    from {{ ref('feed_freshness') }}
    where dealer_code is not null

),

processed as (

    select
        *,
        row_number() over (
            partition by file_path order by finished_at desc, started_at desc
        ) as recency
    from {{ ref('stg_lake__file_ledger') }}
    where status <> 'skipped'
        and dealer_code is not null
        and feed is not null
        and source_period is not null

),

files as (

    select
        *,
        status in ('loaded', 'released') as is_landed,
        {{ month_index_from_label('source_period') }} as period_index
    from processed
    where recency = 1

),

as_of as (

    select {{ month_end_from_index('max(period_index)') }} as as_of_date
    from files
    where is_landed

),

network_first as (

    select feed, min(period_index) as first_period_index
    from files
    group by feed

),

received as (

    select
        dealer_code,
        feed,
        count(*) as files_received,
        max(case when is_landed then source_period end) as last_period,
        max(source_period) as last_received_period,
        max(period_index) as last_received_index,
        cast(sum(rows_read) as {{ dbt.type_bigint() }}) as rows_read,
        cast(sum(rows_loaded) as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(sum(rows_quarantined) as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(sum(rows_duplicate) as {{ dbt.type_bigint() }}) as rows_duplicate,
        cast(sum(case when status = 'held' then 1 else 0 end) as {{ dbt.type_bigint() }}) as held_batches,
        cast(sum(case when status = 'rejected' then 1 else 0 end) as {{ dbt.type_bigint() }}) as rejected_batches
    from files
    group by dealer_code, feed

),

landed_ranks as (

    select
        dealer_code,
        feed,
        file_path,
        row_number() over (
            partition by dealer_code, feed order by source_period desc, finished_at desc
        ) as landed_rank
    from files
    where is_landed

),

last_landed as (

    select dealer_code, feed, file_path
    from landed_ranks
    where landed_rank = 1

),

gx as (

    {#- the expectations of each file's latest gate run (the run of its latest outcome) #}
    select
        files.dealer_code,
        files.feed,
        {{ safe_divide('sum(case when gx_results.is_success then 1 else 0 end)', 'count(*)') }} as gx_pass_rate
    from files
    inner join {{ ref('stg_lake__gx_results') }} as gx_results
        on files.file_path = gx_results.file_path
        and files.run_id = gx_results.run_id
    group by files.dealer_code, files.feed

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

    {#- rules by their Chinese label (seed ui_labels, domain rule), the rule id otherwise #}
    select
        reason_counts.*,
        coalesce(rule_labels.label_zh, reason_counts.rule_id) as rule_label,
        row_number() over (partition by dealer_code, feed order by row_count desc, rule_id) as reason_rank
    from reason_counts
    left join {{ ref('ui_labels') }} as rule_labels
        on rule_labels.domain = 'rule'
        and reason_counts.rule_id = rule_labels.code

),

top_reasons as (

    select
        dealer_code,
        feed,
        {{ dbt.listagg(dbt.concat(['rule_label', "' ('", 'cast(row_count as ' ~ dbt.type_string() ~ ')', "')'"]), "'; '", 'order by reason_rank') }} as top_quarantine_reasons
    from reason_ranks
    where reason_rank <= 3
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
        dealers.region_zh,
        feed_rules.feed,
        coalesce(dealer_rules.cadence, feed_rules.cadence) as cadence,
        coalesce(dealer_rules.grace_days, feed_rules.grace_days) as grace_days,
        not (feed_rules.expected_from = 'sales_outlets' and dealers.outlet_type = 'service_only') as is_outlet_expected,
        {{ month_index('dealers.closed_on') }} as closed_index,
        dealers.closed_on,
        case
            when received.last_received_index is not null
                then received.last_received_index + 1
            when network_first.first_period_index is not null
                then greatest(
                    network_first.first_period_index,
                    coalesce({{ month_index('dealers.opened_on') }}, network_first.first_period_index)
                )
        end as next_index,
        coalesce(received.files_received, 0) as files_received,
        last_landed.file_path as last_file,
        received.last_period,
        received.last_received_period,
        as_of.as_of_date,
        coalesce(received.rows_read, 0) as rows_read,
        coalesce(received.rows_loaded, 0) as rows_loaded,
        coalesce(received.rows_quarantined, 0) as rows_quarantined,
        coalesce(received.rows_duplicate, 0) as rows_duplicate,
        top_reasons.top_quarantine_reasons,
        gx.gx_pass_rate,
        coalesce(received.held_batches, 0) as held_batches,
        coalesce(received.rejected_batches, 0) as rejected_batches,
        coalesce(alerts.late_feed_alerts, 0) as late_feed_alerts
    from dealers
    cross join feed_rules
    cross join as_of
    left join network_first
        on feed_rules.feed = network_first.feed
    {#- the per dealer x feed rules and figures (at most one row each) #}
    {%- for per_dealer_feed in ['dealer_rules', 'received', 'last_landed', 'top_reasons', 'gx', 'alerts'] %}
    left join {{ per_dealer_feed }}
        on dealers.dealer_code = {{ per_dealer_feed }}.dealer_code
        and feed_rules.feed = {{ per_dealer_feed }}.feed
    {%- endfor %}

),

due as (

    select
        combined.*,
        (closed_on is null and is_outlet_expected and cadence <> 'none') as is_expected,
        (
            is_outlet_expected
            and cadence <> 'none'
            and next_index is not null
            and (closed_index is null or next_index <= closed_index)
        ) as is_next_expected,
        {{ period_label_from_index('next_index') }} as next_period,
        {{ add_days(month_end_from_index('next_index'), 'grace_days') }} as next_file_due_on
    from combined

)

select
    dealer_code,
    region,
    feed,
    is_expected,
    files_received,
    last_file,
    last_period,
    last_received_period,
    case when is_next_expected then next_period end as next_period,
    case when is_next_expected then next_file_due_on end as next_file_due_on,
    grace_days,
    as_of_date,
    case
        when is_next_expected and next_file_due_on < as_of_date
            then {{ dbt.datediff('next_file_due_on', 'as_of_date', 'day') }}
        else 0
    end as days_late,
    coalesce(is_next_expected and next_file_due_on < as_of_date, false) as is_late,
    rows_read,
    rows_loaded,
    rows_quarantined,
    rows_duplicate,
    {{ safe_divide('rows_quarantined', 'rows_read') }} as quarantine_share,
    top_quarantine_reasons,
    gx_pass_rate,
    held_batches,
    rejected_batches,
    late_feed_alerts,
    region_zh,
    coalesce(feed_labels.label_zh, feed) as feed_zh,
    late_labels.label_zh as is_late_zh
from due
left join {{ ref('ui_labels') }} as feed_labels
    on feed_labels.domain = 'feed'
    and due.feed = feed_labels.code
left join {{ ref('ui_labels') }} as late_labels
    on late_labels.domain = 'flag'
    and late_labels.code = case when due.is_next_expected and due.next_file_due_on < due.as_of_date then 'true' else 'false' end

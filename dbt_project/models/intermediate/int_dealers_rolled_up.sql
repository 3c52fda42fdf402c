{#- Follows successor chains (A -> B -> C): a dealer hands its sales-based KPIs to its
    successor when it is closed and names a successor that is in the master. Built with
    a fixed number of self-joins rather than recursive SQL (portable, unit-testable). -#}
{%- set max_depth = var('successor_max_depth') -%}

with dealers as (

    select
        dealer_code,
        closed_on,
        successor_dealer_code
    from {{ ref('stg_lake__dealers') }}

),

hops as (

    select
        dealer.dealer_code,
        case when dealer.closed_on is not null then successor.dealer_code end as next_dealer_code
    from dealers as dealer
    left join dealers as successor
        on dealer.successor_dealer_code = successor.dealer_code

),

chained as (

    select
        hop_0.dealer_code,
        {% for i in range(max_depth) -%}
        hop_{{ i }}.next_dealer_code as step_{{ i + 1 }}{{ ',' if not loop.last }}
        {% endfor %}
    from hops as hop_0
    {% for i in range(1, max_depth) -%}
    left join hops as hop_{{ i }}
        on hop_{{ i }}.dealer_code = hop_{{ i - 1 }}.next_dealer_code
    {% endfor %}

)

select
    dealer_code,
    coalesce(
        {% for i in range(max_depth, 0, -1) -%}
        step_{{ i }},
        {% endfor -%}
        dealer_code
    ) as rolled_up_dealer_code,
    (
        {% for i in range(1, max_depth + 1) -%}
        case when step_{{ i }} is not null then 1 else 0 end{{ ' +' if not loop.last }}
        {% endfor %}
    ) as successor_chain_length
from chained

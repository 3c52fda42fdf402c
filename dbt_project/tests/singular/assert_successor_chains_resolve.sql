-- Every roll-up must end at a dealer that does not itself hand over to a successor
-- (a chain longer than successor_max_depth, or a cycle, fails here).
select rolled.dealer_code, rolled.rolled_up_dealer_code
from {{ ref('int_dealers_rolled_up') }} as rolled
inner join {{ ref('stg_lake__dealers') }} as final_dealer
    on rolled.rolled_up_dealer_code = final_dealer.dealer_code
inner join {{ ref('stg_lake__dealers') }} as successor
    on final_dealer.successor_dealer_code = successor.dealer_code
where final_dealer.closed_on is not null

{#- Every complaint case with its timeliness flags (intermediate model) and its dealer's
    region. -#}

select
    complaints.*,
    dealers.region
from {{ ref('int_complaints_timeliness_evaluated') }} as complaints
{{ join_dealer('complaints') }}

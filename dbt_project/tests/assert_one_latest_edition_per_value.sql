-- A value has at most one latest row, and exactly one when an edition of the metric's current method
-- reports it (a value only an older method reports has none: no latest series splices two methods).
select metric, data_year, geo_code, count(*) filter (where is_latest_edition) as latest_rows
from {{ ref('fct_indicator_values') }}
group by metric, data_year, geo_code
having count(*) filter (where is_latest_edition) > 1
    or (count(*) filter (where is_latest_edition) = 0 and bool_or(is_current_method))

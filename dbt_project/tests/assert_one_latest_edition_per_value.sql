-- A value reported by several editions has exactly one latest row.
select metric, data_year, geo_code, count(*) filter (where is_latest_edition) as latest_rows
from {{ ref('fct_indicator_values') }}
group by metric, data_year, geo_code
having count(*) filter (where is_latest_edition) <> 1

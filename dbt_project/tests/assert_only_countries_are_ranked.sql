-- Aggregates are never ranked; every country is.
select metric, edition, data_year, geo_code, geo_kind, rank_in_year
from {{ ref('fct_indicator_values') }}
where (geo_kind = 'country') <> (rank_in_year is not null)

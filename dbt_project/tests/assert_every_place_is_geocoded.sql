-- An unmapped place name is an error that names it: edition, file, row and the place as written.
select edition, source_file, source_row_number, geo_grouping, place_as_written
from {{ ref('int_indicator_values__geocoded') }}
where geo_code is null

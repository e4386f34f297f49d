-- AI talent (LinkedIn): one row per (edition, data_year, geo_code), a typed column and a rank per metric
-- of the subject (metrics.csv).
-- depends_on: {{ ref('metrics') }}
{{ subject_mart('talent_migration') }}

-- Granted AI patents: one row per (edition, data_year, geo_code), a typed column and a rank per metric of
-- the subject (metrics.csv). The 2024 edition (CSET) and the 2025+ editions (EPO PATSTAT) are different
-- sources: compare within an edition.
-- depends_on: {{ ref('metrics') }}
{{ subject_mart('ai_patents') }}

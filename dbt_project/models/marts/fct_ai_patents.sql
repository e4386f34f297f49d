-- Granted AI patents: one row per (edition, data_year, geo_code), a typed column and a rank per metric.
-- The 2024 edition (CSET) and the 2025+ editions (EPO PATSTAT) are different sources: compare within an edition.
{% set metrics = [
    'granted_ai_patents_per_100k', 'granted_ai_patents_share_of_world_pct', 'granted_ai_patents_count',
    'granted_ai_patents_per_100k_pct_change', 'granted_ai_patents_count_pct_change_yoy',
    'ungranted_ai_patents_count', 'granted_ai_patents_pct_change_basis_unstated',
] %}
{{ subject_mart(metrics) }}

-- AI talent (LinkedIn): one row per (edition, data_year, geo_code), a typed column and a rank per metric.
{% set metrics = ['net_ai_talent_migration_per_10k', 'ai_talent_concentration_pct', 'relative_ai_skill_penetration'] %}
{{ subject_mart(metrics) }}

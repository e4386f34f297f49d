-- One row per metric: what it measures and how to write its unit, from the metric registry (seeds
-- metrics, units, subjects; orchestration/reference/metrics.py reads the same files).

with metrics as (

    select * from {{ ref('metrics') }}

),

units as (

    select unit, unit_label from {{ ref('units') }}

),

subjects as (

    select subject_area, title, subject_mart, source_organisation from {{ ref('subjects') }}

),

final as (

    select
        metrics.metric,
        metrics.label,
        coalesce(nullif(metrics.short_label, ''), metrics.label) as short_label,
        metrics.unit,
        units.unit_label,
        metrics.description,
        metrics.subject_area,
        subjects.title as subject_title,
        subjects.subject_mart,
        metrics.measure,
        metrics.higher_is_better,
        metrics.is_additive,
        metrics.chapter,
        metrics.publication_lag,
        subjects.source_organisation

    from metrics
    left join units on units.unit = metrics.unit
    left join subjects on subjects.subject_area = metrics.subject_area

)

select * from final

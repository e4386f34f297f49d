{# A subject mart: the subject's metrics pivoted to one row per (edition, data_year, geo_code).
   is_latest_edition: the newest edition that reports any of these metrics for that year and place.
   reliability: the weakest grade (A best, D worst) among the row's values. #}
{% macro subject_mart(metrics) %}
with indicator_values as (

    select * from {{ ref('fct_indicator_values') }}
    where metric in ('{{ metrics | join("', '") }}')

),

pivoted as (

    select
        edition,
        data_year,
        geo_code,
        max(geo_name) as geo_name,
        max(geo_kind) as geo_kind,
        {{ pivot_metrics(metrics) }},
        max(reliability) as reliability,
        bool_or(is_synthetic) as is_synthetic

    from indicator_values
    group by edition, data_year, geo_code

),

final as (

    select
        *,
        edition = max(edition) over (partition by data_year, geo_code) as is_latest_edition

    from pivoted

)

select * from final
{% endmacro %}

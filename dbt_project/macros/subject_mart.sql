{# A subject mart: the subject's metrics pivoted to one row per (edition, data_year, geo_code), a typed
   column, a rank, the count it ranks among and its coverage per metric. The metrics are read from the registry seed (`metrics.csv`) when the model
   runs, so adding a metric to a subject is a new seed row, never an SQL edit. Metric ids are checked
   lower_snake_case identifiers (orchestration/reference/metrics.py and the seed's tests).
   is_latest_edition: the row holds a latest value (fct_indicator_values) of one of its metrics.
   reliability: the weakest grade (A best, D worst) among the row's values. #}
{% macro subject_metrics(subject_area) %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select metric from {{ ref('metrics') }} where subject_area = '{{ subject_area }}' order by metric
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}

{% macro subject_mart(subject_area) %}
{%- set metrics = subject_metrics(subject_area) -%}
with indicator_values as (

    select * from {{ ref('fct_indicator_values') }}
    where subject_area = '{{ subject_area }}'

),

final as (

    select
        edition,
        data_year,
        geo_code,
        max(geo_name) as geo_name,
        max(geo_kind) as geo_kind,
        {%- for metric in metrics %}
        cast(max(case when metric = '{{ metric }}' then value end) as double precision)
            as {{ adapter.quote(metric) }},
        cast(max(case when metric = '{{ metric }}' then rank_in_year end) as integer)
            as {{ adapter.quote(metric ~ '_rank') }},
        cast(max(case when metric = '{{ metric }}' then ranked_count end) as integer)
            as {{ adapter.quote(metric ~ '_ranked_count') }},
        max(case when metric = '{{ metric }}' then rank_coverage end)
            as {{ adapter.quote(metric ~ '_rank_coverage') }},
        {%- endfor %}
        max(reliability) as reliability,
        bool_or(is_synthetic) as is_synthetic,
        bool_or(is_latest_edition) as is_latest_edition

    from indicator_values
    group by edition, data_year, geo_code

)

select * from final
{% endmacro %}

{# One typed column per metric, plus its rank, from the long fct_indicator_values rows. #}
{% macro pivot_metrics(metrics) -%}
    {%- for metric in metrics %}
    max(case when metric = '{{ metric }}' then value end) as {{ metric }},
    max(case when metric = '{{ metric }}' then rank_in_year end) as {{ metric }}_rank
    {%- if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}

{# Restrict an incremental run to the edition partitions being built (var `editions`).
   Editions are integers checked by the orchestration; `int` makes sure nothing else reaches the SQL. #}
{% macro editions_filter(column='edition') -%}
    {%- set editions = var('editions', []) -%}
    {%- if is_incremental() and editions | length > 0 -%}
        where {{ column }} in ({{ editions | map('int') | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{# Restrict an incremental run to the edition partitions being built: AI_INDEX_DBT_EDITIONS="2025,2026".
   An environment variable, not --vars: dbt re-parses the whole project when --vars change, while a
   changed env var re-parses only the files that read it (measured: ~3 s per build). Empty: every
   edition. Each item goes through `int`, so nothing but numbers reaches the SQL. #}
{% macro editions_filter(column='edition') -%}
    {%- set raw = env_var('AI_INDEX_DBT_EDITIONS', '') -%}
    {%- set editions = raw.split(',') | map('trim') | reject('equalto', '') | map('int') | list -%}
    {%- if is_incremental() and editions | length > 0 -%}
        where {{ column }} in ({{ editions | join(', ') }})
    {%- endif -%}
{%- endmacro %}

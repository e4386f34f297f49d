{# Schemas are the layer names (staging, intermediate, marts, reference), not <target>_<layer>: BI tools
   and the checks depend on `marts.*`. AI_INDEX_SCHEMA_SUFFIX (set by the PostgreSQL publish only) builds
   every layer beside the served one (`marts__build`), to be swapped in by one transaction. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set suffix = env_var('AI_INDEX_SCHEMA_SUFFIX', '') -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{{ suffix }}{%- endif -%}
{%- endmacro %}

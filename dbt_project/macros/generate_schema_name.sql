{# Schemas are the layer names (staging, intermediate, marts, reference), not <target>_<layer>:
   BI tools and the checks depend on `marts.*`. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}

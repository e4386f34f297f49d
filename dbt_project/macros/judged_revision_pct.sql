{# The revision rule, declared once: the relative change (%) by which a restatement is judged against the
   metric's tolerances. An absolute change within the metric's floor is rounding (0), and from a zero base
   any larger change is "infinite" (1e308). mart_release_revisions calls this macro; the release checks
   (expectations/frames.py) render this same file with Jinja and run it in DuckDB. Plain Jinja only. #}
{% macro judged_revision_pct(value_from, value_to, floor) -%}
case
    when abs({{ value_to }} - {{ value_from }}) <= {{ floor }} then 0
    when {{ value_from }} <> 0 then 100.0 * abs({{ value_to }} - {{ value_from }}) / abs({{ value_from }})
    else 1e308
end
{%- endmacro %}

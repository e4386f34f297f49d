{# How a rank reads wherever it is shown (profiles, reports, BI): "rank 8 (tied) of 11 reported,
   partial list". The count and the coverage travel with the rank, so a rank from a partial
   transcription is never read as the report's rank. NULL where there is no rank (aggregates). #}
{% macro rank_label(rank, ranked_count, is_tied, coverage) %}
    case when {{ rank }} is not null then
        'rank ' || cast({{ rank }} as varchar)
        || case when {{ is_tied }} then ' (tied)' else '' end
        || ' of ' || cast({{ ranked_count }} as varchar) || ' reported, '
        || {{ coverage }} || ' list'
    end
{% endmacro %}

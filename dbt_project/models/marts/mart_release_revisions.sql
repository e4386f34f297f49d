-- How each edition revised the one before: for every value (metric, data_year, geo_code) that two
-- editions report, the pair of consecutive reporting editions, the change, and whether it is a
-- declared methodology break or within the tolerance the later edition was checked with.

with indicator_values as (

    select metric, edition, data_year, geo_code, value
    from {{ ref('fct_indicator_values') }}

),

paired as (

    select
        metric,
        geo_code,
        data_year,
        lag(edition) over reporting as edition_from,
        edition as edition_to,
        lag(value) over reporting as value_from,
        value as value_to

    from indicator_values
    window reporting as (partition by metric, data_year, geo_code order by edition)

),

breaks as (

    select edition, metric, break_reason
    from {{ ref('stg_ai_index__edition_metrics') }}
    where is_methodology_break

),

rules as (

    select * from {{ ref('stg_ai_index__release_check_rules') }}

),

revisions as (

    select
        paired.*,
        paired.value_to - paired.value_from as abs_change,
        case
            when paired.value_from <> 0 then 100.0 * (paired.value_to - paired.value_from) / abs(paired.value_from)
        end as pct_change,
        exists (
            select 1 from breaks
            where breaks.metric = paired.metric
              and breaks.edition > paired.edition_from
              and breaks.edition <= paired.edition_to
        ) as is_methodology_break

    from paired
    where paired.edition_from is not null

),

final as (

    select
        revisions.metric,
        revisions.geo_code,
        revisions.data_year,
        revisions.edition_from,
        revisions.edition_to,
        revisions.value_from,
        revisions.value_to,
        revisions.abs_change,
        revisions.pct_change,
        revisions.is_methodology_break,
        -- A zero base moves "infinitely" unless the value stays zero.
        coalesce(abs(revisions.pct_change), case when revisions.abs_change = 0 then 0 else 1e308 end)
            <= rules.revision_warning_pct as within_tolerance,
        coalesce(abs(revisions.pct_change), case when revisions.abs_change = 0 then 0 else 1e308 end)
            > rules.revision_error_pct as exceeds_error_tolerance,
        case
            when revisions.is_methodology_break then 'methodology_break'
            when revisions.abs_change = 0 then 'unchanged'
            when abs(revisions.pct_change) <= rules.revision_warning_pct then 'within_tolerance'
            when abs(revisions.pct_change) <= rules.revision_error_pct then 'restated'
            else 'beyond_error_tolerance'
        end as revision_status,
        rules.revision_warning_pct,
        rules.revision_error_pct

    from revisions
    left join rules on rules.edition = revisions.edition_to and rules.metric = revisions.metric

)

select * from final

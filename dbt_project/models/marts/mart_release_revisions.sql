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

restatements as (

    select * from {{ ref('stg_ai_index__edition_restatements') }}

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
        ) as is_methodology_break,
        exists (
            select 1 from restatements
            where restatements.edition = paired.edition_to
              and restatements.metric = paired.metric
              and restatements.geo_code = paired.geo_code
              and restatements.data_year = paired.data_year
        ) as is_declared_restatement

    from paired
    where paired.edition_from is not null

),

judged as (

    select
        revisions.*,
        rules.revision_warning_pct,
        rules.revision_error_pct,
        rules.revision_floor,
        -- The relative change the release checks judge (one rule, macros/judged_revision_pct.sql).
        {{ judged_revision_pct('revisions.value_from', 'revisions.value_to', 'rules.revision_floor') }}
            as judged_pct_change

    from revisions
    left join rules on rules.edition = revisions.edition_to and rules.metric = revisions.metric

),

final as (

    select
        metric,
        geo_code,
        data_year,
        edition_from,
        edition_to,
        value_from,
        value_to,
        abs_change,
        pct_change,
        is_methodology_break,
        is_declared_restatement,
        judged_pct_change <= revision_warning_pct as within_tolerance,
        judged_pct_change > revision_error_pct as exceeds_error_tolerance,
        case
            when is_methodology_break then 'methodology_break'
            when abs_change = 0 then 'unchanged'
            when is_declared_restatement then 'declared_restatement'
            when judged_pct_change <= revision_warning_pct then 'within_tolerance'
            when judged_pct_change <= revision_error_pct then 'restated'
            else 'beyond_error_tolerance'
        end as revision_status,
        revision_warning_pct,
        revision_error_pct,
        revision_floor

    from judged

)

select * from final

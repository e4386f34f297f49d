-- Per country, metric and data_year: the newest edition's value and rank, the change against the
-- previous data_year in that same edition, and how many editions report the value.

with indicator_values as (

    select * from {{ ref('fct_indicator_values') }}
    where geo_kind = 'country'

),

latest as (

    select * from indicator_values where is_latest_edition

),

coverage as (

    select metric, geo_code, data_year, count(distinct edition) as editions_reporting,
           min(edition) as first_edition
    from indicator_values
    group by metric, geo_code, data_year

),

final as (

    select
        latest.geo_code,
        latest.geo_name,
        latest.metric,
        latest.subject_area,
        latest.data_year,
        latest.edition as latest_edition,
        latest.value,
        latest.unit,
        latest.rank_in_year,
        latest.ranked_count,
        latest.is_rank_tied,
        latest.rank_coverage,
        latest.rank_label,
        previous_year.value as previous_year_value,
        latest.value - previous_year.value as change_vs_previous_year,
        case when previous_year.value <> 0
            then 100.0 * (latest.value - previous_year.value) / abs(previous_year.value)
        end as pct_change_vs_previous_year,
        coverage.editions_reporting,
        coverage.first_edition,
        latest.reliability,
        latest.is_synthetic

    from latest
    left join indicator_values as previous_year
        on previous_year.metric = latest.metric
        and previous_year.geo_code = latest.geo_code
        and previous_year.edition = latest.edition
        and previous_year.data_year = latest.data_year - 1
    left join coverage
        on coverage.metric = latest.metric
        and coverage.geo_code = latest.geo_code
        and coverage.data_year = latest.data_year

)

select * from final

-- One row per (metric, edition, data_year, geo_code): every published value, as each edition published it.

with indicator_values as (

    select * from {{ ref('int_indicator_values__geocoded') }}

),

metrics as (

    select metric, subject_area from {{ ref('metrics') }}

),

ranked as (

    select
        indicator_values.*,
        -- Ranks compare countries only: aggregates (world, regions, EU+UK) are never ranked.
        case
            when geo_kind = 'country' then rank() over (
                partition by metric, edition, data_year, geo_kind = 'country'
                order by value desc
            )
        end as rank_in_year,
        edition = max(edition) over (partition by metric, data_year, geo_code) as is_latest_edition

    from indicator_values

),

final as (

    select
        ranked.metric,
        metrics.subject_area,
        ranked.edition,
        ranked.data_year,
        ranked.geo_code,
        ranked.geo_name,
        ranked.geo_kind,
        ranked.value,
        ranked.unit,
        cast(ranked.rank_in_year as integer) as rank_in_year,
        ranked.is_latest_edition,
        ranked.figure_id,
        ranked.source_file,
        ranked.source_row_number,
        ranked.file_sha256,
        ranked.geo_grouping,
        ranked.place_as_written,
        ranked.value_as_written,
        ranked.reliability,
        ranked.provenance_source,
        ranked.provenance_note,
        ranked.is_synthetic,
        ranked.loaded_at

    from ranked
    left join metrics on metrics.metric = ranked.metric

)

select * from final

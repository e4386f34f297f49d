-- One row per (metric, edition, data_year, geo_code): every published value, as each edition published it,
-- with the method era it belongs to: the latest edition up to its own that declared a methodology break
-- for the metric (else the metric's first edition). `is_latest_edition` marks the newest edition of the
-- metric's current method that reports the value, so a "latest values" series never splices two methods.

with indicator_values as (

    select * from {{ ref('int_indicator_values__geocoded') }}

),

metrics as (

    select metric, subject_area from {{ ref('metrics') }}

),

complete_files as (

    -- Files the manifest declares to list every country the report reports (manifest `lists_every_country`).
    select edition, file_path from {{ ref('stg_ai_index__edition_files') }} where lists_every_country

),

breaks as (

    select edition, metric from {{ ref('stg_ai_index__edition_metrics') }} where is_methodology_break

),

with_era as (

    select
        indicator_values.*,
        coalesce(
            (
                select max(breaks.edition) from breaks
                where breaks.metric = indicator_values.metric and breaks.edition <= indicator_values.edition
            ),
            min(indicator_values.edition) over (partition by indicator_values.metric)
        ) as method_since_edition

    from indicator_values

),

eras as (

    select
        *,
        method_since_edition = max(method_since_edition) over (partition by metric) as is_current_method

    from with_era

),

ranked as (

    -- Ranks compare countries only: aggregates (world, regions, EU+UK) are never ranked. A rank says
    -- among how many places it was computed, and whether those are the report's whole list: a rank
    -- from a partial transcription is not the report's rank (France missing makes Korea 8th, not 9th).
    select
        eras.*,
        case when geo_kind = 'country' then rank() over country_year end as rank_in_year,
        case when geo_kind = 'country' then count(*) over country_year end as ranked_count,
        case when geo_kind = 'country' then count(*) over (
            partition by metric, eras.edition, data_year, geo_kind = 'country', value
        ) > 1 end as is_rank_tied,
        case when geo_kind = 'country' then
            case when bool_and(complete_files.file_path is not null) over country_year
                then 'complete' else 'partial' end
        end as rank_coverage,
        is_current_method
            and eras.edition = max(eras.edition) over (
                partition by metric, data_year, geo_code, method_since_edition
            ) as is_latest_edition

    from eras
    left join complete_files
        on complete_files.edition = eras.edition and complete_files.file_path = eras.source_file
    window country_year as (partition by metric, eras.edition, data_year, geo_kind = 'country' order by value desc
        rows between unbounded preceding and unbounded following)

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
        cast(ranked.ranked_count as integer) as ranked_count,
        ranked.is_rank_tied,
        ranked.rank_coverage,
        {{ rank_label('ranked.rank_in_year', 'ranked.ranked_count', 'ranked.is_rank_tied', 'ranked.rank_coverage') }}
            as rank_label,
        ranked.is_latest_edition,
        cast(ranked.method_since_edition as integer) as method_since_edition,
        ranked.is_current_method,
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

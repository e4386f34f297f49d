-- One row per loaded edition: files, values, bundle fingerprint, load time and declared methodology breaks.

with editions as (

    select * from {{ ref('stg_ai_index__editions') }}

),

breaks as (

    select
        edition,
        string_agg(metric, ', ' order by metric) filter (where is_methodology_break) as methodology_breaks

    from {{ ref('stg_ai_index__edition_metrics') }}
    group by edition

),

final as (

    select
        editions.edition,
        editions.edition_title,
        editions.file_count as files,
        editions.values_loaded,
        editions.bundle_sha256,
        editions.bundle_container,
        editions.is_synthetic,
        breaks.methodology_breaks,
        editions.loaded_at

    from editions
    left join breaks on breaks.edition = editions.edition

)

select * from final

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='edition',
        on_schema_change='append_new_columns',
    )
}}
-- Incremental per edition: a partitioned build (`--vars '{"editions": [2025]}'`) re-derives only the
-- editions it loads. A grouping-specific alias wins over a global one ("Rest of the world" is a
-- different aggregate in the by-region and the select-areas patent charts).

with indicator_values as (

    select * from {{ ref('stg_ai_index__indicator_values') }}
    {{ editions_filter() }}

),

aliases as (

    select * from {{ ref('stg_reference__geo_aliases') }}

),

geographies as (

    select * from {{ ref('geographies') }}

),

editions as (

    select edition, is_synthetic from {{ ref('stg_ai_index__editions') }}

),

geocoded as (

    select
        indicator_values.*,
        coalesce(specific.geo_code, global.geo_code) as geo_code

    from indicator_values
    left join aliases as specific
        on specific.geo_grouping = indicator_values.geo_grouping
        and specific.alias_key = indicator_values.place_key
    left join aliases as global
        on global.geo_grouping = ''
        and global.alias_key = indicator_values.place_key

),

final as (

    select
        geocoded.*,
        geographies.geo_name,
        geographies.geo_kind,
        editions.is_synthetic,
        -- When this edition's rows were last derived: an incremental run leaves other editions' alone.
        current_timestamp as derived_at

    from geocoded
    left join geographies on geographies.geo_code = geocoded.geo_code
    left join editions on editions.edition = geocoded.edition

)

select * from final

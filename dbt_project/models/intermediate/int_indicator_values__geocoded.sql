{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='edition',
        on_schema_change='append_new_columns',
    )
}}
-- Incremental per edition: a run re-derives only the editions of its partitions (AI_INDEX_DBT_EDITIONS,
-- read by the editions_filter macro). Places arrive geocoded: the loader resolves each label once
-- (orchestration/reference/geography.py, the one normalisation), and this model adds the geography's
-- name and kind.

with indicator_values as (

    select * from {{ ref('stg_ai_index__indicator_values') }}
    {{ editions_filter() }}

),

geographies as (

    select * from {{ ref('geographies') }}

),

editions as (

    select edition, is_synthetic from {{ ref('stg_ai_index__editions') }}

),

final as (

    select
        indicator_values.*,
        geographies.geo_name,
        geographies.geo_kind,
        editions.is_synthetic,
        -- When this edition's rows were last derived: an incremental run leaves other editions' alone.
        current_timestamp as derived_at

    from indicator_values
    left join geographies on geographies.geo_code = indicator_values.geo_code
    left join editions on editions.edition = indicator_values.edition

)

select * from final

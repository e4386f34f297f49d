with source as (

    select * from {{ source('ai_index', 'release_check_rules') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        metric,
        min_value,
        max_value,
        cast(publication_lag as integer) as publication_lag,
        is_additive,
        revision_warning_pct,
        revision_error_pct,
        revision_floor

    from source

)

select * from renamed

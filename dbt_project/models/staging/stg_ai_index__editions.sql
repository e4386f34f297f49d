with source as (

    select * from {{ source('ai_index', 'editions') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        title as edition_title,
        bundle as bundle_name,
        container as bundle_container,
        is_synthetic,
        bundle_sha256,
        cast(files as integer) as file_count,
        cast(values_loaded as integer) as values_loaded,
        loaded_at

    from source

)

select * from renamed

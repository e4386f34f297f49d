with source as (

    select * from {{ source('ai_index', 'edition_files') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        path as file_path,
        figure_id,
        metrics,
        sha256 as file_sha256,
        cast(rows as integer) as row_count,
        cast(bytes as bigint) as byte_count,
        cast(values_read as integer) as values_read,
        cast(not_reported as integer) as not_reported,
        set_aside_lines,
        coalesce(status, 'loaded') as file_status,
        coalesce(lists_every_country, false) as lists_every_country

    from source

)

select * from renamed

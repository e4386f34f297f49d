with source as (

    select * from {{ source('ai_index', 'edition_metrics') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        metric,
        is_methodology_break,
        break_reason

    from source

)

select * from renamed

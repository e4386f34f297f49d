with source as (

    select * from {{ source('ai_index', 'edition_restatements') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        metric,
        geo_code,
        cast(data_year as integer) as data_year,
        reason as restatement_reason

    from source

)

select * from renamed

-- Aliases keyed the way the loader keys places (`place_key`): whitespace collapsed, case folded.
with source as (

    select * from {{ ref('geo_aliases') }}

),

renamed as (

    select
        coalesce(geo_grouping, '') as geo_grouping,
        alias,
        lower(trim(regexp_replace(alias, '\s+', ' ', 'g'))) as alias_key,
        geo_code

    from source

)

select * from renamed

-- Every geo code the warehouse knows: ISO 3166-1 countries and the AI Index aggregates.

with geographies as (

    select * from {{ ref('geographies') }}

),

reported as (

    select geo_code, count(*) as values_reported, min(edition) as first_edition, max(edition) as last_edition
    from {{ ref('fct_indicator_values') }}
    group by geo_code

),

final as (

    select
        geographies.geo_code,
        geographies.geo_name,
        geographies.geo_kind,
        nullif(geographies.iso3, '') as iso3,
        nullif(geographies.region, '') as region,
        coalesce(reported.values_reported, 0) as values_reported,
        reported.first_edition,
        reported.last_edition

    from geographies
    left join reported on reported.geo_code = geographies.geo_code

)

select * from final

with source as (

    select * from {{ source('ai_index', 'indicator_values') }}

),

renamed as (

    select
        cast(edition as integer) as edition,
        metric,
        figure_id,
        source_file,
        file_sha256,
        cast(row_number as integer) as source_row_number,
        geo_grouping,
        place_column,
        place_as_written,
        place_key,
        geo_code,
        year_column,
        year_as_written,
        cast(data_year as integer) as data_year,
        value_column,
        value_as_written,
        cast(value as double precision) as value,
        unit,
        reliability,
        provenance_source,
        provenance_note,
        loaded_at

    from source

)

select * from renamed

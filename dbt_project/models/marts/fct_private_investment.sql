-- Private AI investment (NetBase Quid, nominal US$ bn): one row per (edition, data_year, geo_code), a typed
-- column and a rank per metric of the subject (metrics.csv). Editions restate earlier years (Quid keeps
-- adding companies): always read a value with its edition.
-- depends_on: {{ ref('metrics') }}
{{ subject_mart('private_investment') }}

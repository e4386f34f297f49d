-- Private AI investment (NetBase Quid, nominal US$ bn): one row per (edition, data_year, geo_code).
-- Editions restate earlier years (Quid keeps adding companies): always read a value with its edition.
{% set metrics = [
    'private_investment_usd_bn', 'private_investment_cumulative_since_2013_usd_bn',
    'genai_private_investment_usd_bn', 'private_investment_pct_change_yoy',
] %}
{{ subject_mart(metrics) }}

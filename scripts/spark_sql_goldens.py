#!/usr/bin/env python3
"""Regenerate tests/sql/*.test with PySpark 3.3. Each file is one case: Spark SQL text (run by
`engine sql` with the views below as --table NAME=INPUT), a line `----`, then what Spark's
show() prints for the same query. The views: y1, y2 (the yellow samples), yall (both), z (zones).
f is tests/fixtures/float_keys.csv (-0.0, 0.0 and NaN keys), fl tests/fixtures/first_last.csv, a tests/fixtures/amounts.csv (amounts for decimals). A case whose name starts with `job_` is a statement file (`engine sql -f`).

    scripts/venv.sh spark && .venv/bin/python scripts/spark_sql_goldens.py
"""
from pathlib import Path

from sparklib import spark_session

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "sql"
VIEWS = {
    "y1": "data/yellow_tripdata_sample_2019-01.csv",
    "y2": "data/yellow_tripdata_sample_2019-02.csv",
    "yall": "data/yellow_tripdata_sample_2019-0*.csv",
    "z": "data/taxi_zone_lookup.csv",
    "f": "tests/fixtures/float_keys.csv",
    "fl": "tests/fixtures/first_last.csv",
    "a": "tests/fixtures/amounts.csv",
}
ROWS = 300

CASES = {
    "select_star_where_limit": "SELECT * FROM z WHERE Borough = 'Bronx' AND LocationID < 50 ORDER BY LocationID LIMIT 5",
    "qualified_star_and_aliases": "SELECT t.*, t.LocationID * 10 AS ten FROM z AS t WHERE t.service_zone = 'Airports' ORDER BY ten",
    "group_by_ordinals_having": "SELECT payment_type, vendor_id, count(*) AS n, round(sum(total_amount), 2) AS revenue FROM y1 "
                                "GROUP BY 1, 2 HAVING count(*) > 10 ORDER BY 1, 2",
    "group_by_alias_and_expression": "SELECT date_trunc('month', pickup_datetime) AS month, count(*) AS trips, "
                                     "max(trip_distance) AS longest FROM yall GROUP BY month ORDER BY month",
    "order_by_alias_nulls": "SELECT congestion_surcharge AS cs, count(*) AS n FROM y1 GROUP BY congestion_surcharge "
                            "ORDER BY cs DESC NULLS FIRST",
    "order_by_unselected_column": "SELECT Zone FROM z WHERE Borough = 'EWR' OR LocationID > 260 ORDER BY LocationID DESC",
    "distinct": "SELECT DISTINCT Borough, service_zone FROM z ORDER BY Borough, service_zone",
    "count_distinct_and_aggregates": "SELECT count(DISTINCT pickup_location_id) AS zones, avg(tip_amount) AS tip, "
                                     "stddev(trip_distance) AS sd, min(pickup_datetime) AS first_pickup FROM yall",
    "join_inner_on": "SELECT z.Borough, count(*) AS trips FROM y1 JOIN z ON y1.pickup_location_id = z.LocationID "
                     "GROUP BY z.Borough ORDER BY trips DESC",
    "join_left_using": "SELECT LocationID, Zone, trips FROM z LEFT JOIN "
                       "(SELECT dropoff_location_id AS LocationID, count(*) AS trips FROM y2 GROUP BY 1) t USING (LocationID) "
                       "WHERE LocationID < 12 ORDER BY LocationID",
    "join_right_and_full": "SELECT a.LocationID AS a_id, b.LocationID AS b_id FROM "
                           "(SELECT LocationID FROM z WHERE LocationID < 6) a FULL OUTER JOIN "
                           "(SELECT LocationID FROM z WHERE LocationID BETWEEN 4 AND 8) b ON a.LocationID = b.LocationID "
                           "ORDER BY coalesce(a.LocationID, b.LocationID)",
    "join_right": "SELECT a.Zone, b.LocationID FROM (SELECT * FROM z WHERE LocationID < 3) a RIGHT JOIN "
                  "(SELECT LocationID FROM z WHERE LocationID <= 4) b ON a.LocationID = b.LocationID ORDER BY b.LocationID",
    "join_semi_anti": "SELECT LocationID FROM z LEFT SEMI JOIN y1 ON z.LocationID = y1.pickup_location_id "
                      "WHERE LocationID > 250 ORDER BY 1",
    "join_anti": "SELECT LocationID, Zone FROM z LEFT ANTI JOIN y1 ON z.LocationID = y1.dropoff_location_id ORDER BY 1",
    "in_subquery": "SELECT LocationID, Zone FROM z WHERE LocationID IN (SELECT pickup_location_id FROM y1 WHERE total_amount > 150) "
                   "ORDER BY LocationID",
    "not_in_subquery": "SELECT count(*) AS never_picked_up FROM z WHERE LocationID NOT IN (SELECT pickup_location_id FROM yall)",
    "union_and_union_all": "SELECT Borough FROM z WHERE LocationID < 4 UNION SELECT Borough FROM z WHERE LocationID < 6 "
                           "ORDER BY Borough",
    "union_all": "SELECT 'jan' AS month, count(*) AS n FROM y1 UNION ALL SELECT 'feb' AS month, count(*) AS n FROM y2 ORDER BY n",
    "with_ctes": "WITH trips AS (SELECT pickup_location_id AS id, total_amount FROM yall), "
                 "per_zone AS (SELECT id, sum(total_amount) AS revenue FROM trips GROUP BY id) "
                 "SELECT z.Zone, round(p.revenue, 2) AS revenue FROM per_zone p JOIN z ON p.id = z.LocationID "
                 "ORDER BY p.revenue DESC LIMIT 10",
    "case_cast_functions": "SELECT LocationID, CASE WHEN LocationID % 2 = 0 THEN 'even' ELSE 'odd' END AS parity, "
                           "CAST(LocationID AS STRING) || '-' || upper(substring(Zone, 1, 3)) AS code, "
                           "length(Zone) AS len, CAST(LocationID / 3 AS INT) AS third, nvl(NULL, Borough) AS b "
                           "FROM z WHERE LocationID BETWEEN 100 AND 110 ORDER BY LocationID",
    "subquery_in_from": "SELECT bucket, count(*) AS n FROM (SELECT CASE WHEN trip_distance < 1 THEN 'short' "
                        "WHEN trip_distance < 5 THEN 'medium' ELSE 'long' END AS bucket FROM y1) t GROUP BY bucket ORDER BY n DESC",
    "window_ranking_and_offsets": "SELECT Borough, LocationID, "
        "row_number() OVER (PARTITION BY Borough ORDER BY LocationID DESC) AS rn, "
        "rank() OVER (ORDER BY Borough) AS r, dense_rank() OVER (ORDER BY Borough) AS dr, "
        "lag(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID) AS prev, "
        "lead(LocationID, 2, -1) OVER (PARTITION BY Borough ORDER BY LocationID) AS next2 "
        "FROM z WHERE LocationID < 12 OR LocationID > 262 ORDER BY Borough, rn",
    "window_aggregates": "SELECT pickup_location_id, pickup_datetime, total_amount, "
        "sum(total_amount) OVER (PARTITION BY pickup_location_id ORDER BY pickup_datetime) AS running, "
        "round(avg(total_amount) OVER (PARTITION BY pickup_location_id), 4) AS zone_avg, "
        "count(*) OVER (PARTITION BY pickup_location_id) AS zone_trips, "
        "min(total_amount) OVER (PARTITION BY pickup_location_id ORDER BY pickup_datetime) AS running_min, "
        "max(total_amount) OVER (PARTITION BY pickup_location_id) AS zone_max "
        "FROM y1 WHERE pickup_location_id IN (1, 5, 12, 30) ORDER BY pickup_location_id, pickup_datetime, total_amount",
    "window_top_per_group": "SELECT Borough, Zone, rn FROM (SELECT Borough, Zone, "
        "row_number() OVER (PARTITION BY Borough ORDER BY Zone) AS rn FROM z) t WHERE rn <= 2 ORDER BY Borough, rn",
    "exists_subquery": "SELECT LocationID, Zone FROM z WHERE EXISTS (SELECT 1 FROM y1 "
        "WHERE y1.pickup_location_id = z.LocationID AND y1.total_amount > 100) ORDER BY 1",
    "not_exists_subquery": "SELECT Borough, count(*) AS zones_without_dropoffs FROM z WHERE NOT EXISTS "
        "(SELECT 1 FROM y2 WHERE y2.dropoff_location_id = z.LocationID) GROUP BY Borough ORDER BY Borough",
    "job_view_using": """CREATE TEMPORARY VIEW zz USING csv OPTIONS (path 'data/taxi_zone_lookup.csv', header 'true', inferSchema 'true');
CREATE OR REPLACE TEMP VIEW raw USING csv OPTIONS (path 'data/taxi_zone_lookup.csv');
SELECT zz.Borough, count(*) AS n, min(raw._c2) AS first_zone FROM zz JOIN raw ON CAST(zz.LocationID AS STRING) = raw._c0
GROUP BY 1 ORDER BY 1""",
    "job_course_revenue": """CREATE OR REPLACE TEMP VIEW green AS
SELECT vendor_id AS VendorID, pickup_datetime AS lpep_pickup_datetime, dropoff_datetime AS lpep_dropoff_datetime,
       passenger_count, trip_distance, rate_code_id AS RatecodeID, pickup_location_id AS PULocationID,
       dropoff_location_id AS DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount, tolls_amount,
       improvement_surcharge, total_amount, congestion_surcharge
FROM y2;
CREATE OR REPLACE TEMP VIEW yellow AS
SELECT vendor_id AS VendorID, pickup_datetime AS tpep_pickup_datetime, dropoff_datetime AS tpep_dropoff_datetime,
       passenger_count, trip_distance, rate_code_id AS RatecodeID, pickup_location_id AS PULocationID,
       dropoff_location_id AS DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount, tolls_amount,
       improvement_surcharge, total_amount, congestion_surcharge
FROM y1;
CREATE OR REPLACE TEMP VIEW trips_data AS
SELECT VendorID, lpep_pickup_datetime AS pickup_datetime, lpep_dropoff_datetime AS dropoff_datetime, passenger_count,
       trip_distance, RatecodeID, PULocationID, DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount,
       tolls_amount, improvement_surcharge, total_amount, congestion_surcharge, 'green' AS service_type
FROM green
UNION ALL
SELECT VendorID, tpep_pickup_datetime AS pickup_datetime, tpep_dropoff_datetime AS dropoff_datetime, passenger_count,
       trip_distance, RatecodeID, PULocationID, DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount,
       tolls_amount, improvement_surcharge, total_amount, congestion_surcharge, 'yellow' AS service_type
FROM yellow;
SELECT
    PULocationID AS revenue_zone,
    date_trunc('month', pickup_datetime) AS revenue_month,
    service_type,
    SUM(fare_amount) AS revenue_monthly_fare,
    SUM(extra) AS revenue_monthly_extra,
    SUM(mta_tax) AS revenue_monthly_mta_tax,
    SUM(tip_amount) AS revenue_monthly_tip_amount,
    SUM(tolls_amount) AS revenue_monthly_tolls_amount,
    SUM(improvement_surcharge) AS revenue_monthly_improvement_surcharge,
    SUM(total_amount) AS revenue_monthly_total_amount,
    SUM(congestion_surcharge) AS revenue_monthly_congestion_surcharge,
    AVG(passenger_count) AS avg_montly_passenger_count,
    AVG(trip_distance) AS avg_montly_trip_distance
FROM trips_data
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3""",
    # Spark's string -> timestamp and date rules (DateTimeUtils.stringToTimestamp / stringToDate):
    # short fields, missing parts, zones, and the forms that are null.
    "string_timestamp_forms": "SELECT CAST('2019-01-31 00:30' AS TIMESTAMP) AS no_seconds, "
        "CAST('2019-1-5' AS TIMESTAMP) AS short_fields, CAST('2019-01' AS TIMESTAMP) AS month_only, "
        "CAST('2019' AS TIMESTAMP) AS year_only, CAST('2019-01-31 7:05:09' AS TIMESTAMP) AS one_digit_hour, "
        "CAST(' 2019-01-31T07:05:09.5 ' AS TIMESTAMP) AS t_and_fraction, "
        "CAST('2019-01-31 07:05:09.123456789' AS TIMESTAMP) AS nanos_truncated FROM z WHERE LocationID = 1",
    "string_timestamp_zones": "SELECT CAST('2019-01-31 07:05:09Z' AS TIMESTAMP) AS zulu, "
        "CAST('2019-01-31 07:05:09+01:00' AS TIMESTAMP) AS plus_one, "
        "CAST('2019-01-31 07:05:09 UTC' AS TIMESTAMP) AS utc, "
        "CAST('2019-01-31T23:30:00-02:30' AS TIMESTAMP) AS next_day FROM z WHERE LocationID = 1",
    "string_timestamp_invalid": "SELECT CAST('2019-13-01' AS TIMESTAMP) AS bad_month, "
        "CAST('2019-02-30 00:00' AS TIMESTAMP) AS bad_day, CAST('2019-01-31 24:00' AS TIMESTAMP) AS bad_hour, "
        "CAST('2019/01/31' AS TIMESTAMP) AS slashes, CAST('19-01-31' AS TIMESTAMP) AS short_year, "
        "CAST('2019-01-31T' AS TIMESTAMP) AS dangling_t FROM z WHERE LocationID = 1",
    "string_date_forms": "SELECT CAST('2019-1-5' AS DATE) AS short_fields, "
        "CAST('2019-01-05 06:36:51.123' AS DATE) AS from_timestamp_text, CAST('2019-01-05T06:36' AS DATE) AS t_form, "
        "CAST('2019-01' AS DATE) AS month_only, CAST('2019' AS DATE) AS year_only, "
        "CAST('2019-01-05x' AS DATE) AS junk, CAST('2019-02-29' AS DATE) AS not_leap, "
        "to_date('2019-1-31 7:05') AS to_date_short FROM z WHERE LocationID = 1",
    "string_timestamp_fractions": "SELECT substring(CAST(CAST('2019-01-31T07:05:09.5' AS TIMESTAMP) AS STRING), 12) AS half, "
        "substring(CAST(CAST('2019-01-31 07:05:09.123456789' AS TIMESTAMP) AS STRING), 12) AS truncated, "
        "substring(CAST(CAST('2019-01-31 7:5:9.000100' AS TIMESTAMP) AS STRING), 12) AS short_fields "
        "FROM z WHERE LocationID = 1",
    # -0.0 and 0.0 are one key, and NaN equals NaN, when grouping, joining and partitioning.
    "float_keys_group_and_distinct": "SELECT k, sum(v) AS s, count(*) AS n, count(DISTINCT k) AS d FROM f "
        "GROUP BY k ORDER BY k",
    "float_keys_join": "SELECT a.k, a.v, b.v AS w FROM f a JOIN f b ON a.k = b.k ORDER BY a.v, b.v",
    "float_keys_window": "SELECT k, v, rank() OVER (PARTITION BY k ORDER BY v) AS r, "
        "count(*) OVER (PARTITION BY k) AS c FROM f ORDER BY v",
    # Non-ANSI casts: strings to integers as UTF8String.toInt/toLong, Java's narrowing of numbers.
    "cast_strings_to_integers": "SELECT CAST(' 12 ' AS INT) AS padded, CAST('+5' AS INT) AS plus, "
        "CAST('1.9' AS INT) AS fraction, CAST('-1.9' AS BIGINT) AS negative_fraction, CAST('.5' AS INT) AS dot, "
        "CAST('1e3' AS INT) AS exponent, CAST('2147483648' AS INT) AS too_big, "
        "CAST('2147483648' AS BIGINT) AS as_long, CAST('12a' AS INT) AS junk, CAST('300' AS TINYINT) AS tiny "
        "FROM z WHERE LocationID = 1",
    "cast_narrowing": "SELECT CAST(1e10 AS INT) AS big_double, CAST(-1e10 AS INT) AS small_double, "
        "CAST(CAST('NaN' AS DOUBLE) AS INT) AS nan, CAST(2.9 AS INT) AS truncated, CAST(-2.9 AS BIGINT) AS negative, "
        "CAST(4294967297 AS INT) AS long_low_bits, CAST(70000 AS SMALLINT) AS short_wrap, "
        "CAST(1e20 AS BIGINT) AS big_long FROM z WHERE LocationID = 1",
    "cast_strings_to_booleans": "SELECT CAST('t' AS BOOLEAN) AS t, CAST(' YES ' AS BOOLEAN) AS yes, "
        "CAST('1' AS BOOLEAN) AS one, CAST('n' AS BOOLEAN) AS n, CAST('False' AS BOOLEAN) AS f, "
        "CAST('on' AS BOOLEAN) AS on_, CAST('2' AS BOOLEAN) AS two FROM z WHERE LocationID = 1",
    # The names Spark gives unaliased columns: a cast on a column keeps its name; canonical names
    # in Spark's spelling, aliases as written; defaults shown.
    "column_names_of_calls": "SELECT CAST(LocationID AS STRING), CAST(LocationID + 1 AS BIGINT), "
        "signum(LocationID), sign(LocationID), ceil(LocationID), ceiling(LocationID), pow(LocationID, 2), "
        "power(LocationID, 2), rlike(Zone, 'a'), regexp(Zone, 'a'), lpad(Zone, 3), replace(Zone, 'a'), "
        "substr(Zone, 2), ucase(Borough) FROM z WHERE LocationID = 1",
    "column_names_of_aggregates": "SELECT mean(LocationID), std(LocationID), stddev(LocationID), "
        "approx_percentile(LocationID, 0.5), count(*), count(DISTINCT Borough) FROM z",
    # Java's regex find loop: an empty match after a non-empty one, no empty leading split piece.
    "regex_java_semantics": "SELECT regexp_replace('aaa', 'a*', 'X') AS r1, regexp_replace('abc', '', '-') AS r2, "
        "regexp_replace(Zone, '(\\\\w+) (\\\\w+)', '$2 $1') AS swapped, split('a|b', '|') AS s1, "
        "split('a,b,,', ',') AS s2, split(',a,b', ',') AS s3, split('abc', '') AS s4 FROM z WHERE LocationID = 4",
    # first/last with ignoreNulls (one file, read in order: the answer is deterministic).
    "first_last_ignore_nulls": "SELECT g, first(v), first(v, true), last(v), last(v, true), "
        "first_value(v, false) FROM fl GROUP BY g ORDER BY g",
    "filter_timestamp_with_short_literal": "SELECT count(*) AS n, min(pickup_datetime) AS first, "
        "max(pickup_datetime) AS last FROM y1 WHERE pickup_datetime < '2019-01-01 00:30'",
    "filter_timestamp_between_short_literals": "SELECT vendor_id, count(*) AS n FROM yall "
        "WHERE pickup_datetime BETWEEN '2019-1-15' AND '2019-01-15 9:00' GROUP BY vendor_id ORDER BY vendor_id",
}


# Decimals: literals, Spark's result types with precision loss, HALF_UP, null on overflow, Java text.
ONE = "FROM z WHERE LocationID = 1"
DEC_AMOUNT = "CAST(amount AS DECIMAL(10,3))"
CASES.update({
    "dec_literal_types": f"SELECT 1.1 AS a, 0.01 AS b, .5 AS c, 100.0 AS d, 12345678901234567890 AS e, typeof(1.1), typeof(0.01), typeof(.5), typeof(12345678901234567890) {ONE}",
    "dec_add_subtract": f"SELECT 0.1 + 0.2 AS a, 1 - 0.75 AS b, 1 + 1.5 AS c, 0.30 - 0.1 AS d, typeof(0.1 + 0.2), typeof(1 + 1.5), typeof(1 - 0.75) {ONE}",
    "dec_multiply": f"SELECT 1.15 * 7 AS a, 2147483648 * 1.5 AS b, 1.0 * 3 AS c, 0.5 * 0.5 AS d, typeof(1.15 * 7), typeof(2147483648 * 1.5) {ONE}",
    "dec_divide": f"SELECT 2 / 3.0 AS a, 10.0 / 0 AS b, 1 / 3 AS c, 1.0 / 3 AS d, CAST(1.23456789 AS DECIMAL(20,8)) / 7 AS e, typeof(2 / 3.0), typeof(1 / 3), typeof(CAST(1.23456789 AS DECIMAL(20,8)) / 7) {ONE}",
    "dec_remainder_and_div": f"SELECT 7.5 % 2 AS a, -7.5 % 2 AS b, 7.5 div 2.5 AS c, 7.9 div 0.5 AS d, CAST(-1.5 AS DECIMAL(3,1)) div 1 AS e, 5.5 % 0 AS f, typeof(7.5 % 2), typeof(7.5 div 2.5) {ONE}",
    "dec_precision_loss": f"SELECT CAST(1 AS DECIMAL(38,18)) * CAST(2 AS DECIMAL(38,18)) AS m, CAST(1 AS DECIMAL(38,18)) + CAST(2 AS DECIMAL(38,0)) AS a, CAST(1 AS DECIMAL(38,18)) / CAST(3 AS DECIMAL(38,18)) AS d, typeof(CAST(1 AS DECIMAL(38,18)) * CAST(2 AS DECIMAL(38,18))) AS tm, typeof(CAST(1 AS DECIMAL(38,18)) / CAST(3 AS DECIMAL(38,18))) AS td {ONE}",
    "dec_chain_of_products": "SELECT " + " * ".join(["1.2"] * 21) + " AS p, " + " * ".join(["1.1"] * 40) + f" AS q {ONE}",
    "dec_round_half_up": f"SELECT round(2.5) AS a, round(-2.5) AS b, round(1.005, 2) AS c, round(9.95, 1) AS d, round(99.5) AS e, round(123.45, -1) AS f, round(1.25, 5) AS g, typeof(round(2.5)), typeof(round(123.45, -1)), typeof(round(1.25, 5)) {ONE}",
    "dec_round_of_products": "SELECT LocationID, round(LocationID * 1.15, 1) AS r1, round(LocationID / 3.0, 2) AS r2, LocationID * 1.15 AS p FROM z WHERE LocationID < 9 ORDER BY LocationID",
    "dec_ceil_floor": f"SELECT ceil(1.5) AS a, floor(-1.5) AS b, ceil(-0.5) AS c, floor(0.5) AS d, ceil(9.01) AS e, typeof(ceil(1.5)), typeof(floor(123.456)) {ONE}",
    "dec_abs_negate_zero": f"SELECT abs(-1.50) AS a, -(1.50) AS b, -0.0 AS c, 0.0 * -1 AS d, typeof(abs(-1.50)) {ONE}",
    "dec_cast_from_strings": f"SELECT CAST('1.005' AS DECIMAL(6,2)) AS a, CAST('1e3' AS DECIMAL(10,2)) AS b, CAST(' 1.5 ' AS DECIMAL(3,1)) AS c, CAST('abc' AS DECIMAL(3,1)) AS d, CAST('  -12.345e1  ' AS DECIMAL(10,3)) AS e, CAST('1.' AS DECIMAL(4,1)) AS f, CAST('+.5' AS DECIMAL(4,1)) AS g, CAST('1,5' AS DECIMAL(4,1)) AS h, CAST('-0.05' AS DECIMAL(3,1)) AS i {ONE}",
    "dec_cast_overflow_is_null": f"SELECT CAST(12345.6 AS DECIMAL(4,1)) AS a, CAST(9.99 AS DECIMAL(2,1)) AS b, CAST(123.456 AS DECIMAL(5,1)) AS c, CAST('1e400' AS DECIMAL(4,1)) AS d, CAST(99.95 AS DECIMAL(3,1)) AS e, CAST(LocationID * 1000 AS DECIMAL(3,0)) AS f {ONE}",
    "dec_cast_to_other_types": f"SELECT CAST(1.99 AS INT) AS a, CAST(-1.99 AS INT) AS b, CAST(12345678901.5 AS INT) AS c, CAST(1.5 AS DOUBLE) AS d, CAST(1.50 AS FLOAT) AS e, CAST(1.5 AS BOOLEAN) AS f, CAST(0.0 AS BOOLEAN) AS g, CAST(1.50 AS STRING) AS h, CAST(1.5 AS BIGINT) AS i {ONE}",
    "dec_cast_from_numbers": "SELECT LocationID, CAST(LocationID AS DECIMAL(5,2)) AS a, CAST(LocationID / 7 AS DECIMAL(10,4)) AS b, CAST(LocationID / 8 AS DECIMAL(4,2)) AS c, CAST(LocationID > 3 AS DECIMAL(2,1)) AS d FROM z WHERE LocationID < 7 ORDER BY LocationID",
    "dec_java_text_of_tiny_values": f"SELECT CAST(0.00000001 AS DECIMAL(10,8)) AS a, CAST(0 AS DECIMAL(10,8)) AS b, CAST(0.0000001 AS DECIMAL(10,8)) AS c, CAST(-0.00000012 AS DECIMAL(10,8)) AS d, CAST(CAST(0.00000001 AS DECIMAL(10,8)) AS STRING) AS e, CAST(1.0E-5 AS DECIMAL(10,6)) AS f, CAST(0.000001 AS DECIMAL(7,6)) AS g {ONE}",
    "dec_common_types": "SELECT LocationID, CASE WHEN LocationID > 1 THEN 1 ELSE 1.5 END AS a, coalesce(CASE WHEN LocationID > 2 THEN 2.25 END, LocationID) AS b, greatest(1.5, LocationID) AS c, least(1.25, LocationID, 2) AS d, if(LocationID = 2, 0.5, 7) AS e, typeof(greatest(1.5, LocationID)) AS t FROM z WHERE LocationID < 5 ORDER BY LocationID",
    "dec_union_widens_integers": "SELECT v, typeof(v) AS t FROM (SELECT LocationID AS v FROM z WHERE LocationID < 3 UNION ALL SELECT 2.25 AS v FROM z WHERE LocationID = 1) ORDER BY v",
    "dec_comparisons": f"SELECT 1.5 = 1.50 AS a, 1.5 > 1 AS b, '1.5' = 1.50 AS c, '1.5' + 1.5 AS d, 0.1 + 0.2 = 0.3 AS e, 2 / 3.0 > 0.666666 AS f, typeof('1.5' + 1.5) {ONE}",
    "dec_filter_with_decimal_literals": "SELECT count(*) AS n, min(LocationID) AS lo, max(LocationID) AS hi FROM z WHERE LocationID * 1.5 > 300 AND LocationID / 2.0 < 131.5",
    "dec_group_sum_avg": f"SELECT grp, sum({DEC_AMOUNT}) AS s, avg({DEC_AMOUNT}) AS m, min({DEC_AMOUNT}) AS lo, max({DEC_AMOUNT}) AS hi, count({DEC_AMOUNT}) AS n FROM a GROUP BY grp ORDER BY grp",
    "dec_avg_and_sum_types": "SELECT avg(1.5) AS a, sum(1.5) AS s, avg(CAST(amount AS DECIMAL(6,2))) AS m, sum(CAST(amount AS DECIMAL(38,3))) AS big, typeof(avg(1.5)) AS ta, typeof(sum(1.5)) AS ts FROM a",
    "dec_percent_of_total": "SELECT payment_type, count(*) AS n, round(count(*) * 100.0 / 300, 2) AS pct, count(*) * 100.0 / 300 AS raw FROM y1 GROUP BY payment_type ORDER BY payment_type",
    "dec_meets_double_column": "SELECT vendor_id, round(sum(total_amount * 1.08875), 2) AS taxed, typeof(sum(total_amount * 1.08875)) AS t FROM y1 GROUP BY vendor_id ORDER BY vendor_id",
    "dec_group_by_decimal_key": "SELECT CAST(fare_amount AS DECIMAL(6,1)) AS fare, count(*) AS n FROM y1 WHERE fare_amount < 5 GROUP BY 1 ORDER BY 1",
    "dec_join_integer_with_decimal_key": "SELECT z.LocationID, z.Zone, d.k FROM z JOIN (SELECT CAST(LocationID AS DECIMAL(6,1)) AS k FROM z WHERE LocationID BETWEEN 3 AND 6) d ON z.LocationID = d.k ORDER BY z.LocationID",
    "dec_window_running_sum": f"SELECT id, grp, {DEC_AMOUNT} AS amt, sum({DEC_AMOUNT}) OVER (PARTITION BY grp ORDER BY id) AS running, avg({DEC_AMOUNT}) OVER (PARTITION BY grp) AS mean FROM a ORDER BY id",
    "dec_in_list_and_order": f"SELECT id, {DEC_AMOUNT} AS amt FROM a WHERE {DEC_AMOUNT} IN (0.1, 0.2, -7.5, 3.14159, 1000.125) OR amount IS NULL ORDER BY amt DESC NULLS LAST",
    "dec_sum_overflow_is_null": "SELECT sum(CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0))) AS s, sum(CAST(qty AS DECIMAL(38,0))) AS q FROM a",
    "dec_other_aggregates": f"SELECT typeof(percentile_approx({DEC_AMOUNT}, 0.5)) AS tp, "
                            f"stddev({DEC_AMOUNT}) AS sd, first({DEC_AMOUNT}) AS f, typeof(stddev({DEC_AMOUNT})) AS tsd FROM a",
    "dec_bround_half_even": f"SELECT bround(2.5) AS a, bround(-2.5) AS b, bround(0.125, 2) AS c, bround(1.2345, 3) AS d, bround(25, -1) AS e, bround(2.5D) AS f, typeof(bround(2.5)) AS t {ONE}",
    "dec_arithmetic_on_columns": f"SELECT id, {DEC_AMOUNT} * qty AS total, {DEC_AMOUNT} / qty AS per, {DEC_AMOUNT} % 1 AS frac, qty / 4.0 AS q4, typeof({DEC_AMOUNT} * qty) AS t FROM a ORDER BY id",
})


# Dispersion aggregates with Spark's CentralMomentAgg update order (the last digit agrees).
CASES.update({
    "moments_last_digit": "SELECT stddev(trip_distance) AS sd, variance(fare_amount) AS v, stddev_pop(tip_amount) AS sp, "
                          "var_pop(total_amount) AS vp, avg(trip_distance) AS m FROM y1",
    "moments_last_digit_grouped": "SELECT payment_type, stddev(trip_distance) AS sd, variance(fare_amount) AS v, "
                                  "stddev_pop(LocationID) AS z FROM y1 JOIN z ON y1.pickup_location_id = z.LocationID "
                                  "GROUP BY payment_type ORDER BY payment_type",
})


# Datetime patterns read letter by letter (run length is the width), to format and to parse.
TS = "TIMESTAMP '2019-01-05 06:07:08.123456'"
CASES.update({
    "pattern_single_letters_unpadded": f"SELECT date_format({TS}, 'M/d/yyyy') AS a, date_format(TIMESTAMP '2019-01-31 16:07:08', 'M/d/yyyy h:mm a') AS b, "
                                       f"date_format({TS}, 'H:m:s') AS c, date_format({TS}, 'D') AS d {ONE}",
    "pattern_widths_and_fractions": f"SELECT date_format(TIMESTAMP '2019-01-05 06:07:08', 'MM/dd/yy HH:mm:ss.SSS') AS a, date_format({TS}, 'ss.SSS') AS b, "
                                    f"date_format({TS}, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS c, date_format({TS}, 'DDD yyyyy') AS d {ONE}",
    "pattern_text_fields": f"SELECT date_format({TS}, 'MMM MMMM EEE EEEE') AS a, date_format(TIMESTAMP '2019-11-05 06:07:08', 'Q QQ QQQ QQQQ') AS b, "
                           f"date_format({TS}, 'G F') AS c, date_format(DATE '2019-03-01', 'yyyy/M/d EEEE') AS d {ONE}",
    "pattern_hours_of_the_clock": "SELECT LocationID, date_format(CAST((LocationID - 1) * 21600 + 428 AS TIMESTAMP), 'k K h H a') AS hours "
                                  "FROM z WHERE LocationID <= 4 ORDER BY LocationID",
    "pattern_quotes_and_zones": f"SELECT date_format({TS}, 'yyyy-MM-dd\\'T\\'HH:mm:ss') AS a, date_format({TS}, \"yyyy 'o''clock'\") AS b, "
                                f"date_format({TS}, 'XXX xx Z z') AS c {ONE}",
    "pattern_from_unixtime": f"SELECT from_unixtime(1546668428) AS a, from_unixtime(1546668428, 'M/d/yy h:mm a') AS b, from_unixtime(0, 'yyyy-MM-dd') AS c {ONE}",
    "pattern_parse_lenient_widths": f"SELECT to_timestamp('1/31/2019 4:05 PM', 'M/d/yyyy h:mm a') AS a, to_timestamp('2019-1-5', 'yyyy-M-d') AS b, "
                                    f"to_timestamp('2019-01-05 6:07', 'yyyy-MM-dd H:mm') AS c, to_date('1/5/2019', 'M/d/yyyy') AS d {ONE}",
    "pattern_parse_fixed_widths": f"SELECT to_timestamp('20190105', 'yyyyMMdd') AS a, to_timestamp('01/31/2019', 'MM/dd/yyyy') AS b, "
                                  f"to_timestamp('19-01-05', 'yy-MM-dd') AS c, to_timestamp('2019-001', 'yyyy-DDD') AS d {ONE}",
    "pattern_parse_fractions_and_zones": f"SELECT to_timestamp('2019-01-05 06:07:08.5', 'yyyy-MM-dd HH:mm:ss.SSS') AS a, "
                                         f"to_timestamp('2019-01-05 06:07:08.123456', 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS b, "
                                         f"to_timestamp('2019-01-05 06:07+01:00', 'yyyy-MM-dd HH:mmXXX') AS c, "
                                         f"to_timestamp('2019-01-05T06:07:08Z', 'yyyy-MM-dd\\'T\\'HH:mm:ss\\'Z\\'') AS d {ONE}",
    "pattern_parse_text_and_defaults": f"SELECT to_timestamp('05 jan 2019 06:07 pm', 'dd MMM yyyy hh:mm a') AS a, to_timestamp('06:07', 'HH:mm') AS b, "
                                       f"to_timestamp('2019-01-05 13:07 PM', 'yyyy-MM-dd HH:mm a') AS c, to_timestamp('March 2019', 'MMMM yyyy') AS d {ONE}",
    "pattern_parse_impossible_is_null": f"SELECT to_timestamp('2019-02-30', 'yyyy-MM-dd') AS a, to_timestamp('2019-13-01', 'yyyy-MM-dd') AS b, "
                                        f"to_timestamp('2019-01-05 24:00', 'yyyy-MM-dd HH:mm') AS c, unix_timestamp('2019-01-05') AS d {ONE}",
    "pattern_unix_timestamp": f"SELECT unix_timestamp('2019-01-05 06:07:08') AS a, unix_timestamp('1/5/2019', 'M/d/yyyy') AS b, "
                              f"unix_timestamp(TIMESTAMP '2019-01-05 06:07:08') AS c {ONE}",
    "pattern_format_columns": "SELECT date_format(pickup_datetime, 'EEE M/d h:mm a') AS pickup, date_format(dropoff_datetime, 'D HH:mm:ss.SSS') AS dropoff "
                              "FROM y1 ORDER BY pickup_datetime LIMIT 8",
})

# String literals as Spark's lexer reads them: adjacent literals join, '' is no escape, backslash escapes.
CASES.update({
    "string_literals_adjacent": f"SELECT 'o''neil' AS a, 'o' 'neil' AS b, \"x\"\"y\" AS c, 'multi' \"mixed\" 'quotes' AS d, '' 'x' '' AS e {ONE}",
    "string_literals_escapes": f"SELECT 'it\\'s' AS a, '\\u0041\\101' AS b, '50\\%' AS c, 'a\\\\b' AS d, \"say \\\"hi\\\"\" AS e, 'a\\zb' AS f, length('a\\nb') AS g {ONE}",
})


# One case per expression of scripts/spark_value_expressions.txt: its value and its type.
def value_case_name(expression, taken):
    slug = "".join(c if c.isalnum() else "_" for c in expression.lower())
    slug = "_".join(part for part in slug.split("_") if part)[:60].rstrip("_")
    name, n = f"value_{slug}", 2
    while name in taken:
        name, n = f"value_{slug}_{n}", n + 1
    return name


VALUE_CASES = {}
for line in (ROOT / "scripts" / "spark_value_expressions.txt").read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        VALUE_CASES[value_case_name(line, VALUE_CASES)] = f"SELECT {line} AS v, typeof({line}) AS t {ONE}"
CASES.update(VALUE_CASES)


# Clauses honoured rather than dropped: IGNORE NULLS, a view's column list.
CASES.update({
    "window_first_value_ignore_nulls": "SELECT g, v, first_value(v) IGNORE NULLS OVER (PARTITION BY g ORDER BY v NULLS FIRST) AS f, "
                                       "last_value(v) IGNORE NULLS OVER (PARTITION BY g ORDER BY v NULLS FIRST) AS l FROM fl ORDER BY g, v NULLS FIRST",
    "job_view_with_column_names": "CREATE OR REPLACE TEMP VIEW v (id, name) AS SELECT LocationID, Zone FROM z WHERE LocationID < 4;\n"
                                  "SELECT * FROM v ORDER BY id",
})


# IN / NOT IN subqueries: the inner names resolve in the subquery; NOT IN is null-aware.
CASES.update({
    "in_subquery_same_column_names": "WITH r AS (SELECT id FROM a WHERE grp = 'b') SELECT id, grp FROM a WHERE id IN (SELECT id FROM r) ORDER BY id",
    "not_in_subquery_with_null_keeps_nothing": "SELECT id FROM a WHERE qty NOT IN (SELECT qty FROM a WHERE grp = 'd') ORDER BY id",
    "not_in_subquery_drops_null_values": "SELECT id, qty FROM a WHERE qty NOT IN (SELECT qty FROM a WHERE grp = 'c') ORDER BY id",
    "not_in_empty_subquery_keeps_all": "SELECT id, qty FROM a WHERE qty NOT IN (SELECT qty FROM a WHERE grp = 'none') ORDER BY id",
})


# Joins without an equality: CROSS JOIN, FROM a, b, and ON conditions that only compare.
CASES.update({
    "join_cross_and_comma": "SELECT count(*) AS pairs, count(DISTINCT a.LocationID) AS zones FROM z a CROSS JOIN (SELECT * FROM z WHERE LocationID <= 3) b",
    "join_comma_with_where": "SELECT a.LocationID, b.Zone FROM z a, z b WHERE a.LocationID = b.LocationID AND a.LocationID < 4 ORDER BY 1",
    "join_non_equi_inner": "SELECT a.LocationID AS l, b.LocationID AS r FROM z a JOIN z b ON a.LocationID < b.LocationID WHERE b.LocationID <= 4 ORDER BY 1, 2",
    "join_non_equi_left": "SELECT a.LocationID AS l, b.LocationID AS r FROM z a LEFT JOIN z b ON a.LocationID > b.LocationID + 262 WHERE a.LocationID > 261 ORDER BY 1, 2",
})


# Uncorrelated scalar subqueries in WHERE and in the select list.
CASES.update({
    "scalar_subquery_in_where": "SELECT LocationID, Zone FROM z WHERE LocationID = (SELECT max(LocationID) FROM z) OR LocationID < (SELECT min(LocationID) + 2 FROM z) ORDER BY 1",
    "scalar_subquery_above_average": "SELECT vendor_id, count(*) AS n FROM y1 WHERE total_amount > (SELECT avg(total_amount) FROM y1) GROUP BY vendor_id ORDER BY vendor_id",
    "scalar_subquery_in_select": "SELECT LocationID, (SELECT count(*) FROM z) AS zones, round(LocationID * 100.0 / (SELECT count(*) FROM z), 2) AS pct, (SELECT max(LocationID) FROM z WHERE LocationID > 999) AS none FROM z WHERE LocationID < 4 ORDER BY 1",
    "scalar_subquery_named_as_spark": "SELECT (SELECT count(*) FROM z) FROM z WHERE LocationID = 1",
})


# INTERSECT and EXCEPT (distinct): rows compared with null equal to null.
CASES.update({
    "set_intersect": "SELECT Borough FROM z WHERE LocationID < 10 INTERSECT SELECT Borough FROM z WHERE LocationID > 200 ORDER BY 1",
    "set_except": "SELECT Borough, service_zone FROM z EXCEPT SELECT Borough, service_zone FROM z WHERE LocationID > 100 ORDER BY 1, 2",
    "set_except_with_nulls": "SELECT qty FROM a EXCEPT SELECT qty FROM a WHERE grp = 'a' ORDER BY 1",
    "set_intersect_with_nulls_and_widening": "SELECT qty FROM a WHERE grp = 'd' INTERSECT SELECT CAST(qty AS DOUBLE) FROM a ORDER BY 1",
})


# SELECT without FROM reads one row of no columns.
CASES.update({
    "select_without_from": "SELECT 1, 1 AS x, 'a' AS y, 2 / 3.0 AS z, typeof(1.1) AS t, date_format(TIMESTAMP '2019-01-05 06:07:08', 'M/d/yyyy') AS d",
    "select_without_from_filtered_and_counted": "SELECT count(*) AS n, max(1) AS m FROM (SELECT 1 AS one WHERE 1 = 0)",
    "select_without_from_union": "SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT (SELECT count(*) FROM z) ORDER BY a DESC",
})


# VALUES lists: inline rows, columns col1, col2, ... widened across rows.
CASES.update({
    "values_in_from": "SELECT * FROM (VALUES (1, 'a'), (2, NULL), (3, 'c')) AS t(id, name) ORDER BY id",
    "values_columns_named_and_widened": "SELECT col1, col2, typeof(col1) AS t1, typeof(col2) AS t2 FROM (VALUES (1, 2.5), (2.25, 3)) ORDER BY col1",
    "values_as_a_query": "VALUES (1, 'x'), (2, 'y')",
    "values_joined": "SELECT z.LocationID, z.Zone, v.label FROM z JOIN (VALUES (1, 'one'), (2, 'two')) AS v(id, label) ON z.LocationID = v.id ORDER BY 1",
})


# current_date() and current_timestamp(): one instant per query (checked without its value).
CASES.update({
    "current_date_and_timestamp": "SELECT current_date() IS NOT NULL AS a, typeof(current_date()) AS b, typeof(now()) AS c, "
                                  "datediff(current_date(), DATE '2019-01-01') > 2000 AS d, current_date() = to_date(current_timestamp()) AS e",
})


# Window frames (ROWS and RANGE, offsets and unbounded ends) and the distribution functions.
CASES.update({
    "window_rows_frames": "SELECT LocationID, Borough, "
        "sum(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2, "
        "avg(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS moving, "
        "count(*) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS rest, "
        "max(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) AS ahead, "
        "min(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID ROWS 2 PRECEDING) AS back2, "
        "sum(LocationID) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before "
        "FROM z WHERE LocationID < 30 OR LocationID > 255 ORDER BY LocationID",
    "window_range_frames": "SELECT id, grp, qty, amount, "
        "sum(qty) OVER (ORDER BY qty RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS near, "
        "count(*) OVER (ORDER BY qty DESC RANGE BETWEEN 2 PRECEDING AND CURRENT ROW) AS above, "
        "sum(id) OVER (PARTITION BY grp ORDER BY amount RANGE BETWEEN 10.5 PRECEDING AND 0.5 FOLLOWING) AS by_amount, "
        "max(id) OVER (ORDER BY qty RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS max_after, "
        "first_value(id) OVER (ORDER BY qty NULLS LAST, id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_all "
        "FROM a ORDER BY id",
    "window_distribution_functions": "SELECT Borough, LocationID, "
        "ntile(4) OVER (PARTITION BY Borough ORDER BY LocationID) AS quartile, "
        "ntile(100) OVER (PARTITION BY Borough ORDER BY LocationID) AS many, "
        "percent_rank() OVER (PARTITION BY Borough ORDER BY service_zone) AS pr, "
        "cume_dist() OVER (PARTITION BY Borough ORDER BY service_zone) AS cd, "
        "nth_value(Zone, 2) OVER (PARTITION BY Borough ORDER BY LocationID) AS second, "
        "nth_value(Zone, 3) OVER (PARTITION BY Borough ORDER BY LocationID ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS third "
        "FROM z WHERE LocationID < 40 OR LocationID > 260 ORDER BY Borough, LocationID",
    "window_function_names": "SELECT rank() OVER (ORDER BY LocationID), dense_rank() OVER (ORDER BY LocationID), "
        "percent_rank() OVER (ORDER BY LocationID), cume_dist() OVER (ORDER BY LocationID), ntile(2) OVER (ORDER BY LocationID), "
        "lag(LocationID) OVER (ORDER BY LocationID), lead(LocationID, 2, 0) OVER (ORDER BY LocationID), "
        "nth_value(LocationID, 1) OVER (ORDER BY LocationID), "
        "sum(LocationID) OVER (ORDER BY LocationID RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING), "
        "sum(LocationID) OVER (ORDER BY LocationID ROWS BETWEEN CURRENT ROW AND CURRENT ROW) "
        "FROM z WHERE LocationID < 4",
    "window_nth_value_ignore_nulls": "SELECT g, v, nth_value(v, 2) IGNORE NULLS OVER (PARTITION BY g ORDER BY v NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS second, "
        "nth_value(v, 1) OVER (PARTITION BY g ORDER BY v NULLS FIRST) AS first_seen FROM fl ORDER BY g, v",
})


# ROLLUP, CUBE, GROUPING SETS: one aggregation per set, keys left out are null, aggregates read
# the real values; grouping() and grouping_id() tell the sets' rows apart.
CASES.update({
    "grouping_rollup": "SELECT Borough, service_zone, grouping(Borough) AS gb, grouping_id() AS gid, count(*) AS n, "
        "sum(LocationID) AS s FROM z GROUP BY ROLLUP(Borough, service_zone) ORDER BY gid, Borough, service_zone",
    "grouping_cube_with_null_keys": "SELECT grp, qty, grouping(qty) AS gq, count(qty) AS counted, sum(amount) AS total "
        "FROM a WHERE grp IN ('b', 'd') GROUP BY CUBE(grp, qty) ORDER BY grp NULLS FIRST, gq, qty NULLS FIRST",
    "grouping_sets_having_and_order": "SELECT grp, qty % 2 AS odd, count(*) AS n, grouping_id(grp, qty % 2) AS id FROM a "
        "GROUP BY GROUPING SETS ((grp), (qty % 2), ()) HAVING count(*) > 2 ORDER BY grouping(grp), grp, odd",
    "grouping_with_rollup_modifier": "SELECT Borough, count(*) AS n FROM z GROUP BY Borough WITH ROLLUP ORDER BY n, Borough",
    "grouping_mixed_key_and_rollup": "SELECT grp, qty > 4 AS big, count(*) AS n, sum(id) AS ids FROM a GROUP BY grp, ROLLUP(qty > 4) ORDER BY grp, big NULLS LAST, n",
    "grouping_key_also_aggregated": "SELECT grp, count(grp) AS c, max(grp) AS m, grouping(grp) AS g FROM a GROUP BY CUBE(grp) ORDER BY g, grp",
})


# DISTINCT in aggregates, several-argument count, and the pair statistics.
CASES.update({
    "aggregate_distinct_values": "SELECT grp, sum(DISTINCT qty % 3) AS s, avg(DISTINCT qty % 3) AS a, count(DISTINCT qty % 3) AS c, "
        "count(DISTINCT grp, qty % 2) AS pairs, count(grp, qty) AS both_set, min(DISTINCT qty) AS lo, stddev(DISTINCT qty % 4) AS sd "
        "FROM a GROUP BY ROLLUP(grp) ORDER BY grp NULLS LAST",
    "aggregate_distinct_decimal_and_names": "SELECT sum(DISTINCT amount), avg(DISTINCT CAST(amount AS DECIMAL(10, 3))), count(DISTINCT Borough, service_zone) "
        "FROM a CROSS JOIN (SELECT Borough, service_zone FROM z WHERE LocationID < 3)",
    "aggregate_covariance_and_correlation": "SELECT Borough, covar_pop(LocationID, length(Zone)) AS cp, covar_samp(LocationID, length(Zone)) AS cs, "
        "corr(LocationID, length(Zone)) AS r, corr(LocationID, LocationID) AS one FROM z GROUP BY Borough ORDER BY Borough",
    "aggregate_covariance_with_nulls": "SELECT covar_pop(qty, amount), covar_samp(qty, amount), corr(qty, amount), corr(qty, 1) FROM a",
})


# Statements about the session: DESCRIBE, SHOW TABLES, SHOW COLUMNS.
CASES.update({
    "describe_view": "CREATE OR REPLACE TEMP VIEW typed AS SELECT LocationID, CAST(LocationID AS BIGINT) AS big, 1.5 AS d, "
        "DATE '2019-01-01' AS day, TIMESTAMP '2019-01-01 00:00:00' AS ts, Zone FROM z; DESCRIBE typed",
    "describe_table_keyword": "DESC TABLE z",
    "show_columns": "SHOW COLUMNS IN a",
})


# TABLESAMPLE (n ROWS): the first n rows.
CASES.update({
    "tablesample_rows": "SELECT count(*) AS n, count(DISTINCT Borough) >= 1 AS some FROM z TABLESAMPLE (5 ROWS)",
})


# Arrays and structs: built, indexed, searched, collected, exploded (in the select list and in
# LATERAL VIEW), and shown as Spark shows them.
CASES.update({
    "array_functions": "SELECT LocationID, split(Zone, '/') AS parts, split(Zone, '/')[0] AS first, split(Zone, '/')[5] AS none, "
        "element_at(split(Zone, '/'), -1) AS last, size(split(Zone, '/')) AS n, array_contains(split(Zone, '/'), 'Allerton') AS has, "
        "sort_array(split(Zone, '/'), false) AS sorted, array_join(split(Zone, '/'), ' & ') AS joined, array(LocationID, 2.5) AS mixed "
        "FROM z WHERE LocationID IN (1, 3, 264) ORDER BY 1",
    "array_nulls": "SELECT size(CAST(NULL AS ARRAY<INT>)) AS s, array_contains(array(1, NULL), 2) AS unknown, array_contains(array(1, NULL), 1) AS found, "
        "array(1, NULL, 3)[1] AS mid, element_at(array(1, 2), 5) AS past, array_distinct(array(1, 2, 1, NULL, NULL)) AS d, "
        "sort_array(array(3, NULL, 1)) AS up, sort_array(array(3, NULL, 1), false) AS down",
    "struct_functions": "SELECT LocationID, struct(LocationID, Borough) AS s, named_struct('id', LocationID, 'zone', upper(Zone)) AS n, "
        "named_struct('id', LocationID, 'zone', Zone).zone AS z FROM z WHERE LocationID < 3 ORDER BY 1",
    "collect_list_and_set": "SELECT Borough, size(collect_list(LocationID)) AS n, sort_array(collect_set(service_zone)) AS zones, "
        "sort_array(collect_list(CASE WHEN LocationID < 50 THEN LocationID END)) AS small "
        "FROM z GROUP BY Borough ORDER BY Borough",
    "explode_in_select": "SELECT LocationID, explode(split(Zone, '/')) AS part FROM z WHERE LocationID < 5 ORDER BY LocationID, part",
    "posexplode_in_select": "SELECT posexplode(array(10, 20, 30)) ORDER BY pos",
    "lateral_view_explode": "SELECT count(*) AS rows, count(DISTINCT LocationID) AS zones FROM z LATERAL VIEW explode(split(Zone, '/')) t AS part",
    "lateral_view_posexplode_where": "SELECT LocationID, pos, t.part FROM z LATERAL VIEW posexplode(split(Zone, '/')) t AS pos, part WHERE pos > 0 ORDER BY 1, 2",
    "lateral_view_outer": "SELECT id, x FROM (SELECT 1 AS id, array(1, 2) AS xs UNION ALL SELECT 2, CAST(NULL AS ARRAY<INT>)) LATERAL VIEW OUTER explode(xs) t AS x ORDER BY id, x",
    "explode_then_aggregate": "SELECT part, count(*) AS n FROM (SELECT explode(split(Zone, ' ')) AS part FROM z) GROUP BY part ORDER BY n DESC, part LIMIT 5",
})


# Hashes and number formatting.
CASES.update({
    "value_hashes": "SELECT hash(1) AS a, hash('abc') AS b, hash(1L) AS c, hash(1.5D) AS d, hash(CAST(NULL AS INT)) AS e, hash(1, 'a', NULL, 2.5) AS f, "
        "hash(DATE '2019-01-01') AS g, hash(TIMESTAMP '2019-01-01 10:00:00') AS h, hash(true) AS i, hash('ab') AS j, hash('abcde') AS k, "
        "hash(CAST(1.5 AS DECIMAL(30, 2))) AS l, hash(CAST(-1.5 AS DECIMAL(5, 2))) AS m, hash(-0.0D) = hash(0.0D) AS n, hash(array(1, 2)) AS o, hash(CAST(3 AS TINYINT)) AS p",
    "value_digests": "SELECT md5('abc') AS a, sha1('abc') AS b, sha('') AS c, sha2('abc', 256) AS d, sha2('abc', 224) AS e, sha2('abc', 384) AS f, "
        "sha2('abc', 512) AS g, sha2('abc', 0) AS h, sha2('abc', 100) AS i, crc32('abc') AS j, md5(CAST(NULL AS STRING)) AS k, md5(CAST('é' AS BINARY)) AS l",
    "value_format_number": "SELECT format_number(0.125D, 2) AS a, format_number(2.675D, 2) AS b, format_number(-1234567.891D, 2) AS c, format_number(12345, 0) AS d, "
        "format_number(2.5D, 0) AS e, format_number(CAST(2.5 AS DECIMAL(2, 1)), 0) AS f, format_number(-0.001D, 2) AS g, format_number(5, -1) AS h, "
        "format_number(-5L, 3) AS i, format_number(CAST(-1234.5 AS DECIMAL(6, 1)), 3) AS j, format_number(1234567.125, 2) AS k, format_number(CAST(NULL AS INT), 2) AS l",
    "hash_per_row": "SELECT LocationID, hash(LocationID) AS h, hash(Zone) AS z, hash(LocationID, Borough) AS both, crc32(Zone) AS c, md5(Zone) AS m, format_number(LocationID * 1000.5, 1) AS f "
        "FROM z WHERE LocationID IN (1, 2, 263, 264, 265) ORDER BY 1",
})


# Time zone shifts (the session time zone is UTC).
CASES.update({
    "value_utc_timestamp_shifts": "SELECT from_utc_timestamp(TIMESTAMP '2019-01-01 12:00:00', 'America/New_York') AS a, "
        "from_utc_timestamp(TIMESTAMP '2019-07-01 12:00:00', 'America/New_York') AS b, to_utc_timestamp(TIMESTAMP '2019-01-01 07:00:00', 'America/New_York') AS c, "
        "from_utc_timestamp(TIMESTAMP '2019-01-01 12:00:00', '+05:30') AS d, to_utc_timestamp(TIMESTAMP '2019-03-10 02:30:00', 'America/New_York') AS gap, "
        "to_utc_timestamp(TIMESTAMP '2019-11-03 01:30:00', 'America/New_York') AS overlap, from_utc_timestamp(TIMESTAMP '2019-01-01 00:00:00', 'PST') AS e, "
        "from_utc_timestamp(TIMESTAMP '2019-01-01 00:00:00', 'GMT+8') AS f, from_utc_timestamp(DATE '2019-06-01', 'Asia/Kolkata') AS g, "
        "from_utc_timestamp(CAST(NULL AS TIMESTAMP), 'UTC') AS h, to_utc_timestamp('2019-01-01 00:00:00', 'EST') AS i",
    "utc_timestamp_per_row": "SELECT pickup_datetime, from_utc_timestamp(pickup_datetime, 'America/New_York') AS local, "
        "to_utc_timestamp(pickup_datetime, 'Europe/London') AS london FROM y1 ORDER BY 1 LIMIT 3",
})


# Correlated scalar subqueries: grouped by the inner side of the equalities and joined; rows
# without a group get the aggregate over no rows (count is 0, not null).
CASES.update({
    "correlated_subquery_in_where": "SELECT LocationID, Borough FROM z WHERE LocationID = (SELECT max(LocationID) FROM z z2 WHERE z2.Borough = z.Borough) ORDER BY 1",
    "correlated_subquery_in_select": "SELECT id, grp, (SELECT count(*) FROM a a2 WHERE a2.grp = a.grp AND a2.qty > 3) AS big, "
        "(SELECT sum(qty) FROM a a2 WHERE a2.qty > 100 AND a2.grp = a.grp) AS none, (SELECT count(qty) + 1 FROM a a2 WHERE a2.qty = a.qty) AS same FROM a ORDER BY id",
    "correlated_subquery_two_keys": "SELECT LocationID, (SELECT count(*) FROM z z2 WHERE z2.Borough = z.Borough AND z2.service_zone = z.service_zone) AS peers "
        "FROM z WHERE LocationID IN (1, 2, 4, 264) ORDER BY 1",
    "correlated_subquery_count_in_where": "SELECT id FROM a WHERE (SELECT count(*) FROM a a2 WHERE a2.grp = a.grp AND a2.amount > 10) = 0 ORDER BY id",
})


# INTERSECT ALL and EXCEPT ALL: copies counted, nulls equal.
CASES.update({
    "set_intersect_all": "SELECT a FROM (VALUES (1), (1), (2), (NULL), (NULL)) t(a) INTERSECT ALL SELECT a FROM (VALUES (1), (1), (1), (NULL), (3)) s(a) ORDER BY 1",
    "set_except_all": "SELECT a, b FROM (VALUES (1, 'x'), (1, 'x'), (2, NULL), (NULL, NULL), (NULL, NULL)) t(a, b) "
        "EXCEPT ALL SELECT a, b FROM (VALUES (1, 'x'), (NULL, NULL), (3, 'y')) s(a, b) ORDER BY 1, 2",
    "set_except_all_boroughs": "SELECT Borough FROM z EXCEPT ALL SELECT Borough FROM z WHERE LocationID > 20 ORDER BY 1",
    "set_intersect_all_widening": "SELECT qty FROM a INTERSECT ALL SELECT CAST(qty % 4 AS DOUBLE) FROM a ORDER BY 1",
})


# Files in FROM with Spark's own defaults when the job says so (Spark keeps any SET key).
CASES.update({
    "job_files_in_from_with_spark_defaults": "SET engine.sql.files.sparkDefaults=true;\n"
        "SELECT _c0, _c2, typeof(_c0) AS t FROM csv.`data/taxi_zone_lookup.csv` WHERE _c1 = 'EWR' OR _c0 = 'LocationID'",
})


# Uncorrelated scalar subqueries in the select list of a grouped query.
CASES.update({
    "scalar_subquery_in_grouped_select": "SELECT Borough, round(count(*) * 100.0 / (SELECT count(*) FROM z), 2) AS pct, "
        "(SELECT max(LocationID) FROM z WHERE Borough = 'EWR') AS ewr FROM z GROUP BY Borough HAVING count(*) > (SELECT min(LocationID) FROM z) ORDER BY 1",
})


# trunc's units: 'Q' is not one of them (null), QUARTER is.
CASES.update({
    "value_trunc_quarter": "SELECT trunc(DATE '2019-05-05', 'Q') AS q, trunc(DATE '2019-05-05', 'QUARTER') AS quarter, "
        "trunc(TIMESTAMP '2019-05-05 10:00:00', 'quarter') AS ts, date_trunc('Q', TIMESTAMP '2019-05-05 10:00:00') AS dq, "
        "date_trunc('QUARTER', TIMESTAMP '2019-05-05 10:00:00') AS dquarter",
})


# VALUES right after FROM, without parentheses.
CASES.update({
    "values_after_from_bare": "SELECT x, y FROM VALUES (1, 'a'), (2, 'b)'), (3, NULL) AS t(x, y) WHERE x > 1 ORDER BY x",
})


# Arrays cast element by element with Spark's rules (doubles, timestamps, strings to numbers).
CASES.update({
    "value_array_casts": "SELECT array_join(array(1e10D, 0.1D), ',') AS a, CAST(array(1e10D, 1.5D) AS ARRAY<STRING>) AS b, "
        "CAST(array(TIMESTAMP '2019-01-01 00:00:00') AS ARRAY<STRING>) AS c, CAST(array('1', 'x', ' 2') AS ARRAY<INT>) AS d, "
        "CAST(array(1.25, 2.35) AS ARRAY<DECIMAL(3, 1)>) AS e, CAST(array(array(1.5D)) AS ARRAY<ARRAY<STRING>>) AS f, "
        "CAST(array(1e10D) AS STRING) AS g, array_join(array(DATE '2019-01-01', NULL), '|', '-') AS h",
})


# Joins on several keys: fixed-width keys of up to 16 bytes together (compared as one packed
# number, -0.0 = 0.0 and NaN = NaN as Spark normalizes them), wider ones (compared as row
# bytes), null keys that match nothing; and joins whose keys and condition columns are not
# selected (the join returns only the columns wanted above it).
CASES.update({
    "join_composite_fixed_width_keys": "SELECT a.vendor_id, count(*) AS n, count(b.total_amount) AS matched, round(sum(b.total_amount), 2) AS total "
        "FROM y1 a LEFT JOIN y2 b ON a.pickup_location_id = b.pickup_location_id AND a.payment_type = b.payment_type "
        "AND CAST(a.pickup_datetime AS DATE) = date_add(CAST(b.pickup_datetime AS DATE), -31) GROUP BY a.vendor_id ORDER BY a.vendor_id",
    "join_composite_wide_keys": "SELECT a.vendor_id, a.pickup_datetime, b.tip_amount FROM y1 a JOIN yall b ON a.pickup_datetime = b.pickup_datetime "
        "AND a.dropoff_datetime = b.dropoff_datetime AND a.total_amount = b.total_amount AND a.trip_distance = b.trip_distance "
        "WHERE a.pickup_datetime < '2019-01-02' ORDER BY a.pickup_datetime, a.vendor_id, b.tip_amount",
    "join_composite_float_and_null_keys": "WITH g AS (SELECT congestion_surcharge AS cs, vendor_id AS v, count(*) AS n FROM y1 GROUP BY 1, 2), "
        "h AS (SELECT k, v - v AS zero, v FROM f) "
        "SELECT a.cs, a.v, a.n, b.n AS m, c.v AS fv FROM g a LEFT JOIN g b ON a.cs = b.cs AND a.v = b.v "
        "LEFT JOIN h c ON CAST(a.cs AS DOUBLE) * 0 = c.k AND a.v - a.v = c.zero ORDER BY 1, 2, 5",
    "join_unselected_keys_and_condition": "SELECT b.Zone, count(*) AS trips FROM y1 a JOIN z b ON a.pickup_location_id = b.LocationID "
        "AND a.trip_distance * 10 > b.LocationID GROUP BY b.Zone ORDER BY trips DESC, b.Zone LIMIT 15",
    "join_full_unselected_keys": "SELECT b.Borough, a.vendor_id, count(*) AS n FROM (SELECT * FROM y1 WHERE trip_distance > 15) a "
        "FULL JOIN z b ON a.dropoff_location_id = b.LocationID GROUP BY 1, 2 ORDER BY 1, 2",
    "join_semi_anti_composite_keys": "SELECT 'semi' AS how, a.vendor_id, count(*) AS n FROM y1 a LEFT SEMI JOIN y2 b "
        "ON a.pickup_location_id = b.dropoff_location_id AND a.payment_type = b.payment_type AND a.passenger_count = b.passenger_count GROUP BY 2 "
        "UNION ALL SELECT 'anti', a.vendor_id, count(*) FROM y1 a LEFT ANTI JOIN y2 b "
        "ON a.pickup_location_id = b.dropoff_location_id AND a.payment_type = b.payment_type AND a.passenger_count = b.passenger_count GROUP BY 2 ORDER BY 1, 2",
})


def main():
    spark = spark_session()
    for name, path in VIEWS.items():
        spark.read.option("header", "true").option("inferSchema", "true").csv(path).createOrReplaceTempView(name)
    # Every answer first: a case Spark rejects leaves the committed files as they were.
    results = {}
    for name, sql in sorted(CASES.items()):
        statements = [s.strip() for s in sql.split(";") if s.strip()]
        for s in statements[:-1]:
            spark.sql(s)
        df = spark.sql(statements[-1])
        results[name] = sql.strip() + "\n----\n" + df._jdf.showString(ROWS, 20, False) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.test"):
        old.unlink()
    for name, text in results.items():
        (OUT / f"{name}.test").write_text(text)
    print(f"wrote {len(CASES)} SQL cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

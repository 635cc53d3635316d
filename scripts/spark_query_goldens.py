#!/usr/bin/env python3
"""Regenerate tests/golden/query/ with PySpark 3.3: each case is an `engine query` command line
(`<name>.args`, one argument per line) and the same question asked of Spark in Spark SQL
(`<name>.out`: what Spark's show() prints). The engine's answer is computed by the engine; Spark's
by Spark: nothing is shared but the input files.

    scripts/venv.sh spark && .venv/bin/python scripts/spark_query_goldens.py
"""
from pathlib import Path

from sparklib import spark_session

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "query"
Z = "data/taxi_zone_lookup.csv"
Y1 = "data/yellow_tripdata_sample_2019-01.csv"
Y2 = "data/yellow_tripdata_sample_2019-02.csv"
YALL = "data/yellow_tripdata_sample_2019-0*.csv"

REVENUE_AGGS = (
    "sum(fare_amount) AS revenue_monthly_fare, sum(extra) AS revenue_monthly_extra, "
    "sum(mta_tax) AS revenue_monthly_mta_tax, sum(tip_amount) AS revenue_monthly_tip_amount, "
    "sum(tolls_amount) AS revenue_monthly_tolls_amount, "
    "sum(improvement_surcharge) AS revenue_monthly_improvement_surcharge, "
    "sum(total_amount) AS revenue_monthly_total_amount, "
    "sum(congestion_surcharge) AS revenue_monthly_congestion_surcharge, "
    "avg(passenger_count) AS avg_monthly_passenger_count, avg(trip_distance) AS avg_monthly_trip_distance"
)

# name -> (engine query arguments after INPUT, input, Spark SQL over views y1, y2, yall, z, rows)
CASES = {
    "filter_select": (
        ["--filter", "total_amount > 50 AND payment_type = 1",
         "--select", "vendor_id, pickup_datetime, total_amount, tip_amount / total_amount AS tip_share",
         "--order-by", "pickup_datetime, total_amount, vendor_id"],
        Y1,
        "SELECT vendor_id, pickup_datetime, total_amount, tip_amount / total_amount AS tip_share FROM y1 "
        "WHERE total_amount > 50 AND payment_type = 1 ORDER BY pickup_datetime, total_amount, vendor_id",
        40,
    ),
    "group_by_with_nulls": (
        ["--group-by", "congestion_surcharge",
         "--agg", "count(*), count(congestion_surcharge), sum(total_amount), avg(passenger_count), "
                  "min(tip_amount), max(tip_amount), count(DISTINCT payment_type)",
         "--order-by", "congestion_surcharge"],
        Y1,
        "SELECT congestion_surcharge, count(*), count(congestion_surcharge), sum(total_amount), "
        "avg(passenger_count), min(tip_amount), max(tip_amount), count(DISTINCT payment_type) "
        "FROM y1 GROUP BY congestion_surcharge ORDER BY congestion_surcharge",
        20,
    ),
    "global_aggregates": (
        ["--agg", "count(*), sum(total_amount), avg(trip_distance), min(pickup_datetime), max(dropoff_datetime), "
                  "stddev(fare_amount), variance(tip_amount), percentile_approx(trip_distance, 0.5), "
                  "sum(congestion_surcharge), round(avg(total_amount), 2)"],
        YALL,
        "SELECT count(*), sum(total_amount), avg(trip_distance), min(pickup_datetime), max(dropoff_datetime), "
        "stddev(fare_amount), variance(tip_amount), percentile_approx(trip_distance, 0.5), "
        "sum(congestion_surcharge), round(avg(total_amount), 2) FROM yall",
        20,
    ),
    "group_by_month_and_payment": (
        ["--group-by", "date_trunc('month', pickup_datetime) AS month, payment_type",
         "--agg", "count(*) AS trips, round(sum(total_amount), 2) AS revenue, max(trip_distance)",
         "--order-by", "month, payment_type"],
        YALL,
        "SELECT date_trunc('month', pickup_datetime) AS month, payment_type, count(*) AS trips, "
        "round(sum(total_amount), 2) AS revenue, max(trip_distance) FROM yall "
        "GROUP BY date_trunc('month', pickup_datetime), payment_type ORDER BY month, payment_type",
        40,
    ),
    "revenue_report": (
        ["--group-by", "pickup_location_id AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month",
         "--agg", REVENUE_AGGS,
         "--order-by", "revenue_zone, revenue_month"],
        YALL,
        "SELECT pickup_location_id AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month, "
        + REVENUE_AGGS + " FROM yall GROUP BY 1, 2 ORDER BY 1, 2",
        500,
    ),
    "revenue_by_zone_name": (
        ["--join", Z, "--on", "pickup_location_id = LocationID",
         "--group-by", "Zone AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month",
         "--agg", REVENUE_AGGS,
         "--order-by", "revenue_zone, revenue_month"],
        YALL,
        "SELECT z.Zone AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month, "
        + REVENUE_AGGS + " FROM yall JOIN z ON yall.pickup_location_id = z.LocationID "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        500,
    ),
    "join_inner_by_borough": (
        ["--join", Z, "--on", "dropoff_location_id = LocationID",
         "--group-by", "Borough", "--agg", "count(*) AS trips, round(avg(total_amount), 2) AS avg_total",
         "--order-by", "trips DESC, Borough"],
        Y1,
        "SELECT Borough, count(*) AS trips, round(avg(total_amount), 2) AS avg_total FROM y1 "
        "JOIN z ON y1.dropoff_location_id = z.LocationID GROUP BY Borough ORDER BY trips DESC, Borough",
        20,
    ),
    "join_left_zones_without_trips": (
        ["--join", "t=" + Y1, "--on", "LocationID = t.pickup_location_id", "--how", "left",
         "--filter", "t.vendor_id IS NULL",
         "--select", "LocationID, Borough, Zone, t.total_amount",
         "--order-by", "LocationID"],
        Z,
        "SELECT LocationID, Borough, Zone, t.total_amount FROM z LEFT JOIN y1 t "
        "ON z.LocationID = t.pickup_location_id WHERE t.vendor_id IS NULL ORDER BY LocationID",
        300,
    ),
    "join_right": (
        ["--filter", "Borough = 'EWR' OR LocationID > 262",
         "--join", Y2, "--on", "LocationID = dropoff_location_id", "--how", "right",
         "--group-by", "LocationID, Zone", "--agg", "count(*) AS trips",
         "--order-by", "trips DESC, LocationID NULLS FIRST"],
        Z,
        "SELECT LocationID, Zone, count(*) AS trips FROM (SELECT * FROM z WHERE Borough = 'EWR' OR LocationID > 262) zz "
        "RIGHT JOIN y2 ON zz.LocationID = y2.dropoff_location_id GROUP BY LocationID, Zone "
        "ORDER BY trips DESC, LocationID NULLS FIRST",
        20,
    ),
    "join_full": (
        ["--filter", "LocationID < 4 OR LocationID > 262",
         "--join", "s=" + Y1, "--on", "LocationID = s.pickup_location_id", "--how", "full",
         "--group-by", "coalesce(LocationID, s.pickup_location_id) AS id",
         "--agg", "count(s.vendor_id) AS trips, max(Borough) AS borough",
         "--order-by", "id"],
        Z,
        "SELECT coalesce(LocationID, s.pickup_location_id) AS id, count(s.vendor_id) AS trips, max(Borough) AS borough "
        "FROM (SELECT * FROM z WHERE LocationID < 4 OR LocationID > 262) zz FULL JOIN y1 s "
        "ON zz.LocationID = s.pickup_location_id GROUP BY 1 ORDER BY id",
        300,
    ),
    "join_using": (
        ["--select", "pickup_location_id AS LocationID, total_amount",
         "--join", Z, "--on", "LocationID",
         "--filter", "Borough = 'Manhattan'",
         "--order-by", "total_amount DESC, LocationID", "--limit", "8"],
        Y1,
        "SELECT * FROM (SELECT pickup_location_id AS LocationID, total_amount FROM y1) t JOIN z USING (LocationID) "
        "WHERE Borough = 'Manhattan' ORDER BY total_amount DESC, LocationID LIMIT 8",
        20,
    ),
    "join_semi": (
        ["--join", Y1, "--on", "LocationID = dropoff_location_id AND total_amount > 100", "--how", "semi",
         "--order-by", "LocationID"],
        Z,
        "SELECT * FROM z LEFT SEMI JOIN y1 ON z.LocationID = y1.dropoff_location_id AND y1.total_amount > 100 "
        "ORDER BY LocationID",
        300,
    ),
    "join_anti": (
        ["--join", Y1, "--on", "LocationID = pickup_location_id", "--how", "anti",
         "--select", "LocationID, upper(Zone) AS zone", "--order-by", "LocationID"],
        Z,
        "SELECT LocationID, upper(Zone) AS zone FROM z LEFT ANTI JOIN y1 ON z.LocationID = y1.pickup_location_id "
        "ORDER BY LocationID",
        300,
    ),
    "top_n": (
        ["--order-by", "total_amount DESC, pickup_datetime, dropoff_datetime", "--limit", "12",
         "--select", "pickup_datetime, dropoff_datetime, trip_distance, total_amount"],
        YALL,
        "SELECT pickup_datetime, dropoff_datetime, trip_distance, total_amount FROM yall "
        "ORDER BY total_amount DESC, pickup_datetime, dropoff_datetime LIMIT 12",
        20,
    ),
    "nulls_last_ordering": (
        ["--select", "pickup_datetime, congestion_surcharge, total_amount",
         "--order-by", "congestion_surcharge DESC NULLS FIRST, total_amount ASC NULLS LAST, pickup_datetime",
         "--limit", "15"],
        Y1,
        "SELECT pickup_datetime, congestion_surcharge, total_amount FROM y1 "
        "ORDER BY congestion_surcharge DESC NULLS FIRST, total_amount ASC NULLS LAST, pickup_datetime LIMIT 15",
        20,
    ),
    "distinct": (
        ["--select", "payment_type, vendor_id, rate_code_id", "--distinct",
         "--order-by", "payment_type, vendor_id, rate_code_id"],
        YALL,
        "SELECT DISTINCT payment_type, vendor_id, rate_code_id FROM yall ORDER BY payment_type, vendor_id, rate_code_id",
        100,
    ),
    "union": (
        ["--union", Y2, "--group-by", "month(pickup_datetime) AS m", "--agg", "count(*), round(sum(total_amount), 2)",
         "--order-by", "m"],
        Y1,
        "SELECT month(pickup_datetime) AS m, count(*), round(sum(total_amount), 2) FROM "
        "(SELECT * FROM y1 UNION ALL SELECT * FROM y2) GROUP BY month(pickup_datetime) ORDER BY m",
        20,
    ),
    "union_by_name": (
        ["--select", "service_zone, Zone, Borough, LocationID", "--union-by-name", Z, "--filter", "LocationID <= 3",
         "--order-by", "LocationID, Zone"],
        Z,
        None,
        20,
    ),
    "string_functions": (
        ["--filter", "LocationID IN (1, 4, 7, 56, 57, 103, 264) OR Zone LIKE '%Airport%'",
         "--select", "LocationID, upper(Zone), lower(Borough) AS b, length(Zone), substring(Zone, 2, 5), "
                     "concat(Borough, '/', Zone) AS path, concat_ws('-', Borough, service_zone, Zone) AS ws, "
                     "trim(concat('  ', Borough, ' ')) AS t, split(Zone, '/') AS parts, "
                     "regexp_replace(Zone, '[aeiou]', '_') AS consonants, regexp_extract(Zone, '^(\\\\w+)', 1) AS first_word",
         "--order-by", "LocationID"],
        Z,
        "SELECT LocationID, upper(Zone), lower(Borough) AS b, length(Zone), substring(Zone, 2, 5), "
        "concat(Borough, '/', Zone) AS path, concat_ws('-', Borough, service_zone, Zone) AS ws, "
        "trim(concat('  ', Borough, ' ')) AS t, split(Zone, '/') AS parts, "
        "regexp_replace(Zone, '[aeiou]', '_') AS consonants, regexp_extract(Zone, '^(\\\\w+)', 1) AS first_word "
        "FROM z WHERE LocationID IN (1, 4, 7, 56, 57, 103, 264) OR Zone LIKE '%Airport%' ORDER BY LocationID",
        30,
    ),
    "conditional_expressions": (
        ["--with-column", "size=CASE WHEN total_amount >= 50 THEN 'large' WHEN total_amount >= 10 THEN 'medium' ELSE 'small' END",
         "--with-column", "cs=coalesce(congestion_surcharge, -1.0)",
         "--with-column", "cs2=nvl(congestion_surcharge, 0)",
         "--with-column", "card=if(payment_type = 1, 'card', 'other')",
         "--with-column", "mid=trip_distance BETWEEN 1 AND 2",
         "--with-column", "night=hour(pickup_datetime) NOT IN (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)",
         "--group-by", "size, cs, cs2, card, mid, night", "--agg", "count(*) AS n",
         "--order-by", "size, cs, cs2, card, mid, night"],
        Y1,
        "SELECT size, cs, cs2, card, mid, night, count(*) AS n FROM (SELECT "
        "CASE WHEN total_amount >= 50 THEN 'large' WHEN total_amount >= 10 THEN 'medium' ELSE 'small' END AS size, "
        "coalesce(congestion_surcharge, -1.0D) AS cs, nvl(congestion_surcharge, 0) AS cs2, "
        "if(payment_type = 1, 'card', 'other') AS card, trip_distance BETWEEN 1 AND 2 AS mid, "
        "hour(pickup_datetime) NOT IN (6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21) AS night FROM y1) "
        "GROUP BY size, cs, cs2, card, mid, night ORDER BY size, cs, cs2, card, mid, night",
        100,
    ),
    "date_functions": (
        ["--filter", "trip_distance > 15",
         "--select", "pickup_datetime, to_date(pickup_datetime) AS d, year(pickup_datetime) AS y, "
                     "month(pickup_datetime) AS m, dayofmonth(pickup_datetime) AS dom, dayofweek(pickup_datetime) AS dow, "
                     "hour(pickup_datetime) AS h, minute(pickup_datetime) AS mi, "
                     "date_format(pickup_datetime, 'yyyy/MM/dd HH:mm') AS f, "
                     "datediff(dropoff_datetime, pickup_datetime) AS days, date_add(to_date(pickup_datetime), 30) AS later, "
                     "unix_timestamp(pickup_datetime) AS epoch, from_unixtime(unix_timestamp(dropoff_datetime)) AS back, "
                     "to_timestamp('2019-01-01 00:00:00') AS ts, "
                     "(unix_timestamp(dropoff_datetime) - unix_timestamp(pickup_datetime)) div 60 AS minutes",
         "--order-by", "pickup_datetime, epoch"],
        Y1,
        "SELECT pickup_datetime, to_date(pickup_datetime) AS d, year(pickup_datetime) AS y, "
        "month(pickup_datetime) AS m, dayofmonth(pickup_datetime) AS dom, dayofweek(pickup_datetime) AS dow, "
        "hour(pickup_datetime) AS h, minute(pickup_datetime) AS mi, "
        "date_format(pickup_datetime, 'yyyy/MM/dd HH:mm') AS f, "
        "datediff(dropoff_datetime, pickup_datetime) AS days, date_add(to_date(pickup_datetime), 30) AS later, "
        "unix_timestamp(pickup_datetime) AS epoch, from_unixtime(unix_timestamp(dropoff_datetime)) AS back, "
        "to_timestamp('2019-01-01 00:00:00') AS ts, "
        "(unix_timestamp(dropoff_datetime) - unix_timestamp(pickup_datetime)) div 60 AS minutes "
        "FROM y1 WHERE trip_distance > 15 ORDER BY pickup_datetime, epoch",
        60,
    ),
    "math_functions": (
        ["--filter", "pickup_location_id = 132",
         "--select", "fare_amount, round(fare_amount * 1.075, 1) AS r1, abs(fare_amount - 50) AS a, "
                     "floor(trip_distance) AS fl, ceil(trip_distance) AS ce, sqrt(trip_distance) AS sq, "
                     "pow(trip_distance, 2) AS p, passenger_count % 2 AS odd, passenger_count div 2 AS half, "
                     "total_amount / passenger_count AS per_person, CAST(total_amount AS INT) AS whole, "
                     "CAST(pickup_location_id AS STRING) AS id, -tip_amount AS neg",
         "--order-by", "fare_amount, r1, fl, sq, p, odd, half, per_person",
         "--limit", "25"],
        Y1,
        "SELECT fare_amount, round(fare_amount * 1.075D, 1) AS r1, abs(fare_amount - 50) AS a, "
        "floor(trip_distance) AS fl, ceil(trip_distance) AS ce, sqrt(trip_distance) AS sq, "
        "pow(trip_distance, 2) AS p, passenger_count % 2 AS odd, passenger_count div 2 AS half, "
        "total_amount / passenger_count AS per_person, CAST(total_amount AS INT) AS whole, "
        "CAST(pickup_location_id AS STRING) AS id, -tip_amount AS neg FROM y1 WHERE pickup_location_id = 132 "
        "ORDER BY fare_amount, r1, fl, sq, p, odd, half, per_person LIMIT 25",
        30,
    ),
    "drop_rename_limit": (
        ["--drop", "Borough, service_zone", "--rename", "Zone=zone_name", "--with-column", "id2=LocationID * 2",
         "--limit", "6"],
        Z,
        "SELECT LocationID, Zone AS zone_name, LocationID * 2 AS id2 FROM z LIMIT 6",
        20,
    ),
}


def main():
    spark = spark_session()

    def csv(path):
        return spark.read.option("header", "true").option("inferSchema", "true").csv(path)

    views = {"y1": csv(Y1), "y2": csv(Y2), "yall": csv(YALL), "z": csv(Z)}
    for name, df in views.items():
        df.createOrReplaceTempView(name)

    def show(df, n):
        return df._jdf.showString(n, 20, False) + "\n"

    def dataframe(name):
        z = views["z"]
        if name == "union_by_name":
            return (z.select("service_zone", "Zone", "Borough", "LocationID").unionByName(z)
                    .filter("LocationID <= 3").orderBy("LocationID", "Zone"))
        raise KeyError(name)

    # Every answer first: a case Spark rejects leaves the committed files as they were.
    results = {}
    for name, (verbs, source, sql, rows) in sorted(CASES.items()):
        df = spark.sql(sql) if sql else dataframe(name)
        results[name] = (["query", source] + verbs + ["-n", str(rows)], show(df, rows))
    # `engine describe` / `summary`: df.describe() and df.summary(), whose means are float sums.
    for kind in ("describe", "summary"):
        results[f"{kind}_yellow"] = ([kind, Y1], show(getattr(views["y1"], kind)(), 20))
    OUT.mkdir(parents=True, exist_ok=True)
    for old in list(OUT.glob("*.args")) + list(OUT.glob("*.out")):
        old.unlink()
    for name, (args, expected) in results.items():
        (OUT / f"{name}.args").write_text("".join(a + "\n" for a in args))
        (OUT / f"{name}.out").write_text(expected)
    print(f"wrote {len(results)} query golden cases to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

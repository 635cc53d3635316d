-- ROLLUP, CUBE, GROUPING SETS, grouping() and grouping_id().
CREATE OR REPLACE TEMPORARY VIEW trips AS SELECT * FROM VALUES
  ('nyc', 'cash', 2019, 10), ('nyc', 'card', 2019, 20), ('nyc', 'card', 2020, 5),
  ('sf', 'cash', 2020, 7), ('sf', 'card', 2020, 8), ('la', NULL, 2019, 1)
  AS trips(city, pay, year, fare);

SELECT city, pay, sum(fare) FROM trips GROUP BY ROLLUP(city, pay);
SELECT city, pay, sum(fare) FROM trips GROUP BY CUBE(city, pay);
SELECT city, year, sum(fare) FROM trips GROUP BY GROUPING SETS ((city), (year), ());
SELECT city, pay, grouping(city), grouping(pay), grouping_id() FROM trips GROUP BY CUBE(city, pay);
SELECT city, pay, sum(fare) FROM trips GROUP BY city, pay WITH ROLLUP;
SELECT city, sum(fare) FROM trips GROUP BY city WITH CUBE;
SELECT city, year, pay, count(*) FROM trips GROUP BY city, ROLLUP(year, pay);
SELECT city, sum(fare) FROM trips GROUP BY GROUPING SETS ((city), (city));
SELECT coalesce(city, 'all') AS c, sum(fare) FROM trips GROUP BY ROLLUP(city) ORDER BY c;
SELECT city, pay, sum(fare) FROM trips GROUP BY ROLLUP(city, pay) HAVING grouping(pay) = 1;
SELECT city, grouping_id(city, pay) AS g, max(fare) FROM trips GROUP BY CUBE(city, pay) ORDER BY g, city;
SELECT year + 1, count(*) FROM trips GROUP BY GROUPING SETS ((year + 1), ());
SELECT city, pay, sum(fare) FROM trips GROUP BY city, pay GROUPING SETS ((city, pay), (city));
SELECT count(*) FROM trips WHERE fare > 100 GROUP BY GROUPING SETS (());
SELECT grouping(fare) FROM trips GROUP BY ROLLUP(city);

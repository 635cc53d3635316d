-- Aggregation with and without grouping keys, over nulls and empty input.
CREATE OR REPLACE TEMPORARY VIEW sales AS SELECT * FROM VALUES
  ('east', 'apples', 10, 2.5D), ('east', 'pears', 4, 1.25D), ('west', 'apples', 7, 2.5D),
  ('west', NULL, 3, NULL), (NULL, 'plums', 5, 0.75D), ('east', 'apples', NULL, 2.0D),
  ('north', 'pears', 0, 1.0D)
  AS sales(region, fruit, qty, price);

SELECT region, sum(qty), count(*), count(qty) FROM sales GROUP BY region;
SELECT fruit, min(price), max(price), avg(price) FROM sales GROUP BY fruit;
SELECT region, fruit, sum(qty * price) AS revenue FROM sales GROUP BY region, fruit;
SELECT sum(qty), avg(qty), min(fruit), max(fruit) FROM sales;
SELECT region, count(DISTINCT fruit) FROM sales GROUP BY region;
SELECT count(DISTINCT region, fruit) FROM sales;
SELECT qty % 2 AS parity, sum(qty) FROM sales GROUP BY qty % 2;
SELECT region AS r, sum(qty) FROM sales GROUP BY r;
SELECT upper(region), count(*) FROM sales GROUP BY upper(region);
SELECT region, sum(qty) FROM sales WHERE qty > 100 GROUP BY region;
SELECT sum(qty), count(*), max(price) FROM sales WHERE qty > 100;
SELECT region, sum(qty) + 1, max(price) * 2 FROM sales GROUP BY region;
SELECT region, fruit FROM sales GROUP BY region;
SELECT region, qty FROM sales GROUP BY region;
SELECT sum(sum(qty)) FROM sales;
SELECT region, stddev(qty), variance(qty) FROM sales GROUP BY region;
SELECT every(qty > 0), some(qty > 5), any(qty > 100), bool_and(price > 0), bool_or(price > 2) FROM sales;
SELECT region, bool_and(qty > 3), bool_or(fruit = 'pears') FROM sales GROUP BY region;
SELECT first(fruit), last(fruit) FROM (SELECT * FROM sales ORDER BY qty) t WHERE qty IS NOT NULL;
SELECT region, collect_list(qty) FROM (SELECT * FROM sales ORDER BY qty) t WHERE region = 'east' GROUP BY region;
SELECT sum(DISTINCT price), avg(DISTINCT price), count(DISTINCT price) FROM sales;
SELECT count(1), count(NULL), count(DISTINCT NULL) FROM sales;
SELECT 1 FROM sales GROUP BY region HAVING count(*) > 1;
SELECT * FROM (SELECT count(*) AS c, max(qty) AS m FROM sales WHERE qty > 100) t WHERE 1 = 0;
SELECT * FROM (SELECT 1 AS z, min(qty) FROM sales WHERE false) t WHERE t.z <> t.z;
SELECT collect_list(qty), array_agg(qty) FROM (SELECT qty FROM sales WHERE qty > 4 ORDER BY qty) t;
SELECT region, count(*) FILTER (WHERE qty > 3), sum(qty) FILTER (WHERE fruit = 'apples') AS apples FROM sales GROUP BY region;
SELECT count(DISTINCT fruit) FILTER (WHERE price > 1), avg(price) FILTER (WHERE region <> 'east') FROM sales;

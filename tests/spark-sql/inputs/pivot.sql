-- PIVOT: one column per value (and aggregate), grouped by the columns left over.
CREATE OR REPLACE TEMPORARY VIEW sales AS SELECT * FROM VALUES
  ('tea', 2020, 'q1', 10), ('tea', 2020, 'q2', 5), ('tea', 2021, 'q1', 7),
  ('coffee', 2020, 'q1', 20), ('coffee', 2021, 'q2', 30), ('coffee', 2021, NULL, 1)
  AS sales(product, year, quarter, amount);

SELECT * FROM (SELECT product, quarter, amount FROM sales) PIVOT (sum(amount) FOR quarter IN ('q1', 'q2'));
SELECT * FROM sales PIVOT (sum(amount) FOR quarter IN ('q1' AS first, 'q2' AS second));
SELECT * FROM (SELECT year, quarter, amount FROM sales) PIVOT (sum(amount) AS s, count(amount) AS c FOR quarter IN ('q1', 'q2'));
SELECT * FROM (SELECT product, year, amount FROM sales) PIVOT (max(amount) FOR year IN (2020, 2021, 2022));
SELECT * FROM (SELECT product, year, quarter, amount FROM sales) PIVOT (sum(amount) FOR (year, quarter) IN ((2020, 'q1'), (2021, 'q2') AS late));
SELECT * FROM (SELECT quarter, amount FROM sales) PIVOT (avg(amount) FOR quarter IN ('q1', 'q2', NULL));
SELECT * FROM sales PIVOT (amount FOR quarter IN ('q1'));
SELECT * FROM sales PIVOT (sum(amount) FOR quarter IN (product));
SELECT product, q1 FROM (SELECT product, quarter, amount FROM sales) PIVOT (sum(amount) FOR quarter IN ('q1' AS q1)) ORDER BY product;

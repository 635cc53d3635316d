-- ORDER BY positions, names, expressions and SORT BY.
CREATE OR REPLACE TEMPORARY VIEW grid AS SELECT * FROM VALUES
  (1, 'x', 10), (1, 'y', 20), (2, 'x', 30), (2, 'w', 40), (3, 'z', 50)
  AS grid(a, b, c);

SELECT * FROM grid ORDER BY 1 DESC, 2;
SELECT b, c FROM grid ORDER BY 2 DESC;
SELECT a, b FROM grid ORDER BY a DESC, b DESC;
SELECT a, b FROM grid ORDER BY c;
SELECT a * 10 AS t, b FROM grid ORDER BY t DESC, b;
SELECT * FROM grid ORDER BY 0;
SELECT * FROM grid ORDER BY 4;
SELECT * FROM grid ORDER BY a + 0 DESC, c;
SELECT * FROM grid SORT BY c DESC;
SELECT * FROM grid DISTRIBUTE BY a;
SELECT * FROM grid CLUSTER BY b;
SELECT b FROM grid ORDER BY length(b), b DESC;
SET spark.sql.orderByOrdinal=false;
SELECT * FROM grid ORDER BY 1 DESC, c;
SET spark.sql.orderByOrdinal=true;

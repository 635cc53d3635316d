-- GROUP BY positions.
CREATE OR REPLACE TEMPORARY VIEW grid AS SELECT * FROM VALUES
  (1, 'x', 10), (1, 'y', 20), (2, 'x', 30), (2, 'x', 40), (3, 'z', 50)
  AS grid(a, b, c);

SELECT a, sum(c) FROM grid GROUP BY 1;
SELECT b, a, count(*) FROM grid GROUP BY 1, 2;
SELECT a + 1, sum(c) FROM grid GROUP BY 1;
SELECT 'k', sum(c) FROM grid GROUP BY 1;
SELECT a, sum(c) FROM grid GROUP BY 2;
SELECT a, sum(c) FROM grid GROUP BY 0;
SELECT a, sum(c) FROM grid GROUP BY 3;
SELECT * FROM grid GROUP BY a, 1;
SELECT a AS k, b, max(c) FROM grid GROUP BY k, 2;
SELECT a, count(*) FROM grid GROUP BY 1 ORDER BY 1 DESC;
SELECT a, count(*) FROM grid GROUP BY 1 HAVING count(*) > 1;
SET spark.sql.groupByAliases=false;
SELECT a AS k, count(*) FROM grid GROUP BY k;
SET spark.sql.groupByAliases=true;
SET spark.sql.groupByOrdinal=false;
SELECT sum(c) FROM grid GROUP BY 1;
SET spark.sql.groupByOrdinal=true;

-- Three-valued logic and nulls in expressions, CASE, DISTINCT and aggregates.
CREATE OR REPLACE TEMPORARY VIEW t AS SELECT * FROM VALUES
  (1, 0, 0), (2, 0, 1), (3, 1, 0), (4, 1, 1), (5, NULL, 0), (6, NULL, 1), (7, NULL, NULL)
  AS t(a, b, c);

SELECT a, b + c, b * 0 FROM t;
SELECT DISTINCT b FROM t;
SELECT b FROM t UNION SELECT c FROM t;
SELECT a, CASE b WHEN c THEN 1 ELSE 0 END FROM t;
SELECT a, CASE WHEN b <> 0 THEN 1 ELSE 0 END FROM t;
SELECT a, CASE WHEN NOT (b <> 0 AND c <> 0) THEN 1 ELSE 0 END FROM t;
SELECT a, CASE WHEN b <> 0 OR c <> 0 THEN 1 ELSE 0 END FROM t;
SELECT count(*), count(b), sum(b), avg(b), min(b), max(b) FROM t;
SELECT a FROM t WHERE b < 10;
SELECT a FROM t WHERE NOT b > 10;
SELECT a FROM t WHERE b < 10 OR c = 1;
SELECT a FROM t WHERE NOT (b < 10 AND c = 1);
SELECT a, b <=> c, b = c, b IS DISTINCT FROM c FROM t;
SELECT a, coalesce(b, c, -1), nvl(b, 9), nullif(b, 0), ifnull(c, 7) FROM t;
SELECT a, b IS NULL, c IS NOT NULL, isnull(b), isnotnull(c) FROM t;
SELECT a, b IN (0, NULL), b NOT IN (1, NULL) FROM t;

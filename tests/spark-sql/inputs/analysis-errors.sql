-- Queries Spark refuses at analysis must be refused, not answered.
CREATE OR REPLACE TEMPORARY VIEW t AS SELECT * FROM VALUES (1, 'a', 10), (1, 'b', 20), (2, 'c', 30) AS t(a, b, c);

SELECT a, b FROM t GROUP BY a;
SELECT a FROM t GROUP BY a HAVING c > 5;
SELECT a FROM t GROUP BY a ORDER BY c;
SELECT a, sum(c) FROM t GROUP BY a HAVING sum(c) > 5 ORDER BY count(*);
SELECT nope FROM t;
SELECT t.nope FROM t;
SELECT * FROM missing_view;
SELECT a FROM t WHERE sum(c) > 1;
SELECT sum(max(c)) FROM t;
SELECT a + 'x' FROM t;
SELECT a FROM t WHERE b;
SELECT unknown_function(a) FROM t;
SELECT a, row_number() OVER (ORDER BY c) FROM t GROUP BY a;
SELECT * FROM t GROUP BY a, 1;
SELECT a FROM t UNION SELECT a, b FROM t;
SELECT count(*) FROM t WHERE c IN (SELECT a, b FROM t);

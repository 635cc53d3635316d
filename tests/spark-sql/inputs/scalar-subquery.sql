-- Scalar subqueries: uncorrelated anywhere, correlated aggregates by equalities.
CREATE OR REPLACE TEMPORARY VIEW p AS SELECT * FROM VALUES ('x', 1), ('y', 2), ('z', 3) AS p(k, v);
CREATE OR REPLACE TEMPORARY VIEW q AS SELECT * FROM VALUES ('x', 10), ('x', 20), ('y', 30) AS q(k, w);

SELECT k, v, (SELECT max(w) FROM q) AS m FROM p;
SELECT k, (SELECT sum(w) FROM q WHERE q.k = p.k) AS s FROM p;
SELECT k, (SELECT count(*) FROM q WHERE q.k = p.k) AS c FROM p;
SELECT * FROM p WHERE v < (SELECT count(*) FROM q);
SELECT * FROM p WHERE v * 10 = (SELECT min(w) FROM q WHERE q.k = p.k);
SELECT (SELECT min(v) FROM p), (SELECT max(w) FROM q);
SELECT k, (SELECT w FROM q) FROM p;
SELECT k, (SELECT w FROM q WHERE w > 100) FROM p;
SELECT count(*), (SELECT max(w) FROM q) FROM p GROUP BY k;
SELECT k FROM p GROUP BY k HAVING sum(v) > (SELECT min(w) FROM q) / 10;
SELECT k, v + (SELECT max(v) FROM p) AS t FROM p ORDER BY t;

-- WITH: chains, column aliases, shadowing and Spark's naming rules.
CREATE OR REPLACE TEMPORARY VIEW base AS SELECT * FROM VALUES (1), (2), (3) AS base(id);

WITH a AS (SELECT id * 2 AS d FROM base) SELECT * FROM a;
WITH a AS (SELECT id FROM base WHERE id > 1), b AS (SELECT id + 10 AS x FROM a) SELECT * FROM b;
WITH t(x, y) AS (SELECT 1, 2) SELECT x + y FROM t;
WITH t(x) AS (SELECT 1, 2) SELECT * FROM t;
WITH base AS (SELECT 100 AS id) SELECT * FROM base;
WITH a AS (SELECT 1 AS n), a AS (SELECT 2 AS n) SELECT * FROM a;
WITH a AS (SELECT 1 AS n) SELECT (WITH a AS (SELECT 2 AS n) SELECT n FROM a);
WITH a AS (SELECT 1 AS n) SELECT * FROM (WITH a AS (SELECT 2 AS n) SELECT n FROM a) s;
WITH a AS (SELECT 1 AS n), b AS (WITH c AS (SELECT n + 1 AS m FROM a) SELECT m FROM c) SELECT * FROM b;
WITH a AS (SELECT id FROM base) SELECT x.id, y.id FROM a x JOIN a y ON x.id = y.id + 1;
WITH s AS (SELECT 1 FROM s) SELECT * FROM s;
SELECT max(id) FROM (WITH t AS (SELECT * FROM base) SELECT * FROM t);

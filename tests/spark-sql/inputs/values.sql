-- Inline tables, SELECT without FROM, and range().
VALUES (1, 'a'), (2, 'b');
SELECT * FROM VALUES (1, 'a'), (2, 'b') AS t(id, v);
SELECT * FROM (VALUES (1), (2), (3)) AS t(n) WHERE n > 1;
SELECT * FROM VALUES (1, 2.5), (2, NULL) t(a, b);
SELECT * FROM VALUES ('x') AS t(a) JOIN VALUES ('x', 1) AS u(a, b) USING (a);
CREATE OR REPLACE TEMPORARY VIEW v AS VALUES (1, 'one'), (2, 'two') v(n, word);
SELECT * FROM v;
SELECT 1, 'two', 3.0, NULL, true;
SELECT 1 AS a, a + 1;
SELECT * FROM range(5);
SELECT * FROM range(2, 12, 3);
SELECT id FROM range(10, 0, -4);
SELECT count(*), sum(id) FROM range(0, 100000);
SELECT * FROM range(1, 5, 0);
SELECT * FROM VALUES (1, 2), (3) AS t(a, b);
SELECT * FROM VALUES (1), ('a') AS t(x);

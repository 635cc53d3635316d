-- CROSS JOIN, comma joins and joins without a condition.
CREATE OR REPLACE TEMPORARY VIEW colors AS SELECT * FROM VALUES ('red'), ('blue') AS colors(c);
CREATE OR REPLACE TEMPORARY VIEW sizes AS SELECT * FROM VALUES ('S', 1), ('M', 2), ('L', 3) AS sizes(s, n);

SELECT * FROM colors CROSS JOIN sizes;
SELECT * FROM colors, sizes WHERE n > 1;
SELECT c, count(*) FROM colors CROSS JOIN sizes GROUP BY c;
SELECT * FROM colors JOIN sizes;
SELECT * FROM colors LEFT JOIN sizes;
SELECT * FROM colors x CROSS JOIN colors y;
SELECT x.c, y.c FROM colors x, colors y WHERE x.c < y.c;
SELECT * FROM colors CROSS JOIN (SELECT max(n) AS m FROM sizes) t;

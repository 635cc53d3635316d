-- count over nulls, literals, several arguments and DISTINCT.
CREATE OR REPLACE TEMPORARY VIEW pairs AS SELECT * FROM VALUES
  (1, 'a'), (1, 'a'), (2, NULL), (NULL, 'b'), (NULL, NULL), (3, 'c')
  AS pairs(n, s);

SELECT count(*), count(1), count(n), count(s), count(n, s) FROM pairs;
SELECT count(DISTINCT n), count(DISTINCT s), count(DISTINCT n, s) FROM pairs;
SELECT count(NULL), count(DISTINCT NULL), count('x'), count(DISTINCT 'x') FROM pairs;
SELECT count(n + 1), count(concat(s, 'z')) FROM pairs;
SELECT s, count(*) FROM pairs GROUP BY s;
SELECT count(*) FROM pairs WHERE n IS NULL;
SELECT count(*) FROM pairs WHERE false;
SELECT count((n, s)), count(DISTINCT (n, s)) FROM pairs;
SELECT n, count(DISTINCT s) FROM pairs GROUP BY n;
SELECT count(DISTINCT n) + count(DISTINCT s) FROM pairs;

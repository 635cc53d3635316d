-- Every join kind with an empty side.
CREATE OR REPLACE TEMPORARY VIEW full_t AS SELECT * FROM VALUES (1, 'a'), (2, 'b') AS full_t(k, v);
CREATE OR REPLACE TEMPORARY VIEW empty_t AS SELECT * FROM full_t WHERE k > 10;

SELECT * FROM full_t f JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t f LEFT JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t f RIGHT JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t f FULL JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t f LEFT SEMI JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t f LEFT ANTI JOIN empty_t e ON f.k = e.k;
SELECT * FROM empty_t e LEFT JOIN full_t f ON f.k = e.k;
SELECT * FROM empty_t e FULL JOIN full_t f ON f.k = e.k;
SELECT * FROM empty_t CROSS JOIN full_t;
SELECT * FROM full_t CROSS JOIN empty_t;
SELECT count(*) FROM full_t f LEFT JOIN empty_t e ON f.k = e.k;
SELECT * FROM full_t WHERE k IN (SELECT k FROM empty_t);
SELECT * FROM full_t WHERE k NOT IN (SELECT k FROM empty_t);

-- JOIN ... USING: the merged key, each side's own key, and t.* keeping it.
CREATE OR REPLACE TEMPORARY VIEW a AS SELECT * FROM VALUES ('x', 1), ('y', 2), ('z', 3), (NULL, 4) AS a(k, va);
CREATE OR REPLACE TEMPORARY VIEW b AS SELECT * FROM VALUES ('x', 10), ('x', 11), ('w', 12), (NULL, 13) AS b(k, vb);

SELECT * FROM a JOIN b USING (k);
SELECT * FROM a LEFT JOIN b USING (k);
SELECT * FROM a RIGHT JOIN b USING (k);
SELECT * FROM a FULL JOIN b USING (k);
SELECT k, a.k, b.k FROM a FULL JOIN b USING (k);
SELECT a.*, b.* FROM a LEFT JOIN b USING (k);
SELECT b.* FROM a RIGHT JOIN b USING (k);
SELECT * FROM a LEFT SEMI JOIN b USING (k);
SELECT * FROM a LEFT ANTI JOIN b USING (k);
SELECT k, count(*) FROM a JOIN b USING (k) GROUP BY k;
SELECT * FROM a JOIN b USING (missing);
SELECT k FROM a JOIN b USING (k) ORDER BY b.k;

-- Table and column aliases in FROM.
CREATE OR REPLACE TEMPORARY VIEW src AS SELECT * FROM VALUES (1, 'a'), (2, 'b') AS src(id, v);

SELECT * FROM src AS t(x, y) WHERE x = 1;
SELECT t.x, t.y FROM src t(x, y);
SELECT * FROM src AS t(x);
SELECT * FROM src AS t(x, y, z);
SELECT t.* FROM (SELECT 1 AS a, 2 AS b) t(c, d);
SELECT * FROM (src s1 JOIN src s2 ON s1.id = s2.id) j(a, b, c, d);
SELECT src.id FROM src s;
SELECT s.id FROM src s;
SELECT * FROM src s1, src s2 WHERE s1.id < s2.id;
SELECT id FROM src AS `weird name`;

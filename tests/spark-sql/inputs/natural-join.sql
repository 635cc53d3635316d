-- NATURAL joins: the shared columns once, each side's copy by its qualifier.
CREATE OR REPLACE TEMPORARY VIEW people AS SELECT * FROM VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'cid', NULL) AS people(id, name, dept);
CREATE OR REPLACE TEMPORARY VIEW depts AS SELECT * FROM VALUES (10, 'eng'), (20, 'ops'), (30, 'hr') AS depts(dept, title);
CREATE OR REPLACE TEMPORARY VIEW badges AS SELECT * FROM VALUES (1, 'gold'), (3, 'tin'), (4, 'none') AS badges(id, badge);

SELECT * FROM people NATURAL JOIN depts;
SELECT * FROM people NATURAL LEFT JOIN depts;
SELECT * FROM people NATURAL RIGHT JOIN depts;
SELECT * FROM people NATURAL FULL OUTER JOIN depts;
SELECT dept, people.dept, depts.dept FROM people NATURAL FULL JOIN depts;
SELECT people.*, depts.* FROM people NATURAL JOIN depts;
SELECT * FROM people NATURAL JOIN depts NATURAL JOIN badges;
SELECT name, badge FROM people NATURAL JOIN badges WHERE id > 1;
SELECT count(*) FROM depts NATURAL JOIN badges;
SELECT * FROM (SELECT * FROM people NATURAL JOIN badges) t ORDER BY id;

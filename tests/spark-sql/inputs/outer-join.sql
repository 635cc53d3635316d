-- LEFT, RIGHT and FULL outer joins, with conditions on either side.
CREATE OR REPLACE TEMPORARY VIEW l AS SELECT * FROM VALUES (1, 'a'), (2, 'b'), (3, NULL), (NULL, 'n') AS l(id, lv);
CREATE OR REPLACE TEMPORARY VIEW r AS SELECT * FROM VALUES (2, 'B'), (3, 'C'), (3, 'CC'), (4, 'D'), (NULL, 'N') AS r(id, rv);

SELECT l.id, lv, r.id, rv FROM l LEFT JOIN r ON l.id = r.id;
SELECT l.id, lv, r.id, rv FROM l RIGHT OUTER JOIN r ON l.id = r.id;
SELECT l.id, lv, r.id, rv FROM l FULL OUTER JOIN r ON l.id = r.id;
SELECT l.id, lv, rv FROM l LEFT JOIN r ON l.id = r.id AND rv <> 'C';
SELECT l.id, lv, rv FROM l LEFT JOIN r ON l.id = r.id WHERE rv IS NULL;
SELECT coalesce(l.id, r.id) AS id, lv, rv FROM l FULL JOIN r ON l.id = r.id ORDER BY id;
SELECT l.id, count(r.id) FROM l LEFT JOIN r ON l.id = r.id GROUP BY l.id;
SELECT l.id, rv FROM l LEFT JOIN r ON l.id < r.id;
SELECT l.id, rv FROM l FULL JOIN r ON l.id = r.id AND l.id > 2;
SELECT * FROM l LEFT JOIN r ON true;

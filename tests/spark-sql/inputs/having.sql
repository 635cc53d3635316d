-- HAVING over grouped and global aggregates.
CREATE OR REPLACE TEMPORARY VIEW scores AS SELECT * FROM VALUES
  ('ann', 'math', 90), ('ann', 'art', 70), ('bob', 'math', 60), ('bob', 'art', 85),
  ('cid', 'math', 75), ('cid', 'art', NULL), ('dee', 'math', 95)
  AS scores(student, subject, score);

SELECT student, avg(score) FROM scores GROUP BY student HAVING avg(score) > 75;
SELECT student FROM scores GROUP BY student HAVING count(score) = 2;
SELECT subject, max(score) AS best FROM scores GROUP BY subject HAVING best > 90;
SELECT student, sum(score) FROM scores GROUP BY student HAVING sum(score) > 100 ORDER BY student;
SELECT count(*) FROM scores HAVING count(*) > 3;
SELECT count(*) FROM scores HAVING count(*) > 30;
SELECT student FROM scores GROUP BY student HAVING max(score) - min(score) > 10;
SELECT student, count(*) FROM scores GROUP BY student HAVING student <> 'bob';
SELECT student FROM scores GROUP BY student HAVING score > 80;
SELECT student, sum(score) AS total FROM scores GROUP BY student HAVING total IS NULL OR total > 150;
SELECT subject, count(*) FROM scores WHERE score IS NOT NULL GROUP BY subject HAVING count(*) >= 3;
SELECT student, max(score) FROM scores GROUP BY student HAVING max(score) > 80 ORDER BY max(score);

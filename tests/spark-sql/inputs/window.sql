-- Ranking, offset and aggregate window functions.
CREATE OR REPLACE TEMPORARY VIEW emp AS SELECT * FROM VALUES
  ('ann', 'eng', 120), ('bob', 'eng', 100), ('cid', 'eng', 100), ('dee', 'ops', 80),
  ('eve', 'ops', 95), ('fay', 'hr', 70), ('gus', 'eng', NULL), ('hal', NULL, 60)
  AS emp(name, dept, salary);

SELECT name, dept, salary, row_number() OVER (PARTITION BY dept ORDER BY salary DESC, name) FROM emp ORDER BY dept, name;
SELECT name, dept, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r, dense_rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS d FROM emp ORDER BY dept, name;
SELECT name, percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary) FROM emp ORDER BY name;
SELECT name, ntile(3) OVER (ORDER BY name) FROM emp ORDER BY name;
SELECT name, lag(salary) OVER (ORDER BY name), lead(salary, 2, -1) OVER (ORDER BY name) FROM emp ORDER BY name;
SELECT name, dept, sum(salary) OVER (PARTITION BY dept) AS total FROM emp ORDER BY name;
SELECT name, sum(salary) OVER (ORDER BY salary) AS running FROM emp ORDER BY name;
SELECT name, avg(salary) OVER (PARTITION BY dept ORDER BY name ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY name;
SELECT name, count(*) OVER (ORDER BY salary RANGE BETWEEN 20 PRECEDING AND CURRENT ROW) FROM emp ORDER BY name;
SELECT name, first_value(name) OVER w, last_value(name) OVER w FROM emp WINDOW w AS (PARTITION BY dept ORDER BY salary) ORDER BY name;
SELECT name, nth_value(name, 2) OVER (PARTITION BY dept ORDER BY name) FROM emp ORDER BY name;
SELECT name, max(salary) OVER (), min(salary) OVER () FROM emp ORDER BY name;
SELECT dept, name, salary - avg(salary) OVER (PARTITION BY dept) AS diff FROM emp WHERE dept = 'eng' ORDER BY name;
SELECT name, rank() OVER w FROM emp WINDOW w AS (ORDER BY salary DESC) ORDER BY name;
SELECT name, row_number() OVER undefined_window FROM emp;
SELECT name, rank() OVER (ORDER BY salary ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM emp;
SELECT * FROM (SELECT name, dept, row_number() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM emp) t WHERE rn = 1 ORDER BY dept;
SELECT name, first_value(salary) IGNORE NULLS OVER (ORDER BY name DESC) FROM emp ORDER BY name;

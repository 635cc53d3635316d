-- EXISTS and NOT EXISTS, correlated by equalities.
CREATE OR REPLACE TEMPORARY VIEW dept AS SELECT * FROM VALUES (10, 'eng'), (20, 'ops'), (30, 'hr'), (NULL, 'none') AS dept(id, name);
CREATE OR REPLACE TEMPORARY VIEW emp AS SELECT * FROM VALUES ('ann', 10, 100), ('bob', 10, 80), ('cid', 20, 90), ('dee', NULL, 70) AS emp(name, dept_id, salary);

SELECT * FROM dept WHERE EXISTS (SELECT 1 FROM emp WHERE emp.dept_id = dept.id);
SELECT * FROM dept WHERE NOT EXISTS (SELECT 1 FROM emp WHERE emp.dept_id = dept.id);
SELECT * FROM dept d WHERE EXISTS (SELECT * FROM emp e WHERE e.dept_id = d.id AND e.salary > 85);
SELECT * FROM dept WHERE EXISTS (SELECT 1 FROM emp WHERE salary > 1000);
SELECT * FROM dept WHERE NOT EXISTS (SELECT 1 FROM emp WHERE salary > 1000);
SELECT name FROM emp e WHERE EXISTS (SELECT 1 FROM dept d WHERE d.id = e.dept_id AND d.name = 'eng');
SELECT d.name, count(*) FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) GROUP BY d.name;
SELECT * FROM dept WHERE EXISTS (SELECT 1 FROM emp WHERE emp.dept_id = dept.id) AND id > 10;
SELECT * FROM dept WHERE EXISTS (SELECT 1 FROM emp WHERE emp.dept_id > dept.id);

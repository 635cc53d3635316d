-- Inner joins on equalities, on other conditions, and chains of joins.
CREATE OR REPLACE TEMPORARY VIEW orders AS SELECT * FROM VALUES (1, 100, 5), (2, 100, 7), (3, 200, 1), (4, 300, 9), (5, NULL, 2) AS orders(oid, cid, qty);
CREATE OR REPLACE TEMPORARY VIEW customers AS SELECT * FROM VALUES (100, 'ann'), (200, 'bob'), (400, 'dee'), (NULL, 'nul') AS customers(cid, name);
CREATE OR REPLACE TEMPORARY VIEW tiers AS SELECT * FROM VALUES (0, 4, 'small'), (5, 100, 'big') AS tiers(lo, hi, tier);

SELECT o.oid, c.name FROM orders o JOIN customers c ON o.cid = c.cid;
SELECT o.oid, c.name FROM orders o INNER JOIN customers c ON o.cid = c.cid AND o.qty > 5;
SELECT o.oid, t.tier FROM orders o JOIN tiers t ON o.qty BETWEEN t.lo AND t.hi;
SELECT o.oid, c.name, t.tier FROM orders o JOIN customers c ON o.cid = c.cid JOIN tiers t ON o.qty >= t.lo AND o.qty <= t.hi;
SELECT o.oid FROM orders o JOIN customers c ON o.cid <=> c.cid;
SELECT c.name, sum(o.qty) FROM customers c JOIN orders o ON c.cid = o.cid GROUP BY c.name;
SELECT * FROM orders o, customers c WHERE o.cid = c.cid AND c.name <> 'bob';
SELECT o.oid, c.name FROM orders o JOIN customers c ON o.cid + 100 = c.cid;
SELECT x.oid, y.oid FROM orders x JOIN orders y ON x.cid = y.cid AND x.oid < y.oid;
SELECT * FROM orders JOIN customers ON cid = cid;

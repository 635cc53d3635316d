-- Decimal precision and scale through arithmetic and aggregates.
CREATE OR REPLACE TEMPORARY VIEW money AS SELECT * FROM VALUES
  (CAST(10.25 AS DECIMAL(10, 2)), CAST(3 AS DECIMAL(5, 0))),
  (CAST(99999999.99 AS DECIMAL(10, 2)), CAST(7 AS DECIMAL(5, 0))),
  (CAST(-0.01 AS DECIMAL(10, 2)), CAST(NULL AS DECIMAL(5, 0)))
  AS money(amount, units);

SELECT amount + units, amount - units, amount * units, amount / units, amount % units FROM money;
SELECT typeof(amount + units), typeof(amount * units), typeof(amount / units), typeof(amount % units) FROM money LIMIT 1;
SELECT sum(amount), avg(amount), typeof(sum(amount)), typeof(avg(amount)) FROM money;
SELECT amount * 1.5D, amount + 1, amount * 2L, typeof(amount + 1), typeof(amount * 2L) FROM money;
SELECT round(amount, 1), round(amount, -1), bround(amount, 1), floor(amount), ceil(amount) FROM money;
SELECT CAST(1 AS DECIMAL(38, 0)) / CAST(3 AS DECIMAL(38, 0)), CAST(10 AS DECIMAL(38, 18)) * CAST(10 AS DECIMAL(38, 18));
SELECT 0.1 + 0.2, 1.000 / 3, 12345678901234567890.123 * 10;
SELECT CAST(99999999999999999999999999999999999999 AS DECIMAL(38, 0)) + 1;
SELECT max(amount), min(amount), count(DISTINCT amount) FROM money;
SELECT amount FROM money WHERE amount > 10 ORDER BY amount;

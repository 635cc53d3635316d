-- Arithmetic over typed columns: widening, overflow and division.
CREATE OR REPLACE TEMPORARY VIEW n AS SELECT * FROM VALUES
  (CAST(1 AS TINYINT), CAST(100 AS SMALLINT), 1000, 10000000000L, 1.5F, 2.25D, 3.125BD)
  AS n(ti, si, i, bi, f, d, dec);

SELECT ti + ti, si + si, i + i, bi + bi, f + f, d + d, dec + dec FROM n;
SELECT typeof(ti + si), typeof(si + i), typeof(i + bi), typeof(bi + f), typeof(f + d), typeof(i + dec), typeof(d + dec) FROM n;
SELECT ti * 200, si * 1000, i * 3000000, bi * 1000000000 FROM n;
SELECT i / 3, bi / 7, d / 0, i div 7, bi % 7, dec / 3 FROM n;
SELECT typeof(i / 3), typeof(i div 7), typeof(dec / 3), typeof(dec * dec) FROM n;
SELECT abs(-i), -bi, round(d, 1), round(dec, 2), floor(d), ceil(f) FROM n;
SELECT i + '5', d + '0.5', i * '2' FROM n;
SELECT typeof(i + '5'), typeof(d + '0.5') FROM n;
SELECT 1e10, 1e-5, 123456789012345678901234567890, 0.1 + 0.2, 0.1D + 0.2D;

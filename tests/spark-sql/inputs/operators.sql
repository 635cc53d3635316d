-- Arithmetic, comparison and logical operators on literals.
SELECT 1 + 2, 5 - 7, 3 * 4, 7 / 2, 7 div 2, 7 % 3, -7 % 3, pmod(-7, 3);
SELECT 2147483647 + 1, 9223372036854775807L + 1, -(-2147483648);
SELECT 1.5 + 2, 1.5D * 2, 10 / 4.0, 1 / 0, 1.0 / 0, 0 / 0.0D;
SELECT 1 < 2, 2 <= 2, 3 > 4, 'a' < 'b', 'b' >= 'ab', 1 = 1.0, '1' = 1;
SELECT true AND NULL, false AND NULL, true OR NULL, NOT true;
SELECT 3 BETWEEN 1 AND 5, 3 NOT BETWEEN 4 AND 5, 'b' BETWEEN 'a' AND 'c';
SELECT 1 IN (1, 2), 3 IN (1, 2), 'x' NOT IN ('y', 'z'), 2 IN (1.5, 2.0);
SELECT 'abc' LIKE 'a%', 'abc' LIKE '_b_', 'abc' NOT LIKE '%d', 'ABC' ILIKE 'a%', 'a_c' LIKE 'a\\_c';
SELECT 'abc' RLIKE '^a.c$', 'abc' REGEXP 'b+';
SELECT 5 & 3, 5 | 3, 5 ^ 3, ~5, shiftleft(1, 4), shiftright(16, 2);
SELECT 'a' || 'b' || 1, 2 || 3;
SELECT +5, -(-5), - 2.5;

SELECT * FROM VALUES
 (1, 'a,b', timestamp'2019-01-05 06:36:51', date'2019-01-05', 1.5D, cast(2.50 as decimal(5,2)), true, array(1,2), '', cast(1.0E10 as double)),
 (2, NULL, timestamp'2019-01-05 06:36:51.123456', NULL, NULL, NULL, NULL, NULL, 'x"y', 1.0E-5D),
 (3, 'line\nbreak', timestamp'1900-01-01 00:00:00', date'0001-01-01', -0.0D, cast(-1 as decimal(5,2)), false, array(), ' s ', cast('NaN' as double))
 AS t(id, s, ts, d, x, dec, b, arr, e, big)

-- Date and timestamp functions (session time zone UTC).
SELECT DATE '2020-02-28' + 1, date_add(DATE '2020-02-28', 2), date_sub(DATE '2020-03-01', 1), datediff(DATE '2020-03-01', DATE '2020-02-01');
SELECT year(DATE '2021-07-04'), month(DATE '2021-07-04'), dayofmonth(DATE '2021-07-04'), dayofweek(DATE '2021-07-04'), dayofyear(DATE '2021-07-04'), weekofyear(DATE '2021-07-04'), quarter(DATE '2021-07-04');
SELECT hour(TIMESTAMP '2021-07-04 13:14:15'), minute(TIMESTAMP '2021-07-04 13:14:15'), second(TIMESTAMP '2021-07-04 13:14:15.9');
SELECT date_trunc('month', TIMESTAMP '2021-07-04 13:14:15'), date_trunc('hour', TIMESTAMP '2021-07-04 13:14:15'), trunc(DATE '2021-07-04', 'year'), trunc(DATE '2021-07-04', 'week');
SELECT date_format(TIMESTAMP '2021-07-04 13:14:15', 'yyyy/MM/dd HH:mm'), date_format(DATE '2021-07-04', 'EEE, MMM d');
SELECT to_date('04/07/2021', 'dd/MM/yyyy'), to_timestamp('2021-07-04 01:02', 'yyyy-MM-dd HH:mm'), to_date('not a date');
SELECT add_months(DATE '2021-01-31', 1), last_day(DATE '2020-02-10'), next_day(DATE '2021-07-04', 'Mon'), months_between(DATE '2021-03-31', DATE '2021-02-28');
SELECT make_date(2021, 2, 29), make_date(2020, 2, 29);
SELECT unix_timestamp(TIMESTAMP '2021-01-01 00:00:00'), from_unixtime(0), from_unixtime(86400, 'yyyy-MM-dd');
SELECT timestamp_seconds(1609459200), timestamp_millis(1609459200123), unix_seconds(TIMESTAMP '2021-01-01 00:00:01'), unix_millis(TIMESTAMP '1969-12-31 23:59:59.999');
SELECT from_utc_timestamp(TIMESTAMP '2021-07-04 12:00:00', 'America/New_York'), to_utc_timestamp(TIMESTAMP '2021-07-04 12:00:00', '+02:00');
SELECT CAST(TIMESTAMP '2021-07-04 12:00:00' AS DATE) = DATE '2021-07-04', TIMESTAMP '2021-07-04 00:00:00' > DATE '2021-07-03';
SELECT date_add(DATE '2021-01-01', -1), datediff(DATE '2021-01-01', DATE '2021-12-31'), DATE '2021-01-01' - 1;

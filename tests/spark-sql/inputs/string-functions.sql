-- String functions.
SELECT upper('abc'), lower('ABC'), initcap('hello world'), length('héllo'), reverse('abc');
SELECT substring('spark sql', 1, 5), substring('spark sql', -3), substr('spark', 2), substring('abc', 0, 2), substring('abc', 5);
SELECT concat('a', 'b', 'c'), concat_ws(',', 'a', 'b'), concat_ws('-', array('x', 'y')), repeat('ab', 3);
SELECT trim('  x  '), ltrim('  x  '), rtrim('  x  '), trim(BOTH 'x' FROM 'xxaxx'), trim(LEADING 'x' FROM 'xxa');
SELECT lpad('7', 3, '0'), rpad('ab', 5, 'xy'), lpad('abcdef', 3, '0');
SELECT replace('a.b.c', '.', '/'), instr('hello', 'l'), locate('l', 'hello', 4), split('a,b,,c', ',');
SELECT regexp_replace('2020-01-02', '-', ''), regexp_extract('id=42;x', 'id=(\\d+)', 1), 'abc' RLIKE 'b';
SELECT left('spark', 2), right('spark', 3), ascii('A'), chr(66), position('b' IN 'abc');
SELECT format_number(1234567.891, 2), format_string('%d-%s', 5, 'x'), translate('abc', 'ab', 'xy');
SELECT md5('spark'), sha1('spark'), sha2('spark', 256), crc32('spark'), hash('spark');
SELECT split('a1b2c', '[0-9]'), split_part('a.b.c', '.', 2), startswith('spark', 'sp'), endswith('spark', 'rk');
SELECT 'abc' = 'ABC', lower('ABC') = 'abc', 'a' < 'B';

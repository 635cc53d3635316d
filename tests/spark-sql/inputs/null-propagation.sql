-- Nulls through functions, casts and arithmetic.
SELECT NULL + 1, NULL * 2.5, -CAST(NULL AS INT), NULL || 'x', concat('a', NULL);
SELECT upper(NULL), length(NULL), substring(NULL, 1, 2), trim(NULL);
SELECT abs(CAST(NULL AS DOUBLE)), round(NULL, 2), sqrt(NULL), greatest(1, NULL, 3), least(NULL, 2);
SELECT CAST(NULL AS DATE), date_add(CAST(NULL AS DATE), 1), year(CAST(NULL AS TIMESTAMP));
SELECT NULL = NULL, NULL <> 1, NULL AND false, NULL OR true, NOT NULL;
SELECT typeof(NULL), typeof(CAST(NULL AS STRING)), typeof(NULL + 1);
SELECT if(NULL, 1, 2), nvl2(NULL, 1, 2), coalesce(NULL, NULL);
SELECT array(1, NULL), size(array(NULL)), concat_ws('-', 'a', NULL, 'b');

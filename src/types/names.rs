//! Spark's type names, both ways: the names `printSchema()` and DDL print, the form `CAST(x AS
//! INT)` takes in a column name, and the SQL/DDL names (with their synonyms) read back as the
//! engine's arrow types.

use arrow::datatypes::{DataType, TimeUnit};

/// Spark's name for a type, as `printSchema()` and DDL print it.
pub fn spark_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Null => "void".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "byte".into(),
        DataType::Int16 | DataType::UInt8 => "short".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 => "long".into(),
        DataType::UInt64 => "decimal(20,0)".into(),
        DataType::Float16 | DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => "binary".into(),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) | DataType::Decimal128(p, s) => {
            format!("decimal({p},{s})")
        }
        DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            "array".into()
        }
        DataType::Struct(_) => "struct".into(),
        DataType::Map(_, _) => "map".into(),
        DataType::Dictionary(_, value) => spark_type_name(value),
        other => other.to_string().to_lowercase(),
    }
}

/// A type as Spark SQL writes it in `CAST(x AS INT)`.
pub fn sql_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Utf8 => "STRING".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Timestamp(_, _) => "TIMESTAMP".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p},{s})"),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("ARRAY<{}>", sql_type_name(item.data_type()))
        }
        other => spark_type_name(other).to_uppercase(),
    }
}

/// A type as Spark's DESCRIBE and `typeof` show it (its simpleString): `int`, `decimal(10,0)`,
/// `array<int>`, `struct<a:int,b:string>`.
pub fn simple_type_name(data_type: &DataType) -> String {
    match data_type {
        DataType::List(item) | DataType::LargeList(item) | DataType::FixedSizeList(item, _) => {
            format!("array<{}>", simple_type_name(item.data_type()))
        }
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), simple_type_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                simple_type_name(kv[0].data_type()),
                simple_type_name(kv[1].data_type())
            ),
            _ => "map".into(),
        },
        DataType::Null => "void".into(),
        other => sql_type_name(other).to_lowercase(),
    }
}

/// A Spark SQL type name as the engine's arrow type.
pub fn spark_type(name: &str) -> Option<DataType> {
    let upper = name.trim().to_ascii_uppercase();
    // ARRAY<T> (or ARRAY(T)): a list of T.
    if let Some(inner) = upper
        .strip_prefix("ARRAY<")
        .and_then(|r| r.strip_suffix('>'))
        .or_else(|| {
            upper
                .strip_prefix("ARRAY(")
                .and_then(|r| r.strip_suffix(')'))
        })
    {
        return Some(DataType::List(std::sync::Arc::new(
            arrow::datatypes::Field::new("element", spark_type(inner)?, true),
        )));
    }
    let (base, args) = match upper.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_string(),
            Some(rest.trim_end_matches(')').to_string()),
        ),
        None => (upper.clone(), None),
    };
    Some(match base.as_str() {
        "TINYINT" | "BYTE" => DataType::Int8,
        "SMALLINT" | "SHORT" => DataType::Int16,
        "INT" | "INTEGER" => DataType::Int32,
        "BIGINT" | "LONG" => DataType::Int64,
        "FLOAT" | "REAL" => DataType::Float32,
        "DOUBLE" | "DOUBLE PRECISION" => DataType::Float64,
        "STRING" | "VARCHAR" | "CHAR" | "TEXT" | "CHARACTER VARYING" => DataType::Utf8,
        "BOOLEAN" | "BOOL" => DataType::Boolean,
        "DATE" => DataType::Date32,
        "TIMESTAMP" | "TIMESTAMP_NTZ" | "TIMESTAMP_LTZ" => {
            DataType::Timestamp(TimeUnit::Microsecond, None)
        }
        "BINARY" => DataType::Binary,
        "DECIMAL" | "DEC" | "NUMERIC" => {
            let (precision, scale) = match args.as_deref() {
                None => (10, 0),
                Some(args) => {
                    let mut parts = args.split(',').map(|p| p.trim().parse::<u8>());
                    let precision = parts.next()?.ok()?;
                    let scale = match parts.next() {
                        Some(s) => s.ok()?,
                        None => 0,
                    };
                    (precision, scale)
                }
            };
            if precision == 0 || precision > 38 || scale > precision {
                return None;
            }
            DataType::Decimal128(precision, scale as i8)
        }
        _ => return None,
    })
}

/// Spark's `StructType.toDDL`: `name TYPE` pairs joined by commas, a name in backticks only
/// when it is not plain letters, digits and underscores (or is all digits).
pub fn schema_ddl(schema: &arrow::datatypes::Schema) -> String {
    let quote = |name: &str| {
        let plain = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.chars().all(|c| c.is_ascii_digit());
        if plain {
            name.to_string()
        } else {
            format!("`{}`", name.replace('`', "``"))
        }
    };
    schema
        .fields()
        .iter()
        .map(|f| format!("{} {}", quote(f.name()), sql_type_name(f.data_type())))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod schema_ddl_tests {
    use super::schema_ddl;
    use arrow::datatypes::{DataType, Field, Schema};

    #[test]
    fn ddl_quotes_only_names_that_need_it() {
        let schema = Schema::new(vec![
            Field::new("fare_2019", DataType::Float64, true),
            Field::new("pickup zone", DataType::Utf8, true),
            Field::new("2019", DataType::Int32, true),
            Field::new("odd`name", DataType::Int64, true),
            Field::new("amount", DataType::Decimal128(10, 2), true),
        ]);
        assert_eq!(
            schema_ddl(&schema),
            "fare_2019 DOUBLE,`pickup zone` STRING,`2019` INT,`odd``name` BIGINT,amount DECIMAL(10,2)"
        );
    }
}

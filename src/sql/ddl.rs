//! Spark DDL schema strings (`"LocationID INT, Borough STRING, fare DECIMAL(10,2)"`), as given to
//! `--schema`, parsed with sqlparser as the column list of a CREATE TABLE.

use std::sync::Arc;

#[cfg(test)]
use arrow::datatypes::{DataType, TimeUnit};
use arrow::datatypes::{Field, Schema, SchemaRef};
use sqlparser::ast::Statement;
use sqlparser::dialect::HiveDialect;
use sqlparser::parser::Parser;

use crate::error::{Error, Result};
use crate::types::names::spark_type;

/// The schema a DDL column list describes; every column nullable, as Spark reads files.
pub fn parse_schema(ddl: &str) -> Result<SchemaRef> {
    let bad = |message: String| Error::usage(format!("--schema \"{ddl}\": {message}"));
    if ddl.trim().is_empty() {
        return Err(bad("no columns".into()));
    }
    if ddl.trim_start().starts_with('{') {
        return parse_json_schema(ddl);
    }
    let sql = format!("CREATE TABLE t ({ddl})");
    let statements = Parser::parse_sql(&HiveDialect {}, &sql).map_err(|e| bad(e.to_string()))?;
    let columns = match statements.as_slice() {
        [Statement::CreateTable(create)] => &create.columns,
        _ => return Err(bad("expected a list of 'name TYPE' pairs".into())),
    };
    if columns.is_empty() {
        return Err(bad("no columns".into()));
    }
    let mut fields = Vec::with_capacity(columns.len());
    for column in columns {
        let name = column.name.value.clone();
        if fields
            .iter()
            .any(|f: &Field| f.name().eq_ignore_ascii_case(&name))
        {
            return Err(bad(format!("column '{name}' appears twice")));
        }
        let data_type = spark_type(&column.data_type.to_string()).ok_or_else(|| {
            bad(format!(
                "unsupported type '{}' for column '{name}'",
                column.data_type
            ))
        })?;
        // The schema describes CSV columns, which hold plain values.
        if data_type.is_nested() {
            return Err(bad(format!(
                "column '{name}' cannot be {}: CSV columns hold plain values",
                column.data_type
            )));
        }
        fields.push(Field::new(name, data_type, true));
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// A schema in Spark's JSON form (`engine schema --json`, Spark's `schema.json()`): a struct of
/// plain-typed fields, as CSV columns are.
fn parse_json_schema(text: &str) -> Result<SchemaRef> {
    let bad = |message: String| Error::usage(format!("--schema (JSON): {message}"));
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if value.get("type").and_then(|t| t.as_str()) != Some("struct") {
        return Err(bad("expected {\"type\":\"struct\",\"fields\":[...]}".into()));
    }
    let fields = value
        .get("fields")
        .and_then(|f| f.as_array())
        .ok_or_else(|| bad("no \"fields\" array".into()))?;
    if fields.is_empty() {
        return Err(bad("no columns".into()));
    }
    let mut out: Vec<Field> = Vec::with_capacity(fields.len());
    for field in fields {
        let name = field
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| bad(format!("a field without a name: {field}")))?;
        if out.iter().any(|f| f.name().eq_ignore_ascii_case(name)) {
            return Err(bad(format!("column '{name}' appears twice")));
        }
        let data_type = match field.get("type") {
            Some(serde_json::Value::String(type_name)) => {
                spark_type(type_name).ok_or_else(|| {
                    bad(format!(
                        "unsupported type '{type_name}' for column '{name}'"
                    ))
                })?
            }
            Some(other) => {
                return Err(bad(format!(
                    "column '{name}' cannot be {other}: CSV columns hold plain values"
                )))
            }
            None => return Err(bad(format!("column '{name}' has no type"))),
        };
        out.push(Field::new(name, data_type, true));
    }
    Ok(Arc::new(Schema::new(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_ddl() {
        let schema = parse_schema(
            "LocationID INT, Borough STRING, `odd name` bigint, fare DECIMAL(10,2), ts TIMESTAMP",
        )
        .unwrap();
        let types: Vec<_> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect();
        assert_eq!(
            types,
            vec![
                ("LocationID".into(), DataType::Int32),
                ("Borough".into(), DataType::Utf8),
                ("odd name".into(), DataType::Int64),
                ("fare".into(), DataType::Decimal128(10, 2)),
                (
                    "ts".into(),
                    DataType::Timestamp(TimeUnit::Microsecond, None)
                ),
            ]
        );
        assert!(parse_schema("a INT, b WIBBLE").is_err());
        assert!(parse_schema("a INT,, b INT").is_err());
        assert!(parse_schema("").is_err());
        assert!(parse_schema("a INT, A STRING").is_err());
        assert_eq!(
            parse_schema("a LONG").unwrap().field(0).data_type(),
            &DataType::Int64
        );
    }
}

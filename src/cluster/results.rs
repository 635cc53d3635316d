//! Results back from Spark, in the engine's own types: Spark's JSON schema gives the names,
//! types and nullability; the rows arrive as an Arrow IPC stream (Spark's Arrow types, e.g.
//! timestamps tagged with the session zone) and are cast to the types the engine uses for the
//! same Spark types. Then they are printed by the engine's own show, CSV and JSON code.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::io::show::show_string;
use crate::job::stdout::print;
use crate::job::Sink;

/// What one action gave back.
#[derive(Debug)]
pub enum Outcome {
    Rows {
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    },
    Count(u64),
    Schema(SchemaRef),
    Plan(String),
    Written,
}

/// Where and how a job ran, for the summary line.
#[derive(Debug, Default, Clone)]
pub struct RunInfo {
    pub app_id: String,
    pub master: String,
    pub version: String,
}

/// One line: `Spark: [CLASS] message (SQLSTATE: s)`; Spark's own multi-line detail (the plan
/// it failed to analyse) is cut, and a class or state the message already names is not repeated.
pub fn spark_error_from(message: &str, class: &str, state: &str) -> Error {
    let mut first = message.lines().next().unwrap_or_default().trim();
    let tag = format!("[{class}]");
    while !class.is_empty() && first.starts_with(&tag) {
        first = first[tag.len()..].trim_start();
    }
    let mut text = String::from("Spark: ");
    if !class.is_empty() {
        text.push_str(&tag);
        text.push(' ');
    }
    text.push_str(first);
    if !state.is_empty() && !first.contains(&format!("SQLSTATE: {state}")) {
        text.push_str(&format!(" (SQLSTATE: {state})"));
    }
    Error::Dataset(text)
}

/// A Spark type in its JSON form, as the engine holds it.
fn spark_json_type(value: &Value) -> Result<DataType> {
    let unsupported = || Error::usage(format!("not supported: the Spark type {value} in a result"));
    match value {
        Value::String(name) => match name.as_str() {
            // Spark's JSON names for types whose DDL names differ.
            "integer" => Ok(DataType::Int32),
            "long" => Ok(DataType::Int64),
            "short" => Ok(DataType::Int16),
            "byte" => Ok(DataType::Int8),
            "timestamp" | "timestamp_ntz" => Ok(DataType::Timestamp(TimeUnit::Microsecond, None)),
            "void" => Ok(DataType::Null),
            other => crate::types::names::spark_type(other).ok_or_else(unsupported),
        },
        Value::Object(object) => match object.get("type").and_then(Value::as_str) {
            Some("array") => {
                let element = spark_json_type(object.get("elementType").unwrap_or(&Value::Null))?;
                let nullable = object
                    .get("containsNull")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                Ok(DataType::List(Arc::new(Field::new(
                    "element", element, nullable,
                ))))
            }
            Some("struct") => Ok(DataType::Struct(spark_json_fields(value)?)),
            _ => Err(unsupported()),
        },
        _ => Err(unsupported()),
    }
}

/// The fields of a Spark struct type in JSON form (duplicate names allowed, as in a join).
fn spark_json_fields(value: &Value) -> Result<Fields> {
    let fields = value
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Internal(format!("a Spark schema without fields: {value}")))?;
    fields
        .iter()
        .map(|field| {
            let name = field
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let nullable = field
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            Ok(Field::new(
                name,
                spark_json_type(field.get("type").unwrap_or(&Value::Null))?,
                nullable,
            ))
        })
        .collect()
}

/// Spark's `schema.json()` as the engine's Arrow schema.
pub fn schema_from_spark_json(value: &Value) -> Result<SchemaRef> {
    Ok(Arc::new(Schema::new(spark_json_fields(value)?)))
}

/// Decode an Arrow IPC stream (or file) of rows and cast them to `schema`.
pub fn rows_from_ipc(bytes: &[u8], schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let batches: Vec<RecordBatch> = if bytes.starts_with(b"ARROW1") {
        arrow::ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
            .map_err(|e| Error::arrow("reading rows from Spark", e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::arrow("reading rows from Spark", e))?
    } else if bytes.is_empty() {
        Vec::new()
    } else {
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
            .map_err(|e| Error::arrow("reading rows from Spark", e))?
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::arrow("reading rows from Spark", e))?
    };
    batches.iter().map(|b| conform(b, schema)).collect()
}

/// One batch as `schema` says: same columns in order, each cast to the engine's type.
pub fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.num_columns() != schema.fields().len() {
        return Err(Error::Internal(format!(
            "Spark sent {} columns for a schema of {}",
            batch.num_columns(),
            schema.fields().len()
        )));
    }
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                return Ok(column.clone());
            }
            // Spark tags timestamps with the session zone (UTC): the same instants.
            arrow::compute::cast(column, field.data_type())
                .map_err(|e| Error::arrow(format!("converting Spark's column {}", field.name()), e))
        })
        .collect::<Result<_>>()?;
    RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(|e| Error::arrow("a result from Spark", e))
}

/// Print rows to a stdout sink (show table, CSV, JSON lines) or a plan, as a local run does.
pub fn print_rows(sink: &Sink, schema: &Schema, batches: &[RecordBatch]) -> Result<()> {
    match sink {
        Sink::Show(options) => {
            // PySpark prints showString with print(): one more newline than the table's own.
            let mut text = show_string(schema, batches, options);
            text.push('\n');
            print(&text)
        }
        Sink::Csv(text) | Sink::Json(text) => {
            let json = matches!(sink, Sink::Json(_));
            if !json {
                crate::io::writer::check_csv_columns(schema)?;
            }
            let mut out = if json {
                Vec::new()
            } else {
                text.csv_header(schema)
            };
            for batch in batches {
                if json {
                    text.write_json_rows(&mut out, batch);
                } else {
                    text.write_csv_rows(&mut out, batch);
                }
            }
            print(&String::from_utf8_lossy(&out))
        }
        Sink::Write { .. } | Sink::Explain | Sink::ExplainAnalyze => Err(Error::Internal(
            "rows for a sink that does not print them".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_json_schemas_become_engine_types() {
        let value: Value = serde_json::from_str(
            r#"{"type":"struct","fields":[
                {"name":"id","type":"integer","nullable":true,"metadata":{}},
                {"name":"id","type":"long","nullable":false,"metadata":{}},
                {"name":"ts","type":"timestamp","nullable":true,"metadata":{}},
                {"name":"amount","type":"decimal(10,2)","nullable":true,"metadata":{}},
                {"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}}
            ]}"#,
        )
        .unwrap();
        let schema = schema_from_spark_json(&value).unwrap();
        let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
        assert_eq!(
            types,
            vec![
                &DataType::Int32,
                &DataType::Int64,
                &DataType::Timestamp(TimeUnit::Microsecond, None),
                &DataType::Decimal128(10, 2),
                &DataType::List(Arc::new(Field::new("element", DataType::Utf8, true))),
            ]
        );
        assert!(!schema.field(1).is_nullable());
        let bad: Value = serde_json::from_str(
            r#"{"type":"struct","fields":[{"name":"i","type":"interval day to second","nullable":true}]}"#,
        )
        .unwrap();
        assert!(schema_from_spark_json(&bad).is_err());
    }

    #[test]
    fn spark_errors_are_one_line_naming_class_and_state_once() {
        let error = spark_error_from(
            "[TABLE_OR_VIEW_NOT_FOUND] [TABLE_OR_VIEW_NOT_FOUND] The table or view `t` cannot \
             be found.\n'Project [*]",
            "TABLE_OR_VIEW_NOT_FOUND",
            "42P01",
        );
        assert_eq!(
            error.to_string(),
            "Spark: [TABLE_OR_VIEW_NOT_FOUND] The table or view `t` cannot be found. \
             (SQLSTATE: 42P01)"
        );
        let error = spark_error_from("[X] bad. SQLSTATE: 22012", "X", "22012");
        assert_eq!(error.to_string(), "Spark: [X] bad. SQLSTATE: 22012");
        let error = spark_error_from("Table or view not found: t; line 1 pos 14;", "", "");
        assert_eq!(
            error.to_string(),
            "Spark: Table or view not found: t; line 1 pos 14;"
        );
        assert_eq!(error.exit_code(), 1);
    }
}

//! JSON lines as Spark writes them (`df.write.json`, `toJSON`): one object per row, null fields
//! left out, numbers and booleans bare, arrays and structs as JSON arrays and objects,
//! everything else a string in Spark's text form.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;

use crate::types::coerce::is_numeric;
use crate::types::display::write_value;

/// Append the rows of `batch` to `out` as JSON lines.
pub fn write_json_rows(out: &mut Vec<u8>, batch: &RecordBatch) {
    let schema = batch.schema();
    let mut cell = String::new();
    for row in 0..batch.num_rows() {
        out.push(b'{');
        let mut first = true;
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            cell.clear();
            if !write_value(&mut cell, column.as_ref(), row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            json_string(out, field.name());
            out.push(b':');
            write_json_value(out, column.as_ref(), row, &cell);
        }
        out.extend_from_slice(b"}\n");
    }
}

/// One non-null value as JSON: `text` is its Spark text. Numbers and booleans are bare, arrays
/// are JSON arrays (nulls inside kept), structs are objects (null fields left out, as Spark's
/// writer leaves them), everything else a string.
fn write_json_value(out: &mut Vec<u8>, array: &dyn Array, row: usize, text: &str) {
    let nested = |out: &mut Vec<u8>, values: &dyn Array, i: usize| {
        let mut cell = String::new();
        if write_value(&mut cell, values, i) {
            write_json_value(out, values, i, &cell);
            true
        } else {
            false
        }
    };
    match array.data_type() {
        DataType::Boolean => out.extend_from_slice(text.as_bytes()),
        t if is_numeric(t) && text.parse::<f64>().is_ok_and(|v| v.is_finite()) => {
            out.extend_from_slice(text.as_bytes())
        }
        DataType::List(_) => {
            let values = array.as_list::<i32>().value(row);
            out.push(b'[');
            for i in 0..values.len() {
                if i > 0 {
                    out.push(b',');
                }
                if !nested(out, values.as_ref(), i) {
                    out.extend_from_slice(b"null");
                }
            }
            out.push(b']');
        }
        DataType::Struct(fields) => {
            let columns = array.as_struct();
            out.push(b'{');
            let mut first = true;
            for (field, column) in fields.iter().zip(columns.columns()) {
                let mut value = Vec::new();
                if !nested(&mut value, column.as_ref(), row) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                json_string(out, field.name());
                out.push(b':');
                out.extend_from_slice(&value);
            }
            out.push(b'}');
        }
        _ => json_string(out, text),
    }
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

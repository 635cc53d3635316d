//! JSON lines as Spark writes them (`df.write.json`, `toJSON`): one object per row, null fields
//! left out, numbers and booleans bare, arrays and structs as JSON arrays and objects,
//! everything else a string in Spark's text form.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Fields};

use crate::types::coerce::is_numeric;
use crate::types::display::write_value;

/// Append the rows of `batch` to `out` as JSON lines.
pub fn write_json_rows(out: &mut Vec<u8>, batch: &RecordBatch) {
    let schema = batch.schema();
    let mut cell = String::new();
    for row in 0..batch.num_rows() {
        write_json_object(out, schema.fields(), batch.columns(), row, &mut cell);
        out.push(b'\n');
    }
}

/// Row `row` of `columns` as a JSON object, null fields left out (as Spark's writer leaves
/// them): a line's row, or a struct value.
fn write_json_object(
    out: &mut Vec<u8>,
    fields: &Fields,
    columns: &[ArrayRef],
    row: usize,
    cell: &mut String,
) {
    out.push(b'{');
    let mut first = true;
    for (field, column) in fields.iter().zip(columns) {
        let start = out.len();
        if !first {
            out.push(b',');
        }
        json_string(out, field.name());
        out.push(b':');
        if write_json_value(out, column.as_ref(), row, cell) {
            first = false;
        } else {
            out.truncate(start);
        }
    }
    out.push(b'}');
}

/// Append row `row` of `array` as JSON; false, appending nothing, for a null. Numbers and
/// booleans are bare, arrays are JSON arrays (nulls inside kept), structs are objects,
/// everything else a string in Spark's text form (`cell` is scratch space for it).
fn write_json_value(out: &mut Vec<u8>, array: &dyn Array, row: usize, cell: &mut String) -> bool {
    if array.is_null(row) || array.data_type() == &DataType::Null {
        return false;
    }
    match array.data_type() {
        DataType::List(_) => {
            let values = array.as_list::<i32>().value(row);
            out.push(b'[');
            for i in 0..values.len() {
                if i > 0 {
                    out.push(b',');
                }
                if !write_json_value(out, values.as_ref(), i, cell) {
                    out.extend_from_slice(b"null");
                }
            }
            out.push(b']');
        }
        DataType::Struct(fields) => {
            write_json_object(out, fields, array.as_struct().columns(), row, cell)
        }
        t => {
            cell.clear();
            write_value(cell, array, row);
            let bare = match t {
                DataType::Boolean => true,
                t if is_numeric(t) => cell.parse::<f64>().is_ok_and(|v| v.is_finite()),
                _ => false,
            };
            if bare {
                out.extend_from_slice(cell.as_bytes());
            } else {
                json_string(out, cell);
            }
        }
    }
    true
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

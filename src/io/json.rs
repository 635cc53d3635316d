//! JSON lines as Spark writes them (`df.write.json`, `toJSON`): one object per row, null fields
//! left out, numbers and booleans bare, everything else a string in Spark's text form.

use arrow::array::RecordBatch;
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
            let bare = match field.data_type() {
                DataType::Boolean => true,
                t if is_numeric(t) => cell.parse::<f64>().is_ok_and(|v| v.is_finite()),
                _ => false,
            };
            if bare {
                out.extend_from_slice(cell.as_bytes());
            } else {
                json_string(out, &cell);
            }
        }
        out.extend_from_slice(b"}\n");
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

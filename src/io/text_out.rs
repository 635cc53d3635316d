//! Result values as output text: CSV records and JSON lines, for `--csv`, `--json` and CSV and
//! JSON writes. By default in the form Spark's writers give (`df.write.csv`, `df.write.json`
//! under Spark 3.3's defaults, session time zone UTC): timestamps `2019-01-05T06:36:51.000Z`,
//! dates `2019-01-05`, JSON objects without their null fields, CSV fields trimmed of
//! surrounding white space, an empty string as `""`, quotes and backslashes inside quoted
//! fields escaped with a backslash. `--plain` gives the other common form instead: values as
//! `show` prints them, JSON nulls written, CSV quoted as RFC 4180 does (a quote doubled).

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Fields};

use crate::types::coerce::is_numeric;
use crate::types::datetime_pattern::DateTimePattern;
use crate::types::display::write_value;

/// Spark 3.3's default `timestampFormat` for CSV and JSON writes.
pub const SPARK_TIMESTAMP_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
/// Spark's default `dateFormat`.
pub const SPARK_DATE_FORMAT: &str = "yyyy-MM-dd";

/// How values are turned into CSV and JSON text.
#[derive(Debug, Clone)]
pub struct TextOptions {
    /// None: timestamps as `show` prints them (`2019-01-05 06:36:51.5`).
    pub timestamp_format: Option<DateTimePattern>,
    /// None: dates as `show` prints them.
    pub date_format: Option<DateTimePattern>,
    /// JSON: write null fields as `null` (Spark's `ignoreNullFields=false`).
    pub json_nulls: bool,
    pub csv: CsvTextOptions,
}

/// CSV output options (Spark's writer options of the same names).
#[derive(Debug, Clone)]
pub struct CsvTextOptions {
    pub delimiter: char,
    pub quote: char,
    /// Escapes quotes (and itself) inside quoted fields; with `rfc4180`, quotes are doubled.
    pub escape: char,
    pub header: bool,
    /// How a null is written (Spark's `nullValue`; empty by default).
    pub null_value: String,
    /// The RFC 4180 form: no trimming, an empty string as an empty field, quotes doubled.
    pub rfc4180: bool,
}

impl Default for TextOptions {
    /// Spark's writer defaults.
    fn default() -> Self {
        TextOptions::spark()
    }
}

impl TextOptions {
    /// Spark's writer defaults.
    pub fn spark() -> TextOptions {
        TextOptions {
            timestamp_format: DateTimePattern::for_formatting(SPARK_TIMESTAMP_FORMAT).ok(),
            date_format: DateTimePattern::for_formatting(SPARK_DATE_FORMAT).ok(),
            json_nulls: false,
            csv: CsvTextOptions {
                delimiter: ',',
                quote: '"',
                escape: '\\',
                header: true,
                null_value: String::new(),
                rfc4180: false,
            },
        }
    }

    /// Values as `show` prints them, JSON nulls kept, CSV as RFC 4180.
    pub fn plain() -> TextOptions {
        let mut options = TextOptions::spark();
        options.timestamp_format = None;
        options.date_format = None;
        options.json_nulls = true;
        options.csv.rfc4180 = true;
        options
    }

    /// Append the text of `array[row]`, timestamps and dates in the chosen formats; false
    /// (appending nothing) for a null.
    pub fn write_cell(&self, out: &mut String, array: &dyn Array, row: usize) -> bool {
        if array.is_null(row) {
            return false;
        }
        match array.data_type() {
            DataType::Timestamp(unit, _) if self.timestamp_format.is_some() => {
                use arrow::datatypes::*;
                let micros = match unit {
                    TimeUnit::Second => array
                        .as_primitive::<TimestampSecondType>()
                        .value(row)
                        .saturating_mul(1_000_000),
                    TimeUnit::Millisecond => array
                        .as_primitive::<TimestampMillisecondType>()
                        .value(row)
                        .saturating_mul(1_000),
                    TimeUnit::Microsecond => {
                        array.as_primitive::<TimestampMicrosecondType>().value(row)
                    }
                    TimeUnit::Nanosecond => array
                        .as_primitive::<TimestampNanosecondType>()
                        .value(row)
                        .div_euclid(1_000),
                };
                if let Some(pattern) = &self.timestamp_format {
                    pattern.format(out, micros);
                }
                true
            }
            DataType::Date32 if self.date_format.is_some() => {
                let days = array.as_primitive::<Date32Type>().value(row);
                let micros = i64::from(days).checked_mul(crate::types::calendar::MICROS_PER_DAY);
                match (&self.date_format, micros) {
                    (Some(pattern), Some(micros)) => pattern.format(out, micros),
                    // Beyond the timestamp range (no such date reaches Spark): the plain form.
                    _ => crate::types::display::write_date(out, days),
                }
                true
            }
            _ => write_value(out, array, row),
        }
    }

    /// The CSV header line for `schema`, when headers are on.
    pub fn csv_header(&self, schema: &arrow::datatypes::Schema) -> Vec<u8> {
        let mut out = Vec::new();
        if self.csv.header && !schema.fields().is_empty() {
            let names: Vec<Option<&str>> = schema
                .fields()
                .iter()
                .map(|f| Some(f.name().as_str()))
                .collect();
            self.csv_record(&mut out, &names);
        }
        out
    }

    /// Append the rows of `batch` as CSV records.
    pub fn write_csv_rows(&self, out: &mut Vec<u8>, batch: &RecordBatch) {
        let mut cells: Vec<String> = vec![String::new(); batch.num_columns()];
        let mut present = vec![false; batch.num_columns()];
        for row in 0..batch.num_rows() {
            for ((cell, is_set), column) in cells.iter_mut().zip(&mut present).zip(batch.columns())
            {
                cell.clear();
                *is_set = self.write_cell(cell, column.as_ref(), row);
            }
            let fields: Vec<Option<&str>> = cells
                .iter()
                .zip(&present)
                .map(|(c, &p)| p.then_some(c.as_str()))
                .collect();
            self.csv_record(out, &fields);
        }
    }

    /// One CSV record (None: a null), ended by a newline.
    fn csv_record(&self, out: &mut Vec<u8>, fields: &[Option<&str>]) {
        let csv = &self.csv;
        let mut buf = [0u8; 4];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(csv.delimiter.encode_utf8(&mut buf).as_bytes());
            }
            let Some(text) = field else {
                out.extend_from_slice(csv.null_value.as_bytes());
                continue;
            };
            // Spark's writer trims white space (ignoreLeading/TrailingWhiteSpace) as univocity
            // defines it: every character up to the space.
            let text = if csv.rfc4180 {
                text
            } else {
                text.trim_matches(|c: char| c <= ' ')
            };
            if text.is_empty() && !csv.rfc4180 {
                // Spark's emptyValue: an empty string stays apart from a null.
                out.push(b'"');
                out.push(b'"');
                continue;
            }
            let needs_quotes = text
                .chars()
                .any(|c| c == csv.delimiter || c == csv.quote || c == '\n' || c == '\r')
                || (csv.rfc4180 && !csv.null_value.is_empty() && text == csv.null_value);
            if !needs_quotes {
                out.extend_from_slice(text.as_bytes());
                continue;
            }
            out.extend_from_slice(csv.quote.encode_utf8(&mut buf).as_bytes());
            for c in text.chars() {
                if csv.rfc4180 {
                    if c == csv.quote {
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                } else if c == csv.quote || c == csv.escape {
                    out.extend_from_slice(csv.escape.encode_utf8(&mut buf).as_bytes());
                }
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            out.extend_from_slice(csv.quote.encode_utf8(&mut buf).as_bytes());
        }
        out.push(b'\n');
    }

    /// Append the rows of `batch` as JSON lines.
    pub fn write_json_rows(&self, out: &mut Vec<u8>, batch: &RecordBatch) {
        let schema = batch.schema();
        let mut cell = String::new();
        for row in 0..batch.num_rows() {
            self.write_json_object(out, schema.fields(), batch.columns(), row, &mut cell);
            out.push(b'\n');
        }
    }

    /// Row `row` of `columns` as a JSON object: a line's row, or a struct value.
    fn write_json_object(
        &self,
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
            if self.write_json_value(out, column.as_ref(), row, cell) {
                first = false;
            } else if self.json_nulls {
                out.extend_from_slice(b"null");
                first = false;
            } else {
                out.truncate(start);
            }
        }
        out.push(b'}');
    }

    /// Append row `row` of `array` as JSON; false, appending nothing, for a null. Numbers and
    /// booleans are bare, arrays are JSON arrays (nulls inside kept), structs and maps are
    /// objects, binary is base64, everything else a string (`cell` is scratch space).
    fn write_json_value(
        &self,
        out: &mut Vec<u8>,
        array: &dyn Array,
        row: usize,
        cell: &mut String,
    ) -> bool {
        if array.is_null(row) || array.data_type() == &DataType::Null {
            return false;
        }
        match array.data_type() {
            DataType::List(_) | DataType::LargeList(_) => {
                let values = match array.data_type() {
                    DataType::List(_) => array.as_list::<i32>().value(row),
                    _ => array.as_list::<i64>().value(row),
                };
                out.push(b'[');
                for i in 0..values.len() {
                    if i > 0 {
                        out.push(b',');
                    }
                    if !self.write_json_value(out, values.as_ref(), i, cell) {
                        out.extend_from_slice(b"null");
                    }
                }
                out.push(b']');
            }
            DataType::Struct(fields) => {
                self.write_json_object(out, fields, array.as_struct().columns(), row, cell)
            }
            DataType::Map(_, _) => {
                let entries = array.as_map().value(row);
                out.push(b'{');
                for i in 0..entries.len() {
                    if i > 0 {
                        out.push(b',');
                    }
                    cell.clear();
                    self.write_cell(cell, entries.column(0).as_ref(), i);
                    json_string(out, cell);
                    out.push(b':');
                    if !self.write_json_value(out, entries.column(1).as_ref(), i, cell) {
                        out.extend_from_slice(b"null");
                    }
                }
                out.push(b'}');
            }
            DataType::Binary => base64_string(out, array.as_binary::<i32>().value(row)),
            DataType::LargeBinary => base64_string(out, array.as_binary::<i64>().value(row)),
            t => {
                cell.clear();
                self.write_cell(cell, array, row);
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

/// Binary in JSON: a base64 string, as Jackson writes a byte array.
fn base64_string(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.push(b'"');
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::StringArray;
    use std::sync::Arc;

    fn csv(options: &TextOptions, values: &[Option<&str>]) -> String {
        let batch = RecordBatch::try_from_iter([(
            "s",
            Arc::new(StringArray::from(values.to_vec())) as ArrayRef,
        )])
        .unwrap();
        let mut out = Vec::new();
        options.write_csv_rows(&mut out, &batch);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_fields_as_spark_writes_them() {
        // Each expected line was written by PySpark 3.3's df.write.csv.
        let values = [
            Some("a\\b"),
            Some("\\\""),
            Some("\""),
            Some(","),
            Some(" "),
            Some("  x"),
            Some("a\\b,c"),
            Some("a\rb"),
            Some("multi\nline  "),
            Some(""),
            None,
        ];
        assert_eq!(
            csv(&TextOptions::spark(), &values),
            "a\\b\n\"\\\\\\\"\"\n\"\\\"\"\n\",\"\n\"\"\nx\n\"a\\\\b,c\"\n\"a\rb\"\n\"multi\nline\"\n\"\"\n\n"
        );
        assert_eq!(
            csv(
                &TextOptions::plain(),
                &[Some("a\"b"), Some(" x "), Some(""), None]
            ),
            "\"a\"\"b\"\n x \n\n\n"
        );
    }

    #[test]
    fn base64_pads() {
        for (bytes, text) in [
            (&b""[..], "\"\""),
            (b"\x01\x02", "\"AQI=\""),
            (b"abc", "\"YWJj\""),
            (b"a", "\"YQ==\""),
        ] {
            let mut out = Vec::new();
            base64_string(&mut out, bytes);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }
}

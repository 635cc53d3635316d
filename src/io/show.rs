//! Rendering results the way Spark 3.3 prints them: `Dataset.showString` (the table of `show()`,
//! horizontal or vertical) and `StructType.treeString` (`printSchema()`).

use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;

use crate::types::display::write_value;
use crate::types::names::spark_type_name;

/// How `show` lays out cells.
#[derive(Debug, Clone, Copy)]
pub struct ShowOptions {
    /// Rows to print.
    pub rows: usize,
    /// Cut cells longer than this many characters (0: never cut; Spark's `truncate=False`).
    pub truncate: usize,
    pub vertical: bool,
}

/// Spark's `showString(numRows, truncate, vertical)` for the first `options.rows` rows of
/// `batches`, which should hold `rows + 1` rows when more exist (that decides the footer).
pub fn show_string(schema: &Schema, batches: &[RecordBatch], options: &ShowOptions) -> String {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let has_more = total > options.rows;
    let truncate = options.truncate;
    // Lengths are Java's (UTF-16 code units), as Spark's `substring` counts them.
    let cut = |text: String| -> String {
        let text = escape_meta_characters(text);
        if truncate > 0 && utf16_length(&text) > truncate {
            if truncate < 4 {
                utf16_prefix(&text, truncate).to_string()
            } else {
                let mut kept = utf16_prefix(&text, truncate - 3).to_string();
                kept.push_str("...");
                kept
            }
        } else {
            text
        }
    };

    // Spark 3.3 never cuts column names, only cells; both have their control characters escaped.
    let header: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| escape_meta_characters(f.name().clone()))
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    'outer: for batch in batches {
        for row in 0..batch.num_rows() {
            if rows.len() == options.rows {
                break 'outer;
            }
            let cells = batch
                .columns()
                .iter()
                .map(|column| {
                    let mut text = String::new();
                    if !write_value(&mut text, column.as_ref(), row) {
                        text.push_str("null");
                    }
                    cut(text)
                })
                .collect();
            rows.push(cells);
        }
    }

    let mut out = String::new();
    const MIN_WIDTH: usize = 3;
    if !options.vertical {
        let mut widths = vec![MIN_WIDTH; header.len()];
        for row in std::iter::once(&header).chain(rows.iter()) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(half_width(cell));
            }
        }
        // Scala's addString("+", "+", "+\n"): with no columns at all, "++".
        let separator: String = {
            let mut s = String::from("+");
            for width in &widths {
                s.push_str(&"-".repeat(*width));
                s.push('+');
            }
            if widths.is_empty() {
                s.push('+');
            }
            s.push('\n');
            s
        };
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            if cells.is_empty() {
                out.push('|');
            }
            for (cell, width) in cells.iter().zip(&widths) {
                let padding = " ".repeat(width.saturating_sub(half_width(cell)));
                if truncate > 0 {
                    out.push_str(&padding);
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.push_str(&padding);
                }
                out.push('|');
            }
            out.push('\n');
        };
        out.push_str(&separator);
        line(&mut out, &header);
        out.push_str(&separator);
        for row in &rows {
            line(&mut out, row);
        }
        out.push_str(&separator);
    } else {
        let name_width = header
            .iter()
            .map(|h| half_width(h))
            .fold(MIN_WIDTH, usize::max);
        let data_width = rows
            .iter()
            .map(|row| row.iter().map(|c| half_width(c)).max().unwrap_or(0))
            .fold(MIN_WIDTH, usize::max);
        for (i, row) in rows.iter().enumerate() {
            let title = format!("-RECORD {i}");
            let title_pad = (name_width + data_width + 5).saturating_sub(utf16_length(&title));
            out.push_str(&title);
            out.push_str(&"-".repeat(title_pad));
            out.push('\n');
            for (name, cell) in header.iter().zip(row) {
                out.push(' ');
                out.push_str(name);
                out.push_str(&" ".repeat(name_width.saturating_sub(half_width(name))));
                out.push_str(" | ");
                out.push_str(cell);
                out.push_str(&" ".repeat(data_width.saturating_sub(half_width(cell))));
                out.push_str(" \n");
            }
        }
    }
    if options.vertical && rows.is_empty() {
        out.push_str("(0 rows)\n");
    } else if has_more {
        let noun = if options.rows == 1 { "row" } else { "rows" };
        out.push_str(&format!("only showing top {} {noun}\n", options.rows));
    }
    out
}

/// Display width as Spark's `Utils.stringHalfWidth` counts it: the Java length (UTF-16 code
/// units, so an emoji takes two) plus one for each East Asian full-width character.
fn half_width(text: &str) -> usize {
    text.chars()
        .map(|c| c.len_utf16() + usize::from(is_full_width(c)))
        .sum()
}

/// The length of `text` as Java counts it (UTF-16 code units).
fn utf16_length(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `text` of at most `units` UTF-16 code units (Java's `substring(0, n)`,
/// except that a character split in two by the cut is left out rather than halved).
fn utf16_prefix(text: &str, units: usize) -> &str {
    let mut taken = 0;
    for (at, c) in text.char_indices() {
        if taken + c.len_utf16() > units {
            return &text[..at];
        }
        taken += c.len_utf16();
    }
    text
}

/// Spark's `SchemaUtils.escapeMetaCharacters`: the control characters that would break the
/// table's layout, shown as their escapes (`\n`, `\t`, ...). Most texts have none and are
/// returned as they are, without a copy.
fn escape_meta_characters(text: String) -> String {
    if !text
        .bytes()
        .any(|b| matches!(b, b'\n' | b'\r' | b'\t' | 0x0C | 0x08 | 0x0B | 0x07))
    {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0B}' => out.push_str("\\v"),
            '\u{07}' => out.push_str("\\a"),
            c => out.push(c),
        }
    }
    out
}

fn is_full_width(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE10..=0xFE19 | 0xFE30..=0xFE6F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// Spark's `printSchema()`: `root` and one ` |-- name: type (nullable = true)` line per field,
/// nested types indented below their parent.
pub fn tree_string(schema: &Schema) -> String {
    let mut out = String::from("root\n");
    for field in schema.fields() {
        write_field(&mut out, field, " |");
    }
    out
}

fn write_field(out: &mut String, field: &Field, prefix: &str) {
    out.push_str(&format!(
        "{prefix}-- {}: {} (nullable = {})\n",
        field.name(),
        spark_type_name(field.data_type()),
        field.is_nullable()
    ));
    write_children(out, field.data_type(), &format!("{prefix}    |"));
}

fn write_children(out: &mut String, data_type: &DataType, prefix: &str) {
    match data_type {
        DataType::Struct(fields) => {
            for child in fields {
                write_field(out, child, prefix);
            }
        }
        DataType::List(element)
        | DataType::LargeList(element)
        | DataType::FixedSizeList(element, _) => {
            out.push_str(&format!(
                "{prefix}-- element: {} (containsNull = {})\n",
                spark_type_name(element.data_type()),
                element.is_nullable()
            ));
            write_children(out, element.data_type(), &format!("{prefix}    |"));
        }
        DataType::Map(entries, _) => {
            if let DataType::Struct(kv) = entries.data_type() {
                if kv.len() == 2 {
                    out.push_str(&format!(
                        "{prefix}-- key: {}\n",
                        spark_type_name(kv[0].data_type())
                    ));
                    write_children(out, kv[0].data_type(), &format!("{prefix}    |"));
                    out.push_str(&format!(
                        "{prefix}-- value: {} (valueContainsNull = {})\n",
                        spark_type_name(kv[1].data_type()),
                        kv[1].is_nullable()
                    ));
                    write_children(out, kv[1].data_type(), &format!("{prefix}    |"));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int32Array, StringArray};
    use std::sync::Arc;

    fn batch() -> (Schema, RecordBatch) {
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("name", DataType::Utf8, true),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(Int32Array::from(vec![Some(1), None])),
                Arc::new(StringArray::from(vec![
                    Some("Allerton/Pelham Gardens"),
                    Some("x"),
                ])),
            ],
        )
        .unwrap();
        (schema, batch)
    }

    #[test]
    fn horizontal_truncates_and_right_aligns() {
        let (schema, batch) = batch();
        let text = show_string(
            &schema,
            &[batch],
            &ShowOptions {
                rows: 1,
                truncate: 20,
                vertical: false,
            },
        );
        assert_eq!(
            text,
            "+---+--------------------+\n| id|                name|\n+---+--------------------+\n|  1|Allerton/Pelham G...|\n+---+--------------------+\nonly showing top 1 row\n"
        );
    }

    #[test]
    fn vertical_and_empty() {
        let (schema, batch) = batch();
        let text = show_string(
            &schema,
            &[batch.slice(1, 1)],
            &ShowOptions {
                rows: 20,
                truncate: 20,
                vertical: true,
            },
        );
        assert_eq!(text, "-RECORD 0----\n id   | null \n name | x    \n");
        let empty = show_string(
            &schema,
            &[],
            &ShowOptions {
                rows: 20,
                truncate: 20,
                vertical: true,
            },
        );
        assert_eq!(empty, "(0 rows)\n");
    }

    #[test]
    fn widths_and_escapes_as_java_counts_them() {
        assert_eq!(half_width("😀x"), 3);
        assert_eq!(half_width("日本"), 4);
        assert_eq!(utf16_length("a😀"), 3);
        assert_eq!(utf16_prefix("a😀b", 2), "a");
        assert_eq!(utf16_prefix("a😀b", 3), "a😀");
        assert_eq!(
            escape_meta_characters("a\nb\tc\u{7}".to_string()),
            "a\\nb\\tc\\a"
        );
    }
}

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
    let cut = |text: String| -> String {
        let length = text.chars().count();
        if truncate > 0 && length > truncate {
            if truncate < 4 {
                text.chars().take(truncate).collect()
            } else {
                let mut kept: String = text.chars().take(truncate - 3).collect();
                kept.push_str("...");
                kept
            }
        } else {
            text
        }
    };

    // Spark 3.3 never cuts column names, only cells.
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
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
        let separator: String = {
            let mut s = String::from("+");
            for width in &widths {
                s.push_str(&"-".repeat(*width));
                s.push('+');
            }
            s.push('\n');
            s
        };
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
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
            let title_pad = (name_width + data_width + 5).saturating_sub(title.chars().count());
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

/// Display width as Spark's `Utils.stringHalfWidth` counts it: East Asian full-width characters
/// take two columns.
fn half_width(text: &str) -> usize {
    text.chars()
        .map(|c| if is_full_width(c) { 2 } else { 1 })
        .sum()
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
}

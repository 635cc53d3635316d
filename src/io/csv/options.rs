//! CSV read options, with Spark's defaults and meanings (`header`, `sep`, `quote`, `escape`,
//! `nullValue`, `schema`, `inferSchema`, `timestampFormat`, `mode`).

use crate::types::datetime_pattern::DateTimePattern;
use arrow::datatypes::SchemaRef;

use crate::error::{Error, Result};

/// What to do with a record that does not fit the schema (a value that does not parse as its
/// column's type, or a row with too few or too many fields) — Spark's `mode` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseMode {
    /// Keep the record; fields that do not parse become null, missing fields null, extra dropped.
    #[default]
    Permissive,
    /// Drop the whole record.
    DropMalformed,
    /// Stop with an error naming the file, line and column.
    FailFast,
}

impl ParseMode {
    /// The mode Spark's `mode` option names (any case).
    pub fn from_name(name: &str) -> Option<ParseMode> {
        match name.to_ascii_lowercase().as_str() {
            "permissive" => Some(ParseMode::Permissive),
            "dropmalformed" => Some(ParseMode::DropMalformed),
            "failfast" => Some(ParseMode::FailFast),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub header: bool,
    pub delimiter: u8,
    pub quote: u8,
    /// Escape character inside quoted fields (Spark's default is a backslash); `""` also works.
    pub escape: Option<u8>,
    /// A field equal to this is null (Spark's default: the empty string).
    pub null_value: String,
    /// A schema given by the user (`--schema` DDL): no inference, these names and types.
    pub schema: Option<SchemaRef>,
    /// Infer column types; false reads every column as a string.
    pub infer: bool,
    /// Spark's `timestampFormat` pattern, compiled for parsing.
    pub timestamp_format: Option<DateTimePattern>,
    pub mode: ParseMode,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            header: true,
            delimiter: b',',
            quote: b'"',
            escape: Some(b'\\'),
            null_value: String::new(),
            schema: None,
            infer: true,
            timestamp_format: None,
            mode: ParseMode::Permissive,
        }
    }
}

impl CsvOptions {
    /// A `csv` reader builder configured with these options (no header handling: the engine
    /// reads the header itself so that byte offsets stay exact).
    pub fn reader_builder(&self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .quote(self.quote)
            .double_quote(true)
            .escape(self.escape.filter(|e| *e != self.quote));
        builder
    }
}

/// One byte from a user's option (`--sep '\t'`, `--sep ';'`), as Spark accepts it.
pub fn parse_char_option(name: &str, value: &str) -> Result<u8> {
    let unescaped = match value {
        "\\t" => "\t",
        "\\n" => "\n",
        "\\\\" => "\\",
        "\\0" => "\0",
        other => other,
    };
    match unescaped.as_bytes() {
        [byte] if byte.is_ascii() => Ok(*byte),
        _ => Err(Error::usage(format!(
            "{name} must be a single ASCII character, got '{value}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_options() {
        assert_eq!(parse_char_option("--sep", "\\t").unwrap(), b'\t');
        assert_eq!(parse_char_option("--sep", ";").unwrap(), b';');
        assert!(parse_char_option("--sep", ";;").is_err());
    }
}

//! CSV read options, with Spark's defaults and meanings (`header`, `sep`, `quote`, `escape`,
//! `nullValue`, `schema`, `inferSchema`, `timestampFormat`, `mode`).

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
    /// strftime form of the Spark `timestampFormat` (converted from Spark's pattern letters).
    pub timestamp_format: Option<String>,
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

/// Convert a Spark / Java `DateTimeFormatter` pattern (`yyyy-MM-dd HH:mm:ss`, `MM/dd/yyyy hh:mm a`)
/// into the strftime form chrono parses with.
pub fn spark_pattern_to_strftime(pattern: &str) -> Result<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal text; '' is a literal quote.
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                out.push(chars[i]);
                i += 1;
            }
            if i + 1 < chars.len() && chars[i + 1] == '\'' {
                out.push('\'');
            }
            i += 1;
            continue;
        }
        let mut run = 1;
        while i + run < chars.len() && chars[i + run] == c {
            run += 1;
        }
        let piece = match (c, run) {
            ('y', 2) => "%y",
            ('y', _) | ('u', _) => "%Y",
            ('M', 1) | ('M', 2) | ('L', 1) | ('L', 2) => "%m",
            ('M', 3) | ('L', 3) => "%b",
            ('M', _) | ('L', _) => "%B",
            ('d', _) => "%d",
            ('D', _) => "%j",
            ('H', _) | ('k', _) => "%H",
            ('h', _) | ('K', _) => "%I",
            ('m', _) => "%M",
            ('s', _) => "%S",
            ('S', _) => {
                // A fraction: chrono's %.f wants the dot, which the pattern wrote just before.
                if out.ends_with('.') {
                    out.pop();
                }
                "%.f"
            }
            ('a', _) => "%p",
            ('E', 1..=3) => "%a",
            ('E', _) => "%A",
            ('X', _) | ('x', _) => "%:z",
            ('Z', _) => "%z",
            ('%', _) => "%%",
            (c, _) if c.is_ascii_alphabetic() => {
                return Err(Error::usage(format!(
                    "--timestamp-format: pattern letter '{c}' in '{pattern}' is not supported"
                )))
            }
            _ => {
                for _ in 0..run {
                    out.push(c);
                }
                i += run;
                continue;
            }
        };
        out.push_str(piece);
        i += run;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_patterns() {
        assert_eq!(
            spark_pattern_to_strftime("yyyy-MM-dd HH:mm:ss").unwrap(),
            "%Y-%m-%d %H:%M:%S"
        );
        assert_eq!(
            spark_pattern_to_strftime("MM/dd/yyyy hh:mm:ss a").unwrap(),
            "%m/%d/%Y %I:%M:%S %p"
        );
        assert_eq!(
            spark_pattern_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSS").unwrap(),
            "%Y-%m-%dT%H:%M:%S%.f"
        );
        assert!(spark_pattern_to_strftime("yyyy-MM-dd Q").is_err());
    }

    #[test]
    fn char_options() {
        assert_eq!(parse_char_option("--sep", "\\t").unwrap(), b'\t');
        assert_eq!(parse_char_option("--sep", ";").unwrap(), b';');
        assert!(parse_char_option("--sep", ";;").is_err());
    }
}

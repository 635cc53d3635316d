//! Spark's datetime patterns (Java's `DateTimeFormatter` letters: `yyyy-MM-dd HH:mm:ss`,
//! `MM/dd/yyyy hh:mm a`) in the strftime form chrono parses and formats with. Used by the CSV
//! `timestampFormat` option and by `to_timestamp`, `unix_timestamp` and `from_unixtime`.

use crate::error::{Error, Result};

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
                    "datetime pattern '{pattern}': the letter '{c}' is not supported"
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
}

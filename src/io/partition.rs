//! Hive-style partition directories (`col=value/`), as Spark names and reads them: special
//! characters percent-escaped, null (and the empty string) as `__HIVE_DEFAULT_PARTITION__`.

pub const DEFAULT_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'
            ..='\u{1F}'
                | '"'
                | '#'
                | '%'
                | '\''
                | '*'
                | '/'
                | ':'
                | '='
                | '?'
                | '\\'
                | '\u{7F}'
                | '{'
                | '['
                | ']'
                | '^'
    )
}

/// Spark's `escapePathName`.
pub fn escape_path_name(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if needs_escape(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Spark's `unescapePathName`: `%XX` back to the character.
pub fn unescape_path_name(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && text.is_char_boundary(i + 3) {
            if let Ok(code) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(code);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `col=value` as a directory name (None: the default partition).
pub fn directory_name(column: &str, value: Option<&str>) -> String {
    let value = match value {
        Some(v) if !v.is_empty() => escape_path_name(v),
        _ => DEFAULT_PARTITION.to_string(),
    };
    format!("{}={value}", escape_path_name(column))
}

/// The column and value of a `col=value` directory name; the value is None for the default
/// partition.
pub fn parse_directory_name(name: &str) -> Option<(String, Option<String>)> {
    let (column, value) = name.split_once('=')?;
    if column.is_empty() {
        return None;
    }
    let value = if value == DEFAULT_PARTITION {
        None
    } else {
        Some(unescape_path_name(value))
    };
    Some((unescape_path_name(column), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for value in ["Manhattan", "a/b", "2019-01-01 00:00:00", "100%", "x=y"] {
            let name = directory_name("c", Some(value));
            assert_eq!(
                parse_directory_name(&name),
                Some(("c".into(), Some(value.into())))
            );
        }
        assert_eq!(directory_name("c", None), "c=__HIVE_DEFAULT_PARTITION__");
        assert_eq!(
            directory_name("c", Some("")),
            "c=__HIVE_DEFAULT_PARTITION__"
        );
        assert_eq!(
            escape_path_name("2019-01-01 00:00:00"),
            "2019-01-01 00%3A00%3A00"
        );
        assert_eq!(parse_directory_name("plain"), None);
    }
}

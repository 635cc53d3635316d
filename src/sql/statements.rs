//! A job file's statements: split at `;` (outside quotes and comments) and parsed with sqlparser,
//! except Spark's `CREATE [OR REPLACE] TEMP[ORARY] VIEW v USING csv|parquet OPTIONS (k 'v', ...)`,
//! which sqlparser does not read and is recognized here, and Spark's `SET key=value`, whose value
//! is raw text up to the end of the statement.

use regex::Regex;
use sqlparser::ast;

use crate::error::{Error, Result};

pub enum Statement {
    Sql(ast::Statement),
    /// `INSERT OVERWRITE [LOCAL] DIRECTORY 'out' [USING parquet|csv] SELECT ...`.
    InsertDirectory {
        path: String,
        format: Option<String>,
        query: Box<ast::Query>,
    },
    /// A view over files, with Spark's data source options (`path`, `header`, `inferSchema`, ...).
    ViewUsing {
        name: String,
        or_replace: bool,
        format: String,
        options: Vec<(String, String)>,
    },
    /// `SET key=value` or `SET TIME ZONE 'zone'`: the key as written, the value unquoted.
    /// `value` is None for `SET` and `SET key`, which only print settings in Spark.
    Set {
        key: String,
        value: Option<String>,
    },
}

/// Split SQL text at top-level semicolons.
fn split(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == '\\' && q != '`' {
                    if let Some(next) = chars.next() {
                        current.push(next);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    current.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    // A comment to the end of the line.
                    for c in chars.by_ref() {
                        if c == '\n' {
                            current.push('\n');
                            break;
                        }
                    }
                }
                ';' => out.push(std::mem::take(&mut current)),
                c => current.push(c),
            },
        }
    }
    out.push(current);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

pub fn parse_statements(text: &str) -> Result<Vec<Statement>> {
    let using = Regex::new(
        r"(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+VIEW\s+`?(\w+)`?\s*USING\s+(\w+)\s*(?:OPTIONS\s*\((.*)\))?\s*$",
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    let option = Regex::new(
        r#"(?s)\s*`?([\w.]+)`?\s*=?\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\w+))\s*(,|$)"#,
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    // Spark's data source form, which sqlparser reads only in Hive's STORED AS form.
    let insert = Regex::new(
        r#"(?is)^\s*INSERT\s+OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY\s+(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s+USING\s+(\w+)\s+(.*)$"#,
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    let set =
        Regex::new(r"(?is)^\s*SET(?:\s+(.*?))?\s*$").map_err(|e| Error::Internal(e.to_string()))?;
    let describe_table = Regex::new(r"(?is)^\s*DESC(?:RIBE)?\s+TABLE\s+(.*)$")
        .map_err(|e| Error::Internal(e.to_string()))?;
    let dialect = crate::expr::parse::SparkDialect::default();
    let mut out = Vec::new();
    for piece in split(text) {
        let piece = wrap_bare_values(&piece);
        if let Some(m) = set.captures(&piece) {
            out.push(parse_set(m.get(1).map_or("", |r| r.as_str())));
            continue;
        }
        if let Some(m) = insert.captures(&piece) {
            let path = m.get(1).or(m.get(2)).map_or("", |p| p.as_str()).to_string();
            let query = crate::expr::parse::spark_parser(&dialect, &m[4])
                .and_then(|mut p| p.parse_query())
                .map_err(|e| Error::usage(format!("SQL syntax error: {e}")))?;
            out.push(Statement::InsertDirectory {
                path,
                format: Some(m[3].to_ascii_lowercase()),
                query,
            });
            continue;
        }
        if let Some(m) = using.captures(&piece) {
            let mut options = Vec::new();
            let list = m.get(4).map_or("", |o| o.as_str());
            let mut rest = list.trim();
            while !rest.is_empty() {
                let Some(o) = option
                    .captures(rest)
                    .filter(|o| o.get(0).is_some_and(|g| g.start() == 0))
                else {
                    return Err(Error::usage(format!(
                        "cannot read OPTIONS ({list}): expected key 'value' pairs separated by commas"
                    )));
                };
                let value = o
                    .get(2)
                    .or(o.get(3))
                    .or(o.get(4))
                    .map_or("", |v| v.as_str());
                options.push((o[1].to_ascii_lowercase(), value.replace("\\'", "'")));
                rest = rest[o.get(0).map_or(rest.len(), |g| g.end())..].trim();
            }
            out.push(Statement::ViewUsing {
                name: m[2].to_string(),
                or_replace: m.get(1).is_some(),
                format: m[3].to_ascii_lowercase(),
                options,
            });
            continue;
        }
        // `DESC TABLE v`, which sqlparser reads only without TABLE.
        let piece = match describe_table.captures(&piece) {
            Some(m) => format!("DESCRIBE {}", &m[1]),
            None => piece,
        };
        let parsed = crate::expr::parse::spark_parser(&dialect, &piece)
            .and_then(|mut p| p.parse_statements())
            .map_err(|e| Error::usage(format!("SQL syntax error: {e}")))?;
        out.extend(parsed.into_iter().map(|statement| match statement {
            ast::Statement::Directory {
                overwrite: true,
                // LOCAL or not, the directory is on this machine.
                local: _,
                path,
                source,
                file_format,
            } => Statement::InsertDirectory {
                path,
                format: file_format.map(|f| f.to_string().to_ascii_lowercase()),
                query: source,
            },
            other => Statement::Sql(other),
        }));
    }
    Ok(out)
}

/// Spark's inline tables that sqlparser does not read, rewritten to forms it does, outside
/// quotes only: `FROM|JOIN VALUES (1, 'a'), (2, 'b') AS t(x, y)` as `FROM (VALUES ...) AS t(x, y)`,
/// and a query that is `VALUES (...) t(x)` (a statement, or after `AS` in CREATE VIEW) as
/// `SELECT * FROM (VALUES (...)) t(x)`.
fn wrap_bare_values(sql: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut i = 0;
    let mut quote: Option<char> = None;
    let word_at = |i: usize, word: &str| -> bool {
        let w: Vec<char> = word.chars().collect();
        i + w.len() <= chars.len()
            && chars[i..i + w.len()]
                .iter()
                .zip(&w)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
            && chars
                .get(i + w.len())
                .is_none_or(|c| !(c.is_alphanumeric() || *c == '_'))
    };
    let skip_blanks = |mut j: usize| {
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        j
    };
    // The end of VALUES' rows starting at the '(' at `k`: groups of balanced parentheses
    // separated by commas; None when unbalanced (left to the parser's message).
    let rows_end = |k: usize| -> Option<usize> {
        let mut end = k;
        loop {
            let mut depth = 0usize;
            let mut q: Option<char> = None;
            let mut m = end;
            while m < chars.len() {
                let ch = chars[m];
                match q {
                    Some(open) if ch == open => q = None,
                    Some(_) => {}
                    None if matches!(ch, '\'' | '"' | '`') => q = Some(ch),
                    None if ch == '(' => depth += 1,
                    None if ch == ')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    None => {}
                }
                m += 1;
            }
            if m >= chars.len() {
                return None;
            }
            end = m + 1;
            let n = skip_blanks(end);
            if chars.get(n) == Some(&',') {
                let p = skip_blanks(n + 1);
                if chars.get(p) == Some(&'(') {
                    end = p;
                    continue;
                }
            }
            return Some(end);
        }
    };
    // After the rows, an alias (`AS t`, `t(x)`) rather than the end or a clause.
    let alias_follows = |end: usize| -> bool {
        let n = skip_blanks(end);
        let Some(c) = chars.get(n) else { return false };
        if !(c.is_alphabetic() || *c == '_' || *c == '`') {
            return false;
        }
        const CLAUSES: [&str; 10] = [
            "UNION",
            "EXCEPT",
            "MINUS",
            "INTERSECT",
            "ORDER",
            "LIMIT",
            "OFFSET",
            "WHERE",
            "SORT",
            "CLUSTER",
        ];
        !CLAUSES.iter().any(|w| word_at(n, w))
    };
    let mut last_word_end = 0;
    let mut last_word = String::new();
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && q != '`' {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if matches!(c, '\'' | '"' | '`') {
            quote = Some(c);
            out.push(c);
            i += 1;
            continue;
        }
        let after_keyword = ["FROM", "JOIN"].iter().find(|w| word_at(i, w));
        if let Some(keyword) = after_keyword {
            // FROM|JOIN, then blanks, then VALUES, then blanks and a '('.
            let j = skip_blanks(i + keyword.len());
            if j > i + keyword.len() && word_at(j, "VALUES") {
                let k = skip_blanks(j + 6);
                if chars.get(k) == Some(&'(') {
                    let Some(end) = rows_end(k) else {
                        out.extend(&chars[i..]);
                        return out;
                    };
                    out.extend(&chars[i..j]);
                    out.push('(');
                    out.extend(&chars[j..end]);
                    out.push(')');
                    i = end;
                    continue;
                }
            }
        }
        // A query that is VALUES with an alias: at the start, or after AS or '('.
        let starts_query = chars[last_word_end..i].iter().all(|c| c.is_whitespace())
            && (last_word.is_empty() || last_word.eq_ignore_ascii_case("AS"));
        if word_at(i, "VALUES") && starts_query {
            let k = skip_blanks(i + 6);
            if chars.get(k) == Some(&'(') {
                if let Some(end) = rows_end(k).filter(|&end| alias_follows(end)) {
                    out.push_str("SELECT * FROM (");
                    out.extend(&chars[i..end]);
                    out.push(')');
                    i = end;
                    last_word.clear();
                    last_word_end = i;
                    continue;
                }
            }
        }
        if c.is_alphanumeric() || c == '_' {
            let mut e = i;
            while e < chars.len() && (chars[e].is_alphanumeric() || chars[e] == '_') {
                e += 1;
            }
            last_word = chars[i..e].iter().collect();
            out.extend(&chars[i..e]);
            i = e;
            last_word_end = e;
            continue;
        }
        if !c.is_whitespace() {
            last_word = c.to_string();
            last_word_end = i + 1;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The text after `SET`: `key = value`, `key`, `TIME ZONE value`, or nothing.
fn parse_set(rest: &str) -> Statement {
    let unquote = |v: &str| -> String {
        let v = v.trim();
        let quoted = v.len() >= 2
            && ((v.starts_with('\'') && v.ends_with('\''))
                || (v.starts_with('"') && v.ends_with('"')));
        if quoted {
            v[1..v.len() - 1].to_string()
        } else {
            v.to_string()
        }
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    if words.len() >= 2
        && words[0].eq_ignore_ascii_case("TIME")
        && words[1].eq_ignore_ascii_case("ZONE")
    {
        let value = rest.trim_start()[4..].trim_start()[4..].trim();
        return Statement::Set {
            key: "spark.sql.session.timeZone".to_string(),
            value: Some(unquote(value)),
        };
    }
    match rest.split_once('=') {
        Some((key, value)) => Statement::Set {
            key: key.trim().trim_matches('`').to_string(),
            value: Some(unquote(value)),
        },
        None => Statement::Set {
            key: rest.trim().trim_matches('`').to_string(),
            value: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_recognizes_views_using() {
        let statements = parse_statements(
            "CREATE TEMP VIEW z USING csv OPTIONS (path 'data/a;b.csv', header 'true', inferSchema true);\n\
             -- a comment; with a semicolon\n\
             SELECT ';' AS s FROM z",
        )
        .unwrap();
        assert_eq!(statements.len(), 2);
        let Statement::ViewUsing {
            name,
            format,
            options,
            or_replace,
        } = &statements[0]
        else {
            panic!("a view over files")
        };
        assert_eq!(
            (name.as_str(), format.as_str(), *or_replace),
            ("z", "csv", false)
        );
        assert_eq!(
            options,
            &vec![
                ("path".to_string(), "data/a;b.csv".to_string()),
                ("header".to_string(), "true".to_string()),
                ("inferschema".to_string(), "true".to_string())
            ]
        );
        assert!(matches!(statements[1], Statement::Sql(_)));
    }

    #[test]
    fn wraps_values_after_from() {
        assert_eq!(
            wrap_bare_values("SELECT * FROM VALUES (1, 'a)'), (2, 'b') AS t(x, y) WHERE x > 1"),
            "SELECT * FROM (VALUES (1, 'a)'), (2, 'b')) AS t(x, y) WHERE x > 1"
        );
        assert_eq!(
            wrap_bare_values("select 'from values (1)' from values(1)"),
            "select 'from values (1)' from (values(1))"
        );
        let kept = "SELECT * FROM (VALUES (1)) t, valuesx";
        assert_eq!(wrap_bare_values(kept), kept);
    }

    #[test]
    fn reads_set_statements() {
        let statements = parse_statements(
            "SET spark.sql.session.timeZone = 'UTC'; set `spark.sql.shuffle.partitions`=4;\n\
             SET TIME ZONE 'Etc/UTC'; SET; SET spark.sql.ansi.enabled",
        )
        .unwrap();
        let read: Vec<(String, Option<String>)> = statements
            .into_iter()
            .map(|s| match s {
                Statement::Set { key, value } => (key, value),
                _ => panic!("a SET statement"),
            })
            .collect();
        let some = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
        assert_eq!(
            read,
            vec![
                some("spark.sql.session.timeZone", "UTC"),
                some("spark.sql.shuffle.partitions", "4"),
                some("spark.sql.session.timeZone", "Etc/UTC"),
                (String::new(), None),
                ("spark.sql.ansi.enabled".to_string(), None),
            ]
        );
    }
}

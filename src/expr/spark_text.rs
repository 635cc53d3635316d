//! Spark SQL text back from sqlparser's tree, to hand expressions and statements to a Spark
//! cluster (`--master spark://...`, `sc://...`). Text is parsed here with the engine's Spark
//! dialect, so what goes to Spark is a checked tree printed again, one list item at a time
//! where Spark's DataFrame API takes items (`selectExpr`, `groupBy`, `orderBy`).
//!
//! sqlparser prints a string literal by doubling its quotes, which Spark reads as two adjacent
//! literals; and a backslash as is, which Spark reads as an escape. So before printing, every
//! string literal is rewritten into Spark's escapes (`\\`, `\u0027`), which print unchanged.

use std::ops::ControlFlow;

use sqlparser::ast::{self, Value, VisitMut};
use sqlparser::parser::Parser;

use super::parse::parse_whole;
use crate::error::Result;

/// One ORDER BY item: the expression as Spark SQL text and its direction, with Spark's default
/// null placement spelled out (ASC: nulls first, DESC: nulls last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortText {
    pub expr: String,
    pub ascending: bool,
    pub nulls_first: bool,
}

/// A tree printed as Spark SQL text, its string literals in Spark's escapes.
pub fn to_spark_sql<T: VisitMut + std::fmt::Display + Clone>(node: &T) -> String {
    let mut copy = node.clone();
    let _ = ast::visit_expressions_mut(&mut copy, |expr| {
        spark_literal(expr);
        ControlFlow::<()>::Continue(())
    });
    copy.to_string()
}

/// A string value written so that Spark's lexer reads it back exactly and sqlparser's printer
/// leaves it alone (it only doubles single quotes, and there are none left).
fn spark_escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\u0027"),
            c => out.push(c),
        }
    }
    out
}

fn spark_literal(expr: &mut ast::Expr) {
    let value = match expr {
        ast::Expr::Value(v) => &mut v.value,
        ast::Expr::TypedString(typed) => &mut typed.value.value,
        _ => return,
    };
    let text = match value {
        Value::SingleQuotedString(s)
        | Value::DoubleQuotedString(s)
        | Value::TripleSingleQuotedString(s)
        | Value::TripleDoubleQuotedString(s)
        | Value::EscapedStringLiteral(s)
        | Value::NationalStringLiteral(s) => spark_escaped(s),
        _ => return,
    };
    *value = Value::SingleQuotedString(text);
}

/// One expression (`total_amount > 20`), checked and printed as Spark SQL.
pub fn expression_text(text: &str) -> Result<String> {
    let expr = parse_whole(text, "cannot parse expression", |p| p.parse_expr())?;
    Ok(to_spark_sql(&expr))
}

/// The items of a select list (`a, b * 2 AS c, *`), each printed as Spark SQL.
pub fn select_item_texts(text: &str) -> Result<Vec<String>> {
    let items = parse_whole(text, "cannot parse expression list", |p| {
        p.parse_comma_separated(Parser::parse_select_item)
    })?;
    Ok(items.iter().map(select_item_text).collect())
}

/// A select item as Spark SQL: its expressions' literals escaped, then printed.
fn select_item_text(item: &ast::SelectItem) -> String {
    match item {
        ast::SelectItem::UnnamedExpr(e) => to_spark_sql(e),
        ast::SelectItem::ExprWithAlias { expr, alias } => {
            format!("{} AS {alias}", to_spark_sql(expr))
        }
        other => other.to_string(),
    }
}

/// The items of an ORDER BY list (`revenue DESC, zone`).
pub fn sort_item_texts(text: &str) -> Result<Vec<SortText>> {
    let items = parse_whole(text, "cannot parse ordering", |p| {
        p.parse_comma_separated(Parser::parse_order_by_expr)
    })?;
    items
        .iter()
        .map(|item| {
            let ascending = match item.options.sort {
                None | Some(ast::OrderBySort::Asc) => true,
                Some(ast::OrderBySort::Desc) => false,
                Some(ref other) => {
                    return Err(crate::error::Error::usage(format!(
                        "ordering '{text}': {other:?} is not Spark SQL"
                    )))
                }
            };
            Ok(SortText {
                expr: to_spark_sql(&item.expr),
                ascending,
                nulls_first: item.options.nulls_first.unwrap_or(ascending),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_print_as_spark_reads_them() {
        assert_eq!(
            select_item_texts("a, b * 2 AS c, *, `odd name`").unwrap(),
            vec!["a", "b * 2 AS c", "*", "`odd name`"]
        );
        // A quote and a backslash survive the trip: Spark reads \u0027 and \\ back.
        assert_eq!(
            expression_text(r"name = 'it\'s' OR path = 'a\\b'").unwrap(),
            r"name = 'it\u0027s' OR path = 'a\\b'"
        );
        assert_eq!(
            sort_item_texts("revenue DESC, zone, x ASC NULLS LAST").unwrap(),
            vec![
                SortText {
                    expr: "revenue".into(),
                    ascending: false,
                    nulls_first: false
                },
                SortText {
                    expr: "zone".into(),
                    ascending: true,
                    nulls_first: true
                },
                SortText {
                    expr: "x".into(),
                    ascending: true,
                    nulls_first: false
                },
            ]
        );
        assert!(expression_text("a >").is_err());
        assert!(select_item_texts("a,, b").is_err());
    }
}

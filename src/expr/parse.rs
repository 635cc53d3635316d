//! Spark SQL expression text -> `Expr`, through sqlparser's Spark dialect. The SQL front end
//! converts the expressions of whole statements with `convert`.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, Int8Array, NullArray, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::DataType;
use sqlparser::ast::{self, Value};
use sqlparser::dialect::{Dialect, SparkSqlDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::tree::{BinaryOp, Expr, FrameBound, SortExpr, WindowFrame};
use crate::error::{Error, Result};

/// Spark SQL as sqlparser's Spark dialect reads it, plus backslash escapes in string literals
/// (`'\\d+'` is the regex `\d+` in Spark, as in Hive).
#[derive(Debug, Default)]
pub struct SparkDialect {
    inner: SparkSqlDialect,
}

impl Dialect for SparkDialect {
    fn dialect(&self) -> std::any::TypeId {
        std::any::TypeId::of::<SparkSqlDialect>()
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_delimited_identifier_start(ch)
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.inner.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.inner.is_identifier_part(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.inner.identifier_quote_style(identifier)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        true
    }
    fn supports_string_literal_column_alias(&self, explicit: bool) -> bool {
        self.inner.supports_string_literal_column_alias(explicit)
    }
    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        self.inner.supports_string_literal_table_alias(explicit)
    }
    fn supports_comparison_in_between_low_bound(&self) -> bool {
        true
    }
    fn supports_filter_during_aggregation(&self) -> bool {
        true
    }
    fn supports_group_by_expr(&self) -> bool {
        true
    }
    fn supports_group_by_with_modifier(&self) -> bool {
        true
    }
    fn supports_nested_comments(&self) -> bool {
        true
    }
    /// Spark writes `FROM t TABLESAMPLE (5 ROWS) AS s`.
    fn supports_table_sample_before_alias(&self) -> bool {
        true
    }
    fn supports_create_table_using(&self) -> bool {
        self.inner.supports_create_table_using()
    }
    fn supports_long_type_as_bigint(&self) -> bool {
        self.inner.supports_long_type_as_bigint()
    }
    fn supports_bang_not_operator(&self) -> bool {
        true
    }
    fn supports_cte_without_as(&self) -> bool {
        self.inner.supports_cte_without_as()
    }
    fn supports_numeric_prefix(&self) -> bool {
        self.inner.supports_numeric_prefix()
    }
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &ast::Expr,
        precedence: u8,
    ) -> Option<std::result::Result<ast::Expr, ParserError>> {
        self.inner.parse_infix(parser, expr, precedence)
    }
}

fn parser<'a>(dialect: &'a SparkDialect, text: &str, what: &str) -> Result<Parser<'a>> {
    spark_parser(dialect, text).map_err(|e| Error::usage(format!("{what} '{text}': {e}")))
}

/// A parser over Spark SQL text, its string literals read as Spark reads them (see
/// `spark_tokens`).
pub fn spark_parser<'a>(
    dialect: &'a SparkDialect,
    text: &str,
) -> std::result::Result<Parser<'a>, ParserError> {
    let tokens = Tokenizer::new(dialect, text)
        .with_unescape(false)
        .tokenize_with_location()?;
    Ok(Parser::new(dialect).with_tokens_with_locations(spark_strings(tokens)))
}

/// String literals as Spark's lexer reads them: a doubled quote is not an escape but the end of
/// one literal and the start of the next, adjacent literals are one (`'o''neil'` and
/// `'o' 'neil'` are both `oneil`), and backslash escapes are Spark's (`\n`, `\t`, `\u0041`,
/// `\101`; `\%` and `\_` keep their backslash for LIKE).
fn spark_strings(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    // The index in `out` of the string literal that adjacent ones join, if the last
    // non-blank token was one.
    let mut open: Option<usize> = None;
    for token in tokens {
        // A number with a type suffix (`1.5D`, `10L`, `2BD`) comes as a number and a word
        // touching it; they are one literal in Spark.
        if let (Token::Word(word), Some(last)) = (&token.token, out.last_mut()) {
            if let Token::Number(number, false) = &last.token {
                let suffix = word.value.to_ascii_uppercase();
                if word.quote_style.is_none()
                    && last.span.end == token.span.start
                    && ["D", "F", "BD", "L", "S", "Y"].contains(&suffix.as_str())
                {
                    last.token = Token::Number(format!("{number}{suffix}"), false);
                    last.span.end = token.span.end;
                    continue;
                }
                // Digits running into letters or `_` (`2012_s`) are one identifier in Spark's
                // lexer, which takes the longest token.
                if word.quote_style.is_none()
                    && last.span.end == token.span.start
                    && number.bytes().all(|b| b.is_ascii_digit())
                {
                    last.token = Token::make_word(&format!("{number}{}", word.value), None);
                    last.span.end = token.span.end;
                    continue;
                }
            }
        }
        let raw = match &token.token {
            Token::SingleQuotedString(raw) => Some((raw, '\'')),
            Token::DoubleQuotedString(raw) => Some((raw, '"')),
            _ => None,
        };
        match raw {
            Some((raw, quote)) => {
                let text = unescape_spark(raw, quote);
                match open {
                    Some(i) => {
                        if let Token::SingleQuotedString(joined)
                        | Token::DoubleQuotedString(joined) = &mut out[i].token
                        {
                            joined.push_str(&text);
                        }
                        out[i].span.end = token.span.end;
                        // Blanks between the joined literals go.
                        out.truncate(i + 1);
                    }
                    None => {
                        let token_text = if quote == '\'' {
                            Token::SingleQuotedString(text)
                        } else {
                            Token::DoubleQuotedString(text)
                        };
                        open = Some(out.len());
                        out.push(TokenWithSpan::new(token_text, token.span));
                    }
                }
            }
            None => {
                if !matches!(token.token, Token::Whitespace(_)) {
                    open = None;
                }
                out.push(token);
            }
        }
    }
    out
}

/// Spark's `unescapeSQLString` over a literal's text between its quotes; a doubled `quote`
/// (two literals meeting) joins them.
fn unescape_spark(raw: &str, quote: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == quote && chars.get(i + 1) == Some(&quote) {
            i += 2;
            continue;
        }
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        // \uXXXX
        if next == 'u' && i + 6 <= chars.len() {
            let hex: String = chars[i + 2..i + 6].iter().collect();
            if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                out.push(ch);
                i += 6;
                continue;
            }
        }
        // \ddd, octal, first digit 0-3
        if i + 4 <= chars.len()
            && ('0'..='3').contains(&next)
            && chars[i + 2..i + 4].iter().all(|d| ('0'..='7').contains(d))
        {
            let code = chars[i + 1..i + 4]
                .iter()
                .fold(0u32, |n, d| n * 8 + d.to_digit(8).unwrap_or(0));
            if let Some(ch) = char::from_u32(code) {
                out.push(ch);
                i += 4;
                continue;
            }
        }
        match next {
            '0' => out.push('\0'),
            'b' => out.push('\u{8}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'Z' => out.push('\u{1a}'),
            '%' => out.push_str("\\%"),
            '_' => out.push_str("\\_"),
            other => out.push(other),
        }
        i += 2;
    }
    out
}

fn syntax(what: &str, text: &str, e: impl std::fmt::Display) -> Error {
    Error::usage(format!("{what} '{text}': {e}"))
}

/// Parse all of `text` with `parse` (one of sqlparser's parser methods); `what` names the
/// failure (`cannot parse expression 'a >': ...`).
pub fn parse_whole<T>(
    text: &str,
    what: &str,
    parse: impl FnOnce(&mut Parser) -> std::result::Result<T, ParserError>,
) -> Result<T> {
    let dialect = SparkDialect::default();
    let mut p = parser(&dialect, text, what)?;
    let parsed = parse(&mut p).map_err(|e| syntax(what, text, e))?;
    expect_end(&mut p, text)?;
    Ok(parsed)
}

/// One expression (`total_amount > 20 AND PULocationID = 132`).
pub fn parse_expr(text: &str) -> Result<Expr> {
    convert(&parse_whole(text, "cannot parse expression", |p| {
        p.parse_expr()
    })?)
}

/// A comma-separated select list: expressions with optional `AS alias`, `*` and `t.*`.
pub fn parse_expr_list(text: &str) -> Result<Vec<Expr>> {
    parse_whole(text, "cannot parse expression list", |p| {
        p.parse_comma_separated(Parser::parse_select_item)
    })?
    .iter()
    .map(convert_select_item)
    .collect()
}

/// A comma-separated ORDER BY list: `expr [ASC|DESC] [NULLS FIRST|LAST]`.
pub fn parse_sort_list(text: &str) -> Result<Vec<SortExpr>> {
    parse_whole(text, "cannot parse ordering", |p| {
        p.parse_comma_separated(Parser::parse_order_by_expr)
    })?
    .iter()
    .map(convert_sort)
    .collect()
}

fn expect_end(p: &mut Parser, text: &str) -> Result<()> {
    let token = p.peek_token();
    if token.token != sqlparser::tokenizer::Token::EOF {
        return Err(Error::usage(format!(
            "cannot parse '{text}': unexpected '{}' at {}",
            token.token, token.span.start
        )));
    }
    Ok(())
}

pub fn convert_sort(item: &ast::OrderByExpr) -> Result<SortExpr> {
    let ast::OrderByExpr {
        expr,
        options: ast::OrderByOptions { sort, nulls_first },
        with_fill,
    } = item;
    if with_fill.is_some() {
        return Err(unsupported("ORDER BY ... WITH FILL"));
    }
    let descending = matches!(sort, Some(ast::OrderBySort::Desc));
    Ok(SortExpr {
        expr: convert(expr)?,
        descending,
        nulls_first: nulls_first.unwrap_or(!descending),
    })
}

/// `*` and `t.*` take no options in Spark 3.3 (`* EXCEPT (...)`, `* REPLACE (...)`, ...).
fn refuse_wildcard_options(options: &ast::WildcardAdditionalOptions) -> Result<()> {
    let ast::WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    if opt_ilike.is_some()
        || opt_exclude.is_some()
        || opt_except.is_some()
        || opt_replace.is_some()
        || opt_rename.is_some()
        || opt_alias.is_some()
    {
        return Err(unsupported(format!(
            "options after '*' ({options}); list the columns instead"
        )));
    }
    Ok(())
}

pub fn convert_select_item(item: &ast::SelectItem) -> Result<Expr> {
    match item {
        ast::SelectItem::UnnamedExpr(e) => convert(e),
        ast::SelectItem::ExprWithAlias { expr, alias } => Ok(Expr::Alias {
            expr: Box::new(convert(expr)?),
            name: alias.value.clone(),
        }),
        ast::SelectItem::Wildcard(options) => {
            refuse_wildcard_options(options)?;
            Ok(Expr::Wildcard { qualifier: None })
        }
        ast::SelectItem::QualifiedWildcard(kind, options) => {
            refuse_wildcard_options(options)?;
            Ok(Expr::Wildcard {
                qualifier: Some(match kind {
                    ast::SelectItemQualifiedWildcardKind::ObjectName(name) => object_name(name),
                    ast::SelectItemQualifiedWildcardKind::Expr(e) => e.to_string(),
                }),
            })
        }
        other => Err(unsupported(other)),
    }
}

fn object_name(name: &ast::ObjectName) -> String {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => ident.value.clone(),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn unsupported(what: impl std::fmt::Display) -> Error {
    Error::usage(format!("unsupported expression: {what}"))
}

fn boxed(e: &ast::Expr) -> Result<Box<Expr>> {
    Ok(Box::new(convert(e)?))
}

fn literal(value: ArrayRef, text: impl Into<String>) -> Expr {
    Expr::Literal {
        value,
        text: text.into(),
    }
}

/// Convert a sqlparser expression.
pub fn convert(e: &ast::Expr) -> Result<Expr> {
    use ast::Expr as A;
    Ok(match e {
        A::Identifier(ident) => Expr::Column {
            qualifier: None,
            name: ident.value.clone(),
        },
        A::CompoundIdentifier(parts) => {
            let mut names: Vec<String> = parts.iter().map(|p| p.value.clone()).collect();
            let name = names.pop().unwrap_or_default();
            Expr::Column {
                qualifier: Some(names.join(".")).filter(|q| !q.is_empty()),
                name,
            }
        }
        A::Nested(inner) => convert(inner)?,
        // `(a, b)`: Spark's struct of its items, each field named as its column (`col2` for
        // the second item when it is not one).
        A::Tuple(items) => {
            let mut args = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let value = convert(item)?;
                let name = match &value {
                    Expr::Column { name, .. } => name.clone(),
                    _ => format!("col{}", i + 1),
                };
                args.push(literal(
                    Arc::new(StringArray::from(vec![name.clone()])),
                    name,
                ));
                args.push(value);
            }
            Expr::Call {
                name: "named_struct".to_string(),
                args,
                distinct: false,
                star: false,
            }
        }
        // `a[0]` (0-based, as Spark's GetArrayItem) and `s.x` after a subscript or call, as calls
        // of the internal functions `[]` and `.`.
        A::CompoundFieldAccess { root, access_chain } => {
            let mut value = convert(root)?;
            for access in access_chain {
                value = match access {
                    ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => Expr::Call {
                        name: "[]".to_string(),
                        args: vec![value, convert(index)?],
                        distinct: false,
                        star: false,
                    },
                    ast::AccessExpr::Dot(ast::Expr::Identifier(field)) => Expr::Call {
                        name: ".".to_string(),
                        args: vec![
                            value,
                            literal(
                                Arc::new(arrow::array::StringArray::from(vec![field
                                    .value
                                    .clone()])),
                                field.value.clone(),
                            ),
                        ],
                        distinct: false,
                        star: false,
                    },
                    other => return Err(unsupported(format!("{other} in {e}"))),
                };
            }
            value
        }
        A::Value(v) => convert_value(&v.value)?,
        A::TypedString(typed) => {
            let text = match &typed.value.value {
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
                other => return Err(unsupported(other)),
            };
            let to = convert_type(&typed.data_type)?;
            typed_literal(&text, &to)?
        }
        A::UnaryOp { op, expr } => match op {
            ast::UnaryOperator::Not => Expr::Not(boxed(expr)?),
            // `-2147483648` is one int literal in Spark, not the negation of a bigint.
            ast::UnaryOperator::Minus if matches!(expr.as_ref(), A::Value(v) if matches!(&v.value, Value::Number(text, _) if !text.starts_with('-'))) =>
            {
                let A::Value(v) = expr.as_ref() else {
                    unreachable!("matched above")
                };
                let Value::Number(text, long) = &v.value else {
                    unreachable!("matched above")
                };
                convert_value(&Value::Number(format!("-{text}"), *long))?
            }
            ast::UnaryOperator::Minus => match convert(expr)? {
                Expr::Literal { value, text } if !text.starts_with('-') => {
                    let negated = super::cast::negate_literal(&value)?;
                    literal(negated, format!("-{text}"))
                }
                other => Expr::Negate(Box::new(other)),
            },
            ast::UnaryOperator::BitwiseNot => Expr::Call {
                name: "~".to_string(),
                args: vec![convert(expr)?],
                distinct: false,
                star: false,
            },
            ast::UnaryOperator::Plus => Expr::Call {
                name: "positive".to_string(),
                args: vec![convert(expr)?],
                distinct: false,
                star: false,
            },
            other => return Err(unsupported(format!("operator {other}"))),
        },
        A::BinaryOp {
            op: chain @ (ast::BinaryOperator::And | ast::BinaryOperator::Or),
            ..
        } => {
            // Walked without recursion: generated filters chain thousands of terms.
            let op = if *chain == ast::BinaryOperator::And {
                BinaryOp::And
            } else {
                BinaryOp::Or
            };
            let mut operands = Vec::new();
            let mut pending = vec![e];
            while let Some(next) = pending.pop() {
                match next {
                    A::BinaryOp {
                        left,
                        op: inner,
                        right,
                    } if inner == chain => {
                        pending.push(right);
                        pending.push(left);
                    }
                    other => operands.push(convert(other)?),
                }
            }
            join_chain(operands, op)
        }
        A::BinaryOp { left, op, right } => {
            use ast::BinaryOperator as B;
            let op = match op {
                B::Plus => BinaryOp::Plus,
                B::Minus => BinaryOp::Minus,
                B::Multiply => BinaryOp::Multiply,
                B::Divide => BinaryOp::Divide,
                B::MyIntegerDivide | B::DuckIntegerDivide => BinaryOp::IntDivide,
                B::Modulo => BinaryOp::Modulo,
                B::Eq => BinaryOp::Eq,
                B::NotEq => BinaryOp::NotEq,
                B::Spaceship => BinaryOp::NullSafeEq,
                B::Lt => BinaryOp::Lt,
                B::LtEq => BinaryOp::LtEq,
                B::Gt => BinaryOp::Gt,
                B::GtEq => BinaryOp::GtEq,
                B::And => BinaryOp::And,
                B::Or => BinaryOp::Or,
                B::StringConcat => BinaryOp::Concat,
                B::BitwiseAnd | B::BitwiseOr | B::BitwiseXor => {
                    let name = match op {
                        B::BitwiseAnd => "&",
                        B::BitwiseOr => "|",
                        _ => "^",
                    };
                    return Ok(Expr::Call {
                        name: name.to_string(),
                        args: vec![convert(left)?, convert(right)?],
                        distinct: false,
                        star: false,
                    });
                }
                other => return Err(unsupported(format!("operator {other}"))),
            };
            Expr::Binary {
                left: boxed(left)?,
                op,
                right: boxed(right)?,
            }
        }
        A::IsNull(e) => Expr::IsNull {
            expr: boxed(e)?,
            negated: false,
        },
        A::IsNotNull(e) => Expr::IsNull {
            expr: boxed(e)?,
            negated: true,
        },
        A::IsTrue(e) => Expr::Binary {
            left: boxed(e)?,
            op: BinaryOp::NullSafeEq,
            right: Box::new(literal(Arc::new(BooleanArray::from(vec![true])), "true")),
        },
        A::IsFalse(e) => Expr::Binary {
            left: boxed(e)?,
            op: BinaryOp::NullSafeEq,
            right: Box::new(literal(Arc::new(BooleanArray::from(vec![false])), "false")),
        },
        A::IsDistinctFrom(a, b) => Expr::Not(Box::new(Expr::Binary {
            left: boxed(a)?,
            op: BinaryOp::NullSafeEq,
            right: boxed(b)?,
        })),
        A::IsNotDistinctFrom(a, b) => Expr::Binary {
            left: boxed(a)?,
            op: BinaryOp::NullSafeEq,
            right: boxed(b)?,
        },
        A::In {
            expr,
            target,
            negated,
            ..
        } => match target {
            ast::InTarget::List(list) => Expr::In {
                expr: boxed(expr)?,
                list: list.iter().map(convert).collect::<Result<_>>()?,
                negated: *negated,
            },
            _ => return Err(unsupported("IN with a subquery outside `engine sql`")),
        },
        A::Between {
            expr,
            negated,
            low,
            high,
        } => Expr::Between {
            expr: boxed(expr)?,
            low: boxed(low)?,
            high: boxed(high)?,
            negated: *negated,
        },
        A::Like {
            negated,
            expr,
            pattern,
            escape_char,
            any,
        }
        | A::ILike {
            negated,
            expr,
            pattern,
            escape_char,
            any,
        } => {
            if escape_char.is_some() || *any {
                return Err(unsupported(e));
            }
            Expr::Like {
                expr: boxed(expr)?,
                pattern: boxed(pattern)?,
                negated: *negated,
                case_insensitive: matches!(e, A::ILike { .. }),
            }
        }
        A::RLike {
            negated,
            expr,
            pattern,
            ..
        } => {
            let call = Expr::Call {
                name: "rlike".into(),
                args: vec![convert(expr)?, convert(pattern)?],
                distinct: false,
                star: false,
            };
            if *negated {
                Expr::Not(Box::new(call))
            } else {
                call
            }
        }
        A::Case {
            operand,
            conditions,
            else_result,
            ..
        } => Expr::Case {
            operand: operand.as_deref().map(boxed).transpose()?,
            whens: conditions
                .iter()
                .map(|w| Ok((convert(&w.condition)?, convert(&w.result)?)))
                .collect::<Result<_>>()?,
            otherwise: else_result.as_deref().map(boxed).transpose()?,
        },
        A::Cast {
            expr, data_type, ..
        } => Expr::Cast {
            expr: boxed(expr)?,
            to: convert_type(data_type)?,
        },
        A::Ceil { expr, field } | A::Floor { expr, field } => {
            let name = if matches!(e, A::Ceil { .. }) {
                "ceil"
            } else {
                "floor"
            };
            let mut args = vec![convert(expr)?];
            match field {
                ast::CeilFloorKind::Scale(v) => args.push(convert_value(&v.value)?),
                ast::CeilFloorKind::DateTimeField(ast::DateTimeField::NoDateTime) => {}
                _ => return Err(unsupported(format!("{name} with a unit"))),
            }
            call(name, args)
        }
        A::Substring {
            expr,
            substring_from,
            substring_for,
            shorthand,
            ..
        } => {
            let mut args = vec![convert(expr)?];
            args.push(match substring_from {
                Some(from) => convert(from)?,
                None => literal(Arc::new(Int32Array::from(vec![1])), "1"),
            });
            if let Some(len) = substring_for {
                args.push(convert(len)?);
            }
            // Spark names the call as written: `substr(s, 2, 2147483647)`.
            call(if *shorthand { "substr" } else { "substring" }, args)
        }
        A::Trim {
            expr,
            trim_where,
            trim_what,
            trim_characters,
        } => {
            if trim_characters.is_some() {
                return Err(unsupported("trim(s, characters)"));
            }
            let name = match trim_where {
                Some(ast::TrimWhereField::Leading) => "ltrim",
                Some(ast::TrimWhereField::Trailing) => "rtrim",
                _ => "trim",
            };
            // `TRIM(BOTH chars FROM s)` is trim(chars, s).
            let mut args = Vec::new();
            if let Some(what) = trim_what {
                args.push(convert(what)?);
            }
            args.push(convert(expr)?);
            call(name, args)
        }
        A::Extract { field, expr, .. } => {
            let name = match field {
                ast::DateTimeField::Year => "year",
                ast::DateTimeField::Month => "month",
                ast::DateTimeField::Day => "dayofmonth",
                ast::DateTimeField::Hour => "hour",
                ast::DateTimeField::Minute => "minute",
                ast::DateTimeField::Second => "second",
                other => return Err(unsupported(format!("EXTRACT({other})"))),
            };
            call(name, vec![convert(expr)?])
        }
        A::Function(function) => convert_function(function)?,
        // `POSITION(sub IN s)` is Spark's locate(sub, s).
        A::Position { expr, r#in } => call("locate", vec![convert(expr)?, convert(r#in)?]),
        other => return Err(unsupported(other)),
    })
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Call {
        name: name.to_string(),
        args,
        distinct: false,
        star: false,
    }
}

fn convert_function(function: &ast::Function) -> Result<Expr> {
    // Every part of a call is named (no `..`): a FILTER, WITHIN GROUP or null treatment is
    // either honoured or refused, never dropped.
    let ast::Function {
        name,
        uses_odbc_syntax: _,
        parameters,
        args,
        within_group,
        filter,
        null_treatment,
        over,
    } = function;
    // `agg(x) FILTER (WHERE c)`: read below, once the call is built.
    let filter = filter.as_deref().map(convert).transpose()?;
    if !within_group.is_empty() {
        return Err(unsupported(format!("WITHIN GROUP in {function}")));
    }
    if !matches!(parameters, ast::FunctionArguments::None) {
        return Err(unsupported(function));
    }
    let mut name = object_name(name).to_ascii_lowercase();
    let (mut args, distinct, star) = match args {
        ast::FunctionArguments::None => (Vec::new(), false, false),
        ast::FunctionArguments::Subquery(_) => return Err(unsupported(function)),
        ast::FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(unsupported(function));
            }
            let distinct = matches!(
                list.duplicate_treatment,
                Some(ast::DuplicateTreatment::Distinct)
            );
            let mut args = Vec::new();
            let mut star = false;
            for arg in &list.args {
                let arg = match arg {
                    ast::FunctionArg::Unnamed(a) => a,
                    other => return Err(unsupported(other)),
                };
                match arg {
                    ast::FunctionArgExpr::Expr(e) => args.push(convert(e)?),
                    ast::FunctionArgExpr::Wildcard => star = true,
                    other => return Err(unsupported(other)),
                }
            }
            (args, distinct, star)
        }
    };
    // isnull(x) and isnotnull(x) are Spark's IS [NOT] NULL, and named so.
    if matches!(name.as_str(), "isnull" | "isnotnull") && over.is_none() && args.len() == 1 {
        return Ok(Expr::IsNull {
            expr: Box::new(args.remove(0)),
            negated: name == "isnotnull",
        });
    }
    // Spark's cast functions (`int(x)`, `decimal(x)`, ...): a cast, named as its argument.
    const CAST_FUNCTIONS: [&str; 12] = [
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "decimal",
        "date",
        "timestamp",
        "binary",
        "string",
    ];
    if CAST_FUNCTIONS.contains(&name.as_str()) && over.is_none() && !distinct && !star {
        let to = crate::types::names::spark_type(&name)
            .ok_or_else(|| Error::Internal(format!("cast function {name}")))?;
        return match args.as_slice() {
            [arg] => Ok(Expr::Alias {
                name: arg.name(),
                expr: Box::new(Expr::Cast {
                    expr: Box::new(arg.clone()),
                    to,
                }),
            }),
            _ => Err(Error::analysis(format!(
                "{name} takes one argument: {function}"
            ))),
        };
    }
    // `first_value(x) IGNORE NULLS` is Spark's `first_value(x, true)`.
    match null_treatment {
        None | Some(ast::NullTreatment::RespectNulls) => {}
        Some(ast::NullTreatment::IgnoreNulls)
            if matches!(
                name.as_str(),
                "first" | "last" | "first_value" | "last_value"
            ) && args.len() == 1 =>
        {
            args.push(literal(Arc::new(BooleanArray::from(vec![true])), "true"));
            // Spark's parser builds First/Last for IGNORE NULLS: named `first(x)`, `last(x)`.
            name = name.trim_end_matches("_value").to_string();
        }
        // `nth_value(x, n) IGNORE NULLS`: its third argument.
        Some(ast::NullTreatment::IgnoreNulls) if name == "nth_value" && args.len() == 2 => {
            args.push(literal(Arc::new(BooleanArray::from(vec![true])), "true"))
        }
        Some(ast::NullTreatment::IgnoreNulls) => {
            return Err(unsupported(format!("IGNORE NULLS in {function}")))
        }
    }
    if star && (name != "count" || !args.is_empty()) {
        return Err(Error::usage(format!(
            "'*' is only allowed in count(*): {function}"
        )));
    }
    let call = Expr::Call {
        name,
        args,
        distinct,
        star,
    };
    if let Some(condition) = filter {
        return aggregate_filter(call, &condition, over.is_some());
    }
    match over {
        None => Ok(call),
        Some(ast::WindowType::NamedWindow(name)) => {
            let spec = NAMED_WINDOWS.with(|windows| {
                windows
                    .borrow()
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(&name.value))
                    .map(|(_, spec)| spec.clone())
            });
            let spec = spec.ok_or_else(|| {
                Error::analysis(format!(
                    "Window specification {name} is not defined in the WINDOW clause"
                ))
            })?;
            window_call(call, &spec, function)
        }
        Some(ast::WindowType::WindowSpec(spec)) => window_call(call, spec, function),
    }
}

/// `agg(x) FILTER (WHERE c)`: the aggregate over the rows where c holds, named as Spark names
/// it.
fn aggregate_filter(call: Expr, condition: &Expr, windowed: bool) -> Result<Expr> {
    if windowed {
        return Err(unsupported(format!(
            "FILTER (WHERE ...) in a window function: {}",
            call.name()
        )));
    }
    if !call.is_aggregate_call() {
        return Err(Error::analysis(format!(
            "FILTER (WHERE ...) is only for aggregate functions, not {}",
            call.name()
        )));
    }
    Ok(Expr::Alias {
        name: format!("{} FILTER (WHERE {})", call.name(), condition.name()),
        expr: Box::new(call.aggregating_only_where(condition)?),
    })
}

thread_local! {
    /// The `WINDOW name AS (...)` definitions of the SELECT being converted.
    static NAMED_WINDOWS: std::cell::RefCell<Vec<(String, ast::WindowSpec)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Run `f` (the conversion of one SELECT's expressions) with `OVER name` meaning the SELECT's
/// `WINDOW name AS (...)` definitions; the enclosing SELECT's come back after.
pub fn with_named_windows<T>(windows: Vec<(String, ast::WindowSpec)>, f: impl FnOnce() -> T) -> T {
    let saved = NAMED_WINDOWS.with(|w| std::mem::replace(&mut *w.borrow_mut(), windows));
    let out = f();
    NAMED_WINDOWS.with(|w| *w.borrow_mut() = saved);
    out
}

/// `call OVER (PARTITION BY ... ORDER BY ... frame)`.
fn window_call(call: Expr, spec: &ast::WindowSpec, function: &ast::Function) -> Result<Expr> {
    let ast::WindowSpec {
        window_name,
        partition_by,
        order_by,
        window_frame,
    } = spec;
    if let Some(name) = window_name {
        return Err(unsupported(format!("named window {name} in {function}")));
    }
    let frame = window_frame.as_ref().map(convert_frame).transpose()?;
    Ok(Expr::Window {
        function: Box::new(call),
        partition_by: partition_by.iter().map(convert).collect::<Result<_>>()?,
        order_by: order_by.iter().map(convert_sort).collect::<Result<_>>()?,
        frame,
    })
}

/// `ROWS|RANGE [BETWEEN] start [AND end]`; a frame without an end ends at the current row.
fn convert_frame(ast_frame: &ast::WindowFrame) -> Result<WindowFrame> {
    let ast::WindowFrame {
        units,
        start_bound,
        end_bound,
    } = ast_frame;
    let rows = match units {
        ast::WindowFrameUnits::Rows => true,
        ast::WindowFrameUnits::Range => false,
        ast::WindowFrameUnits::Groups => return Err(unsupported("GROUPS window frames")),
    };
    let bound = |b: &ast::WindowFrameBound| -> Result<FrameBound> {
        Ok(match b {
            ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
            ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(e)) => {
                FrameBound::Preceding(Box::new(convert(e)?))
            }
            ast::WindowFrameBound::Following(Some(e)) => {
                FrameBound::Following(Box::new(convert(e)?))
            }
        })
    };
    let start = bound(start_bound)?;
    let end = match end_bound {
        Some(e) => bound(e)?,
        None => FrameBound::CurrentRow,
    };
    if matches!(start, FrameBound::UnboundedFollowing)
        || matches!(end, FrameBound::UnboundedPreceding)
    {
        return Err(Error::usage(
            "window frames: UNBOUNDED FOLLOWING cannot start a frame, nor UNBOUNDED PRECEDING end one",
        ));
    }
    Ok(WindowFrame { rows, start, end })
}

fn convert_value(v: &Value) -> Result<Expr> {
    Ok(match v {
        Value::Number(text, long) => {
            if let Some(typed) = suffixed_number(text)? {
                return Ok(typed);
            }
            let text = text.to_string();
            let lower = text.to_ascii_lowercase();
            if !lower.contains(['.', 'e']) {
                if !*long {
                    if let Ok(n) = text.parse::<i32>() {
                        return Ok(literal(Arc::new(Int32Array::from(vec![n])), text));
                    }
                }
                if let Ok(n) = text.parse::<i64>() {
                    return Ok(literal(Arc::new(Int64Array::from(vec![n])), n.to_string()));
                }
            }
            // Spark reads `2.5` (and an integer too long for a long) as a decimal of just its
            // digits; `2.5e0` and `2.5D` are doubles.
            if !lower.contains(['e', 'd']) {
                let (value, t) = crate::types::decimal::literal(&text).ok_or_else(|| {
                    Error::usage(format!(
                        "the number {text} needs more than {} digits, the most a decimal holds",
                        crate::types::decimal::MAX_PRECISION
                    ))
                })?;
                let array = Decimal128Array::from(vec![value])
                    .with_precision_and_scale(t.precision, t.scale)
                    .map_err(|e| Error::arrow("a decimal literal", e))?;
                // Named by its value's text, as Spark names literals: `.5` is `0.5`.
                return Ok(literal(
                    Arc::new(array),
                    crate::types::decimal::text(value, t.scale),
                ));
            }
            let n: f64 = lower
                .trim_end_matches(['d', 'D'])
                .parse()
                .map_err(|_| Error::usage(format!("invalid number '{text}'")))?;
            let shown = if lower.contains('e') {
                crate::types::display::java_double(n)
            } else {
                text
            };
            literal(Arc::new(Float64Array::from(vec![n])), shown)
        }
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            literal(Arc::new(StringArray::from(vec![s.as_str()])), s.clone())
        }
        Value::Boolean(b) => literal(
            Arc::new(BooleanArray::from(vec![*b])),
            if *b { "true" } else { "false" },
        ),
        Value::Null => literal(Arc::new(NullArray::new(1)), "NULL"),
        other => return Err(unsupported(other)),
    })
}

/// A number with Spark's type suffix: `1.5D` double, `1.5F` float, `2BD` decimal, `10L` bigint,
/// `10S` smallint, `10Y` tinyint; named by its value, as Spark names it (`1.5D` is `1.5`). None
/// without a suffix.
fn suffixed_number(text: &str) -> Result<Option<Expr>> {
    let upper = text.to_ascii_uppercase();
    let Some((digits, suffix)) = ["BD", "D", "F", "L", "S", "Y"]
        .iter()
        .find_map(|suffix| upper.strip_suffix(suffix).map(|digits| (digits, *suffix)))
    else {
        return Ok(None);
    };
    let bad = |what: &str| Error::usage(format!("the number {text} does not fit in {what}"));
    let integer = |min: i64, max: i64, what: &str| -> Result<i64> {
        digits
            .parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| bad(what))
    };
    Ok(Some(match suffix {
        "L" => {
            let n = integer(i64::MIN, i64::MAX, "a bigint")?;
            literal(Arc::new(Int64Array::from(vec![n])), n.to_string())
        }
        "S" => {
            let n = integer(i16::MIN.into(), i16::MAX.into(), "a smallint")? as i16;
            literal(Arc::new(Int16Array::from(vec![n])), n.to_string())
        }
        "Y" => {
            let n = integer(i8::MIN.into(), i8::MAX.into(), "a tinyint")? as i8;
            literal(Arc::new(Int8Array::from(vec![n])), n.to_string())
        }
        "D" => {
            let n: f64 = digits.parse().map_err(|_| bad("a double"))?;
            literal(
                Arc::new(Float64Array::from(vec![n])),
                crate::types::display::java_double(n),
            )
        }
        "F" => {
            let n: f32 = digits.parse().map_err(|_| bad("a float"))?;
            literal(
                Arc::new(Float32Array::from(vec![n])),
                crate::types::display::java_float(n),
            )
        }
        _ => {
            let (value, t) =
                crate::types::decimal::literal(digits).ok_or_else(|| bad("a decimal"))?;
            let array = Decimal128Array::from(vec![value])
                .with_precision_and_scale(t.precision, t.scale)
                .map_err(|e| Error::arrow("a decimal literal", e))?;
            literal(Arc::new(array), crate::types::decimal::text(value, t.scale))
        }
    }))
}

/// `DATE '2019-01-01'`, `TIMESTAMP '2019-01-01 10:00:00'`.
fn typed_literal(text: &str, to: &DataType) -> Result<Expr> {
    let bad = || {
        Error::usage(format!(
            "invalid {} literal '{text}'",
            crate::types::names::sql_type_name(to)
        ))
    };
    Ok(match to {
        DataType::Date32 => {
            let days = crate::types::parse::parse_date_text(text.trim()).ok_or_else(bad)?;
            literal(
                Arc::new(Date32Array::from(vec![days])),
                format!("DATE '{text}'"),
            )
        }
        DataType::Timestamp(_, _) => {
            let micros = crate::types::parse::parse_timestamp_text(text.trim()).ok_or_else(bad)?;
            literal(
                Arc::new(TimestampMicrosecondArray::from(vec![micros])),
                format!("TIMESTAMP '{text}'"),
            )
        }
        _ => Expr::Cast {
            expr: Box::new(literal(
                Arc::new(StringArray::from(vec![text])),
                text.to_string(),
            )),
            to: to.clone(),
        },
    })
}

/// A SQL type in CAST: Spark's names (int, bigint, double, string, date, timestamp, decimal(p,s)).
pub fn convert_type(data_type: &ast::DataType) -> Result<DataType> {
    let text = data_type.to_string();
    crate::types::names::spark_type(&text)
        .ok_or_else(|| Error::usage(format!("unsupported type in CAST: {text}")))
}

/// Longest AND/OR chain kept as written (left-deep, so its name is Spark's `((a OR b) OR c)`);
/// longer ones become balanced trees, so that naming, planning and evaluating them recurse
/// log2(n) deep.
const LEFT_DEEP_CHAIN: usize = 64;

/// Operands joined by `op` (AND or OR): left-deep up to `LEFT_DEEP_CHAIN`, balanced beyond.
pub fn join_chain(operands: Vec<Expr>, op: BinaryOp) -> Expr {
    let join = |left: Expr, right: Expr| Expr::Binary {
        left: Box::new(left),
        op,
        right: Box::new(right),
    };
    let joined = if operands.len() <= LEFT_DEEP_CHAIN {
        let mut items = operands.into_iter();
        items.next().map(|first| items.fold(first, join))
    } else {
        super::operator::balanced_tree(operands, join)
    };
    // Callers always pass at least one operand; an empty chain would be TRUE for AND.
    joined.unwrap_or_else(|| {
        literal(
            Arc::new(BooleanArray::from(vec![op == BinaryOp::And])),
            if op == BinaryOp::And { "true" } else { "false" },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of the one string literal `sql` is, as Spark's lexer reads it.
    fn string(sql: &str) -> String {
        let dialect = SparkDialect::default();
        let mut parser = spark_parser(&dialect, sql).unwrap();
        match convert(&parser.parse_expr().unwrap()).unwrap() {
            Expr::Literal { text, .. } => text,
            other => panic!("not a literal: {other:?}"),
        }
    }

    #[test]
    fn string_literals_as_spark_lexes_them() {
        assert_eq!(string("'o''neil'"), "oneil");
        assert_eq!(string("'o' 'neil'"), "oneil");
        assert_eq!(string("'o' /* c */ \"neil\""), "oneil");
        assert_eq!(string(r"'it\'s'"), "it's");
        assert_eq!(string(r"'a\tb\nc'"), "a\tb\nc");
        assert_eq!(string(r"'\u0041\101\z'"), "AAz");
        assert_eq!(string(r"'50\%\_'"), r"50\%\_");
        assert_eq!(string(r"'a\\b'"), r"a\b");
        assert_eq!(string("''"), "");
    }

    #[test]
    fn typed_number_literals() {
        let dialect = SparkDialect::default();
        let literal_type = |sql: &str| {
            let mut parser = spark_parser(&dialect, sql).unwrap();
            match convert(&parser.parse_expr().unwrap()).unwrap() {
                Expr::Literal { value, text } => (value.data_type().clone(), text),
                other => panic!("not a literal: {other:?}"),
            }
        };
        assert_eq!(literal_type("1.5D"), (DataType::Float64, "1.5".into()));
        assert_eq!(literal_type("10L"), (DataType::Int64, "10".into()));
        assert_eq!(
            literal_type("2BD"),
            (DataType::Decimal128(1, 0), "2".into())
        );
        assert_eq!(literal_type("10Y"), (DataType::Int8, "10".into()));
        assert_eq!(
            literal_type("1.50"),
            (DataType::Decimal128(3, 2), "1.50".into())
        );
        assert_eq!(literal_type("1e3"), (DataType::Float64, "1000.0".into()));
        assert_eq!(
            literal_type("-2147483648"),
            (DataType::Int32, "-2147483648".into())
        );
        assert!(spark_parser(&dialect, "128Y")
            .ok()
            .and_then(|mut p| p.parse_expr().ok())
            .map(|e| convert(&e).is_err())
            .unwrap_or(true));
    }
}

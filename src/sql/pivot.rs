//! `FROM t PIVOT (agg(x) [AS a], ... FOR col IN (v1 [AS n1], ...))`, planned as Spark's
//! ResolvePivot plans it: grouped by every input column neither the aggregates nor the pivot
//! column use, one output column per value and aggregate, each aggregate seeing only its value's
//! rows (`agg(IF(col <=> v, x, NULL))`). Several pivot columns take tuples of values.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch, RecordBatchOptions, StringArray};
use arrow::datatypes::{DataType, Schema};
use sqlparser::ast;

use crate::error::{Error, Result};
use crate::expr::parse::convert;
use crate::expr::{bind, BinaryOp, Expr, Scope};
use crate::plan::Frame;

/// Pivot `frame` (the relation before PIVOT).
pub fn pivot(
    frame: Frame,
    aggregates: &[ast::ExprWithAlias],
    columns: &[ast::Expr],
    values: &ast::PivotValueSource,
) -> Result<Frame> {
    let ast::PivotValueSource::List(values) = values else {
        return Err(Error::usage(
            "unsupported SQL: PIVOT over ANY or a subquery (list the values: IN (v1, v2))",
        ));
    };
    // `FOR (a, b) IN ((1, 'x'), ...)`: the columns and each value's parts, position by position.
    let column_asts: Vec<&ast::Expr> = match columns {
        [ast::Expr::Tuple(items)] => items.iter().collect(),
        [ast::Expr::Nested(inner)] => vec![inner.as_ref()],
        other => other.iter().collect(),
    };
    let pivot_columns: Vec<Expr> = column_asts
        .iter()
        .map(|c| convert(c))
        .collect::<Result<_>>()?;
    let aggregates: Vec<(Expr, Option<String>)> = aggregates
        .iter()
        .map(|a| Ok((convert(&a.expr)?, a.alias.as_ref().map(|i| i.value.clone()))))
        .collect::<Result<_>>()?;
    for (aggregate, _) in &aggregates {
        if !aggregate.contains_aggregate() {
            return Err(Error::analysis(format!(
                "Aggregate expression required for pivot, but '{}' did not appear in any \
                 aggregate function",
                aggregate.name()
            )));
        }
    }
    // Grouped by the input's columns that neither the aggregates nor the pivot columns name.
    let mut used: Vec<String> = Vec::new();
    for e in pivot_columns
        .iter()
        .chain(aggregates.iter().map(|(a, _)| a))
    {
        e.visit(&mut |node| {
            if let Expr::Column { name, .. } = node {
                used.push(name.to_ascii_lowercase());
            }
        });
    }
    let scope = &frame.scope;
    let groups: Vec<Expr> = scope
        .schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(i, f)| !scope.hidden[*i] && !used.contains(&f.name().to_ascii_lowercase()))
        .map(|(_, f)| Expr::column(f.name()))
        .collect();
    let mut outputs = groups.clone();
    for value in values {
        let parts: Vec<&ast::Expr> = match &value.expr {
            ast::Expr::Tuple(items) if pivot_columns.len() > 1 => items.iter().collect(),
            single => vec![single],
        };
        if parts.len() != pivot_columns.len() {
            return Err(Error::analysis(format!(
                "pivot value {} does not match the pivot column{} ({} of them)",
                value.expr,
                if pivot_columns.len() == 1 { "" } else { "s" },
                pivot_columns.len()
            )));
        }
        let mut matches: Option<Expr> = None;
        let mut texts = Vec::new();
        for (column, part) in pivot_columns.iter().zip(parts) {
            let literal = convert(part)?;
            texts.push(constant_text(&literal)?);
            let equal = Expr::Binary {
                left: Box::new(column.clone()),
                op: BinaryOp::NullSafeEq,
                right: Box::new(literal),
            };
            matches = Some(match matches {
                None => equal,
                Some(all) => Expr::Binary {
                    left: Box::new(all),
                    op: BinaryOp::And,
                    right: Box::new(equal),
                },
            });
        }
        let matches = matches.ok_or_else(|| Error::analysis("PIVOT needs a pivot column"))?;
        // A value's name: its alias, else its text (a tuple's as Spark shows a struct).
        let value_name = match &value.alias {
            Some(alias) => alias.value.clone(),
            None if texts.len() == 1 => texts.remove(0),
            None => format!("{{{}}}", texts.join(", ")),
        };
        for (aggregate, alias) in &aggregates {
            let name = if aggregates.len() == 1 {
                value_name.clone()
            } else {
                let suffix = alias.clone().unwrap_or_else(|| aggregate.name());
                format!("{value_name}_{suffix}")
            };
            outputs.push(Expr::Alias {
                expr: Box::new(aggregate.aggregating_only_where(&matches)?),
                name,
            });
        }
    }
    frame.aggregate(&groups, &outputs)
}

/// A pivot value as text (Spark names the output column after it); it must be a constant.
fn constant_text(value: &Expr) -> Result<String> {
    let empty = Arc::new(Schema::empty());
    let bound = bind(value, &Scope::new(empty.clone())).map_err(|_| {
        Error::analysis(format!(
            "Literal expressions required for pivot values, found '{}'",
            value.name()
        ))
    })?;
    let row = RecordBatch::try_new_with_options(
        empty,
        Vec::new(),
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )
    .map_err(|e| Error::arrow("pivot value", e))?;
    let evaluated = crate::expr::eval::evaluate(&bound, &row)?;
    let text = crate::expr::cast::cast_array(&evaluated, &DataType::Utf8)?;
    let text: &StringArray = text.as_string();
    Ok(if text.is_null(0) {
        "null".to_string()
    } else {
        text.value(0).to_string()
    })
}

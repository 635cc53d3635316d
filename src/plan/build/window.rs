//! Window functions: ranking, offsets and aggregates OVER (PARTITION BY ... ORDER BY ...),
//! computed by a Window node below the projection that uses them.

use super::{schema_of, Frame};
use crate::error::{Error, Result};
use crate::expr::bind::bind_aggregate;
use crate::expr::{bind, Expr, Scope};
use crate::plan::{Plan, SortKey, WindowExpr, WindowFunc};
use arrow::datatypes::{DataType, Field};

impl Frame {
    /// Compute the window functions found in `items` and `also` (ORDER BY keys) as new columns
    /// (`#w0`, ...) and return the frame with both rewritten to use them (a bare window item
    /// keeps its Spark name).
    pub fn window(self, items: &[Expr], also: &[Expr]) -> Result<(Frame, Vec<Expr>, Vec<Expr>)> {
        let mut windows: Vec<Expr> = Vec::new();
        let rewritten: Vec<Expr> = items
            .iter()
            .map(|item| {
                let named = match item {
                    Expr::Window { .. } => Expr::Alias {
                        expr: Box::new(item.clone()),
                        name: item.name(),
                    },
                    other => other.clone(),
                };
                replace_windows(&named, &mut windows)
            })
            .collect();
        let also: Vec<Expr> = also
            .iter()
            .map(|e| replace_windows(e, &mut windows))
            .collect();
        if windows.is_empty() {
            return Ok((self, rewritten, also));
        }
        let mut functions = Vec::new();
        let mut fields: Vec<Field> = self
            .scope
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let mut qualifiers = self.scope.qualifiers.clone();
        for (i, w) in windows.iter().enumerate() {
            let bound = bind_window(w, &self.scope)?;
            fields.push(Field::new(format!("#w{i}"), bound.data_type.clone(), true));
            qualifiers.push(None);
            functions.push(bound);
        }
        let schema = schema_of(fields);
        let frame = Frame {
            plan: Plan::Window {
                input: Box::new(self.plan),
                functions,
                schema: schema.clone(),
            },
            scope: Scope { schema, qualifiers },
        };
        Ok((frame, rewritten, also))
    }
}

/// Replace window functions in `expr` by `#w{i}` columns, collecting them in `windows`.
fn replace_windows(expr: &Expr, windows: &mut Vec<Expr>) -> Expr {
    match expr {
        Expr::Window { .. } => {
            // The same window function when the trees are (names may coincide for different
            // calls, as `first(x)` and `first(x, true)`).
            let identity = format!("{expr:?}");
            let i = match windows.iter().position(|w| format!("{w:?}") == identity) {
                Some(i) => i,
                None => {
                    windows.push(expr.clone());
                    windows.len() - 1
                }
            };
            Expr::column(&format!("#w{i}"))
        }
        Expr::Alias { expr: inner, name } => Expr::Alias {
            expr: Box::new(replace_windows(inner, windows)),
            name: name.clone(),
        },
        Expr::Binary { left, op, right } => Expr::Binary {
            left: Box::new(replace_windows(left, windows)),
            op: *op,
            right: Box::new(replace_windows(right, windows)),
        },
        Expr::Cast { expr: inner, to } => Expr::Cast {
            expr: Box::new(replace_windows(inner, windows)),
            to: to.clone(),
        },
        Expr::Negate(inner) => Expr::Negate(Box::new(replace_windows(inner, windows))),
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(|a| replace_windows(a, windows)).collect(),
            distinct: *distinct,
            star: *star,
        },
        other => other.clone(),
    }
}

fn bind_window(expr: &Expr, scope: &Scope) -> Result<WindowExpr> {
    let Expr::Window {
        function,
        partition_by,
        order_by,
    } = expr
    else {
        unreachable!("only window expressions are collected")
    };
    let partition_by = partition_by
        .iter()
        .map(|e| bind(e, scope))
        .collect::<Result<Vec<_>>>()?;
    let order_by = order_by
        .iter()
        .map(|k| {
            Ok(SortKey {
                expr: bind(&k.expr, scope)?,
                descending: k.descending,
                nulls_first: k.nulls_first,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let name = expr.name();
    let Expr::Call {
        name: fname, args, ..
    } = function.as_ref()
    else {
        return Err(Error::analysis(format!("not a window function: {name}")));
    };
    let needs_order = |what: &str| -> Result<()> {
        if order_by.is_empty() {
            Err(Error::analysis(format!(
                "{what} needs ORDER BY in its window: {name}"
            )))
        } else {
            Ok(())
        }
    };
    let (func, call_args, data_type) = match fname.as_str() {
        "row_number" | "rank" | "dense_rank" => {
            needs_order(fname)?;
            if !args.is_empty() {
                return Err(Error::analysis(format!("{fname} takes no arguments: {name}")));
            }
            let func = match fname.as_str() {
                "row_number" => WindowFunc::RowNumber,
                "rank" => WindowFunc::Rank,
                _ => WindowFunc::DenseRank,
            };
            (func, Vec::new(), DataType::Int32)
        }
        "lag" | "lead" => {
            needs_order(fname)?;
            if args.is_empty() || args.len() > 3 {
                return Err(Error::analysis(format!("{fname} takes 1 to 3 arguments: {name}")));
            }
            let value = bind(&args[0], scope)?;
            let t = value.data_type();
            let offset = match args.get(1) {
                Some(Expr::Literal { text, .. }) => text.parse::<i64>().map_err(|_| {
                    Error::analysis(format!("the offset of {fname} must be an integer: {name}"))
                })?,
                Some(_) => return Err(Error::analysis(format!("the offset of {fname} must be a literal: {name}"))),
                None => 1,
            };
            let mut call_args = vec![value];
            if let Some(d) = args.get(2) {
                call_args.push(bind(d, scope)?.cast_to(&t));
            }
            let offset = if fname == "lag" { -offset } else { offset };
            (WindowFunc::Offset(offset), call_args, t)
        }
        _ if function.is_aggregate_call() => {
            let call = bind_aggregate(function, scope)?;
            let t = call.data_type.clone();
            (WindowFunc::Aggregate(call), Vec::new(), t)
        }
        other => {
            return Err(Error::analysis(format!(
                "'{other}' is not a window function (row_number, rank, dense_rank, lag, lead, or an aggregate): {name}"
            )))
        }
    };
    Ok(WindowExpr {
        func,
        args: call_args,
        partition_by,
        order_by,
        data_type,
        name,
    })
}

/// The ranking and offset window functions (aggregates may also be used over a window).
pub const WINDOW_FUNCTIONS: &[&str] = &["row_number", "rank", "dense_rank", "lag", "lead"];

//! Window functions: ranking, offsets and aggregates OVER (PARTITION BY ... ORDER BY ...),
//! computed by a Window node below the projection that uses them.

use super::{schema_of, Frame};
use crate::error::{Error, Result};
use crate::expr::bind::bind_aggregate;
use crate::expr::tree::default_frame_text;
use crate::expr::{bind, BinaryOp, Expr, FrameBound, Scope, SortExpr, WindowFrame};
use crate::plan::{FrameEdge, FrameSpec, Plan, SortKey, WindowExpr, WindowFunc};
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
        let (_, mut fields, mut qualifiers) = self.identity();
        for (i, w) in windows.iter().enumerate() {
            let bound = bind_window(w, &self.scope)?;
            fields.push(Field::new(format!("#w{i}"), bound.data_type.clone(), true));
            qualifiers.push(None);
            functions.push(bound);
        }
        let schema = schema_of(fields);
        let scope = self.scope.extended(schema.clone(), qualifiers);
        let frame = Frame {
            plan: Plan::Window {
                input: Box::new(self.plan),
                functions,
                schema,
            },
            scope,
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
        order_by: order_exprs,
        frame,
    } = expr
    else {
        unreachable!("only window expressions are collected")
    };
    let partition_by = partition_by
        .iter()
        .map(|e| bind(e, scope))
        .collect::<Result<Vec<_>>>()?;
    let order_by = order_exprs
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
    // Ranking and offset functions have a fixed frame: written out, it must be that one.
    let fixed_frame = || -> Result<()> {
        match frame {
            Some(f) if f.describe() != default_frame_text(function, true) => {
                Err(Error::analysis(format!(
                    "window frame {} must match the required frame {} of {fname}: {name}",
                    f.describe(),
                    default_frame_text(function, true)
                )))
            }
            _ => Ok(()),
        }
    };
    let no_args = || -> Result<()> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(Error::analysis(format!(
                "{fname} takes no arguments: {name}"
            )))
        }
    };
    // A literal integer argument (ntile's buckets, nth_value's n, lag's offset).
    let integer = |arg: Option<&Expr>, what: &str| -> Result<Option<i64>> {
        match arg {
            None => Ok(None),
            Some(Expr::Literal { value, text }) if value.data_type().is_integer() => {
                text.parse::<i64>().map(Some).map_err(|_| {
                    Error::analysis(format!("{what} of {fname} must be an integer: {name}"))
                })
            }
            Some(_) => Err(Error::analysis(format!(
                "{what} of {fname} must be an integer literal: {name}"
            ))),
        }
    };
    let (func, call_args, data_type) = match fname.as_str() {
        "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" => {
            needs_order(fname)?;
            no_args()?;
            fixed_frame()?;
            let func = match fname.as_str() {
                "row_number" => WindowFunc::RowNumber,
                "rank" => WindowFunc::Rank,
                "dense_rank" => WindowFunc::DenseRank,
                "percent_rank" => WindowFunc::PercentRank,
                _ => WindowFunc::CumeDist,
            };
            let t = if matches!(func, WindowFunc::PercentRank | WindowFunc::CumeDist) {
                DataType::Float64
            } else {
                DataType::Int32
            };
            (func, Vec::new(), t)
        }
        "ntile" => {
            needs_order(fname)?;
            fixed_frame()?;
            if args.len() != 1 {
                return Err(Error::analysis(format!("ntile takes one argument: {name}")));
            }
            match integer(args.first(), "the number of buckets")? {
                Some(b) if b > 0 && b <= i64::from(i32::MAX) => {
                    (WindowFunc::Ntile(b), Vec::new(), DataType::Int32)
                }
                _ => {
                    return Err(Error::analysis(format!(
                        "the number of buckets of ntile must be positive: {name}"
                    )))
                }
            }
        }
        "lag" | "lead" => {
            needs_order(fname)?;
            fixed_frame()?;
            if args.is_empty() || args.len() > 3 {
                return Err(Error::analysis(format!(
                    "{fname} takes 1 to 3 arguments: {name}"
                )));
            }
            let value = bind(&args[0], scope)?;
            let t = value.data_type();
            let offset = integer(args.get(1), "the offset")?.unwrap_or(1);
            let mut call_args = vec![value];
            if let Some(d) = args.get(2) {
                call_args.push(bind(d, scope)?.cast_to(&t));
            }
            let offset = if fname == "lag" { -offset } else { offset };
            (WindowFunc::Offset(offset), call_args, t)
        }
        "nth_value" => {
            needs_order(fname)?;
            if args.len() < 2 || args.len() > 3 {
                return Err(Error::analysis(format!(
                    "nth_value takes 2 or 3 arguments: {name}"
                )));
            }
            let value = bind(&args[0], scope)?;
            let t = value.data_type();
            let nth = match integer(args.get(1), "the position")? {
                Some(n) if n > 0 => n,
                _ => {
                    return Err(Error::analysis(format!(
                        "the position of nth_value must be a positive integer: {name}"
                    )))
                }
            };
            let ignore_nulls = match args.get(2) {
                None => false,
                Some(Expr::Literal { text, .. }) if text.eq_ignore_ascii_case("true") => true,
                Some(Expr::Literal { text, .. }) if text.eq_ignore_ascii_case("false") => false,
                Some(_) => {
                    return Err(Error::analysis(format!(
                        "nth_value's third argument must be true or false: {name}"
                    )))
                }
            };
            (
                WindowFunc::NthValue {
                    n: nth,
                    ignore_nulls,
                },
                vec![value],
                t,
            )
        }
        _ if function.is_aggregate_call() => {
            let call = bind_aggregate(function, scope)?;
            let t = call.data_type.clone();
            (WindowFunc::Aggregate(call), Vec::new(), t)
        }
        other => {
            return Err(Error::analysis(format!(
                "'{other}' is not a window function ({}, or an aggregate): {name}",
                WINDOW_FUNCTIONS.join(", ")
            )))
        }
    };
    let frame = bind_frame(frame.as_ref(), order_exprs, &order_by, scope, &name)?;
    Ok(WindowExpr {
        func,
        args: call_args,
        partition_by,
        order_by,
        frame,
        data_type,
        name,
    })
}

/// The frame a function sees: the one written, or Spark's default (the partition up to the
/// current row's peers when ordered, else the whole partition).
fn bind_frame(
    frame: Option<&WindowFrame>,
    order_exprs: &[SortExpr],
    order_by: &[SortKey],
    scope: &Scope,
    name: &str,
) -> Result<FrameSpec> {
    let Some(frame) = frame else {
        return Ok(FrameSpec {
            start: FrameEdge::UnboundedPreceding,
            end: if order_by.is_empty() {
                FrameEdge::UnboundedFollowing
            } else {
                FrameEdge::CurrentRow
            },
        });
    };
    let refuse =
        |why: &str| Error::analysis(format!("window frame {}: {why}: {name}", frame.describe()));
    // The offset's literal value, signed: PRECEDING counts back.
    fn offset_of(bound: &FrameBound) -> Option<(&Expr, bool)> {
        match bound {
            FrameBound::Preceding(e) => Some((e.as_ref(), true)),
            FrameBound::Following(e) => Some((e.as_ref(), false)),
            _ => None,
        }
    }
    let signed_literal = |e: &Expr, back: bool| -> Result<f64> {
        let Expr::Literal { value, text } = e else {
            return Err(refuse("an offset must be a literal number"));
        };
        if !crate::types::coerce::is_numeric(value.data_type()) {
            return Err(refuse("an offset must be a literal number"));
        }
        let v: f64 = text
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .map_err(|_| refuse("an offset must be a literal number"))?;
        Ok(if back { -v } else { v })
    };
    // Both ends offsets: the start must not come after the end.
    if let (Some((a, a_back)), Some((b, b_back))) = (offset_of(&frame.start), offset_of(&frame.end))
    {
        if signed_literal(a, a_back)? > signed_literal(b, b_back)? {
            return Err(refuse(
                "its lower bound must be less than or equal to its upper bound",
            ));
        }
    }
    let edge = |bound: &FrameBound| -> Result<FrameEdge> {
        Ok(match bound {
            FrameBound::UnboundedPreceding => FrameEdge::UnboundedPreceding,
            FrameBound::UnboundedFollowing => FrameEdge::UnboundedFollowing,
            FrameBound::CurrentRow if frame.rows => FrameEdge::RowOffset(0),
            FrameBound::CurrentRow => FrameEdge::CurrentRow,
            FrameBound::Preceding(e) | FrameBound::Following(e) if frame.rows => {
                let back = matches!(bound, FrameBound::Preceding(_));
                // Spark's ROWS offsets are INTs: `2147483648 FOLLOWING` (a BIGINT) is refused.
                let k = match e.as_ref() {
                    Expr::Literal { value, text } if value.data_type().is_integer() => text
                        .parse::<i64>()
                        .ok()
                        .filter(|k| i32::try_from(*k).is_ok()),
                    _ => None,
                }
                .ok_or_else(|| refuse("a ROWS offset must be an INT literal"))?;
                FrameEdge::RowOffset(if back { -k } else { k })
            }
            FrameBound::Preceding(e) | FrameBound::Following(e) => {
                let back = matches!(bound, FrameBound::Preceding(_));
                let key =
                    match order_exprs {
                        [] => return Err(refuse("a RANGE frame with an offset needs ORDER BY")),
                        [one] => one,
                        _ => return Err(refuse(
                            "a RANGE frame with an offset takes exactly one ORDER BY expression",
                        )),
                    };
                signed_literal(e, back)?;
                let key_type = order_by[0].expr.data_type();
                if !crate::types::coerce::is_numeric(&key_type) {
                    return Err(refuse(&format!(
                        "a RANGE offset needs a numeric ORDER BY key, not {}",
                        crate::types::names::spark_type_name(&key_type)
                    )));
                }
                // Back in sort order: below the key when ascending, above it when descending.
                let op = if back != key.descending {
                    BinaryOp::Minus
                } else {
                    BinaryOp::Plus
                };
                let bound = bind(
                    &Expr::Binary {
                        left: Box::new(key.expr.clone()),
                        op,
                        right: e.clone(),
                    },
                    scope,
                )?;
                let t = bound.data_type();
                FrameEdge::KeyValue {
                    key: Box::new(bind(&key.expr, scope)?.cast_to(&t)),
                    bound: Box::new(bound),
                }
            }
        })
    };
    Ok(FrameSpec {
        start: edge(&frame.start)?,
        end: edge(&frame.end)?,
    })
}

/// The ranking, distribution and offset window functions (aggregates may also be used over a
/// window).
pub const WINDOW_FUNCTIONS: &[&str] = &[
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "nth_value",
];

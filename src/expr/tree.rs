//! The unbound expression tree: Spark SQL expression text as sqlparser gives it, with columns
//! referred to by name, and Spark's generated column name for each expression (`Expr::name`).

use std::fmt::Write as _;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;

use super::functions::signature::ColumnName;
pub use super::operator::BinaryOp;

/// An expression as written, its columns still names.
#[derive(Debug, Clone)]
pub enum Expr {
    Column {
        qualifier: Option<String>,
        name: String,
    },
    /// A one-element array holding the value, and the text Spark prints for it in column names.
    Literal {
        value: ArrayRef,
        text: String,
    },
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary {
        left: Box<Expr>,
        op: BinaryOp,
        right: Box<Expr>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast {
        expr: Box<Expr>,
        to: DataType,
    },
    /// A function call; `name` is lower case. `count(*)` has `star` set and no arguments.
    Call {
        name: String,
        args: Vec<Expr>,
        distinct: bool,
        star: bool,
    },
    Alias {
        expr: Box<Expr>,
        name: String,
    },
    /// `f(...) OVER (PARTITION BY ... ORDER BY ... [frame])` (SQL only); no frame means Spark's
    /// default for the function.
    Window {
        function: Box<Expr>,
        partition_by: Vec<Expr>,
        order_by: Vec<SortExpr>,
        frame: Option<WindowFrame>,
    },
    /// `*` or `t.*` in a select list.
    Wildcard {
        qualifier: Option<String>,
    },
}

impl Expr {
    pub fn column(name: &str) -> Expr {
        Expr::Column {
            qualifier: None,
            name: name.to_string(),
        }
    }

    pub fn is_aggregate_call(&self) -> bool {
        matches!(self, Expr::Call { name, .. } if super::aggregates::lookup(name).is_some())
    }

    /// Whether an aggregate call appears anywhere in the tree.
    pub fn contains_aggregate(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= e.is_aggregate_call());
        found
    }

    /// Whether a window function appears anywhere in the tree.
    pub fn contains_window(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Window { .. }));
        found
    }

    /// Call `f` on this node and every node below it, except inside window functions (whose
    /// aggregates are not the query's).
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Column { .. }
            | Expr::Literal { .. }
            | Expr::Wildcard { .. }
            | Expr::Window { .. } => {}
            Expr::Not(e) | Expr::Negate(e) => e.visit(f),
            Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } | Expr::Alias { expr, .. } => {
                expr.visit(f)
            }
            Expr::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Expr::In { expr, list, .. } => {
                expr.visit(f);
                list.iter().for_each(|e| e.visit(f));
            }
            Expr::Between {
                expr, low, high, ..
            } => {
                expr.visit(f);
                low.visit(f);
                high.visit(f);
            }
            Expr::Like { expr, pattern, .. } => {
                expr.visit(f);
                pattern.visit(f);
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(o) = operand {
                    o.visit(f);
                }
                for (w, t) in whens {
                    w.visit(f);
                    t.visit(f);
                }
                if let Some(o) = otherwise {
                    o.visit(f);
                }
            }
            Expr::Call { args, .. } => args.iter().for_each(|e| e.visit(f)),
        }
    }

    /// The expression without a top-level alias.
    pub fn unaliased(&self) -> &Expr {
        match self {
            Expr::Alias { expr, .. } => expr.unaliased(),
            other => other,
        }
    }

    /// The column name Spark gives this expression in a result (its alias, if it has one).
    pub fn name(&self) -> String {
        let mut out = String::new();
        self.write_name(&mut out, true);
        out
    }

    /// A name equal for expressions Spark's canonicalization makes equal: the operands of `+`,
    /// `*`, `=`, `<=>`, AND and OR in a fixed order (`b + a` is `a + b`), as grouping keys match.
    pub fn canonical_name(&self) -> String {
        match self {
            Expr::Binary { left, op, right }
                if matches!(
                    op,
                    BinaryOp::Plus
                        | BinaryOp::Multiply
                        | BinaryOp::Eq
                        | BinaryOp::NullSafeEq
                        | BinaryOp::And
                        | BinaryOp::Or
                ) =>
            {
                let (mut a, mut b) = (left.canonical_name(), right.canonical_name());
                if b < a {
                    std::mem::swap(&mut a, &mut b);
                }
                format!("({a} {} {b})", op.symbol())
            }
            Expr::Binary { left, op, right } => format!(
                "({} {} {})",
                left.canonical_name(),
                op.symbol(),
                right.canonical_name()
            ),
            _ => self.name(),
        }
    }

    /// This expression with each aggregate call seeing only the rows where `condition` holds
    /// (its arguments null elsewhere, which aggregates skip; `count(*)` counts matching rows):
    /// `agg(x) FILTER (WHERE c)` and PIVOT's per-value aggregates. first and last do not skip
    /// nulls, so they would take a left-out row's null: refused.
    pub fn aggregating_only_where(&self, condition: &Expr) -> crate::error::Result<Expr> {
        let keep = |arg: &Expr| Expr::Call {
            name: "if".to_string(),
            args: vec![
                condition.clone(),
                arg.clone(),
                Expr::Literal {
                    value: arrow::array::new_null_array(&DataType::Null, 1),
                    text: "NULL".to_string(),
                },
            ],
            distinct: false,
            star: false,
        };
        let again = |e: &Expr| e.aggregating_only_where(condition).map(Box::new);
        Ok(match self {
            Expr::Call {
                name,
                args,
                distinct,
                star,
            } if self.is_aggregate_call() => {
                if matches!(
                    name.as_str(),
                    "first" | "last" | "first_value" | "last_value" | "any_value"
                ) {
                    return Err(crate::error::Error::usage(format!(
                        "unsupported: {} over only some rows (FILTER or PIVOT)",
                        self.name()
                    )));
                }
                let args = if *star {
                    vec![keep(&Expr::Literal {
                        value: std::sync::Arc::new(arrow::array::Int32Array::from(vec![1])),
                        text: "1".to_string(),
                    })]
                } else {
                    args.iter().map(keep).collect()
                };
                Expr::Call {
                    name: name.clone(),
                    args,
                    distinct: *distinct,
                    star: false,
                }
            }
            Expr::Call {
                name,
                args,
                distinct,
                star,
            } => Expr::Call {
                name: name.clone(),
                args: args
                    .iter()
                    .map(|a| a.aggregating_only_where(condition))
                    .collect::<crate::error::Result<_>>()?,
                distinct: *distinct,
                star: *star,
            },
            Expr::Binary { left, op, right } => Expr::Binary {
                left: again(left)?,
                op: *op,
                right: again(right)?,
            },
            Expr::Not(e) => Expr::Not(again(e)?),
            Expr::Negate(e) => Expr::Negate(again(e)?),
            Expr::Cast { expr, to } => Expr::Cast {
                expr: again(expr)?,
                to: to.clone(),
            },
            Expr::Alias { expr, name } => Expr::Alias {
                expr: again(expr)?,
                name: name.clone(),
            },
            other => other.clone(),
        })
    }

    /// The name of the column this expression makes in a projection: its `name`, except that a
    /// cast written directly on a column keeps the column's name (`CAST(x AS INT)` is `x`, as
    /// Spark's ResolveAliases names it). Kept apart from `name`, which also identifies
    /// expressions (a cast must not be taken for the column it casts).
    pub fn output_name(&self) -> String {
        match self {
            Expr::Cast { expr, .. } => match expr.as_ref() {
                Expr::Column { name, .. } => name.clone(),
                _ => self.name(),
            },
            _ => self.name(),
        }
    }

    fn write_name(&self, out: &mut String, top: bool) {
        match self {
            Expr::Column { name, .. } => out.push_str(name),
            Expr::Literal { text, .. } => out.push_str(text),
            Expr::Alias { expr, name } => {
                if top {
                    out.push_str(name)
                } else {
                    expr.write_name(out, false)
                }
            }
            Expr::Not(e) => {
                out.push_str("(NOT ");
                e.write_name(out, false);
                out.push(')');
            }
            Expr::Negate(e) => {
                out.push_str("(- ");
                e.write_name(out, false);
                out.push(')');
            }
            Expr::Binary { left, op, right } => {
                if *op == BinaryOp::Concat {
                    out.push_str("concat(");
                    left.write_name(out, false);
                    out.push_str(", ");
                    right.write_name(out, false);
                    out.push(')');
                    return;
                }
                // Spark parses `a <> b` and `a != b` as NOT (a = b), and names them so.
                if *op == BinaryOp::NotEq {
                    out.push_str("(NOT (");
                    left.write_name(out, false);
                    out.push_str(" = ");
                    right.write_name(out, false);
                    out.push_str("))");
                    return;
                }
                out.push('(');
                left.write_name(out, false);
                let _ = write!(out, " {} ", op.symbol());
                right.write_name(out, false);
                out.push(')');
            }
            Expr::IsNull { expr, negated } => {
                out.push('(');
                expr.write_name(out, false);
                out.push_str(if *negated {
                    " IS NOT NULL)"
                } else {
                    " IS NULL)"
                });
            }
            Expr::In {
                expr,
                list,
                negated,
            } => {
                if *negated {
                    out.push_str("(NOT ");
                }
                out.push('(');
                expr.write_name(out, false);
                out.push_str(" IN (");
                for (i, e) in list.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    e.write_name(out, false);
                }
                out.push_str("))");
                if *negated {
                    out.push(')');
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                if *negated {
                    out.push_str("(NOT ");
                }
                out.push_str("((");
                expr.write_name(out, false);
                out.push_str(" >= ");
                low.write_name(out, false);
                out.push_str(") AND (");
                expr.write_name(out, false);
                out.push_str(" <= ");
                high.write_name(out, false);
                out.push_str("))");
                if *negated {
                    out.push(')');
                }
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                if *negated {
                    out.push_str("(NOT ");
                }
                if *case_insensitive {
                    out.push_str("ilike(");
                    expr.write_name(out, false);
                    out.push_str(", ");
                    pattern.write_name(out, false);
                    out.push(')');
                } else {
                    expr.write_name(out, false);
                    out.push_str(" LIKE ");
                    pattern.write_name(out, false);
                }
                if *negated {
                    out.push(')');
                }
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                // `CASE x WHEN v ...` is Spark's `CASE WHEN (x = v) ...`, named so.
                out.push_str("CASE");
                for (w, t) in whens {
                    out.push_str(" WHEN ");
                    match operand {
                        Some(o) => {
                            out.push('(');
                            o.write_name(out, false);
                            out.push_str(" = ");
                            w.write_name(out, false);
                            out.push(')');
                        }
                        None => w.write_name(out, false),
                    }
                    out.push_str(" THEN ");
                    t.write_name(out, false);
                }
                if let Some(o) = otherwise {
                    out.push_str(" ELSE ");
                    o.write_name(out, false);
                }
                out.push_str(" END");
            }
            // A cast to an array, struct or map is named as what it casts, as in Spark 3.3.
            Expr::Cast {
                expr,
                to: DataType::List(_) | DataType::Struct(_) | DataType::Map(_, _),
            } => expr.write_name(out, false),
            Expr::Cast { expr, to } => {
                out.push_str("CAST(");
                expr.write_name(out, false);
                let _ = write!(out, " AS {})", crate::types::names::sql_type_name(to));
            }
            Expr::Call {
                name,
                args,
                distinct,
                star,
            } => write_call_name(out, name, args, *distinct, *star),
            Expr::Window {
                function,
                partition_by,
                order_by,
                frame,
            } => {
                write_window_function_name(out, function);
                out.push_str(" OVER (");
                let mut parts = Vec::new();
                if !partition_by.is_empty() {
                    parts.push(format!(
                        "PARTITION BY {}",
                        partition_by
                            .iter()
                            .map(|e| e.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !order_by.is_empty() {
                    parts.push(format!(
                        "ORDER BY {}",
                        order_by
                            .iter()
                            .map(|s| format!(
                                "{} {} NULLS {}",
                                s.expr.name(),
                                if s.descending { "DESC" } else { "ASC" },
                                if s.nulls_first { "FIRST" } else { "LAST" }
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                parts.push(match frame {
                    Some(frame) => frame.describe(),
                    None => default_frame_text(function, !order_by.is_empty()),
                });
                out.push_str(&parts.join(" "));
                out.push(')');
            }
            Expr::Wildcard { qualifier } => {
                if let Some(q) = qualifier {
                    let _ = write!(out, "{q}.");
                }
                out.push('*');
            }
        }
    }

    pub(crate) fn write_arg_name(&self, out: &mut String) {
        self.write_name(out, false)
    }
}

/// A sort key: an expression with Spark's ordering (ASC puts nulls first, DESC last, unless said).
/// The name Spark gives a function called over a window: the ranking functions keep their
/// upper-case SQL names, lag and lead show their offset and default.
fn write_window_function_name(out: &mut String, function: &Expr) {
    match function {
        Expr::Call { name, args, .. } => match name.as_str() {
            "rank" | "dense_rank" | "percent_rank" if args.is_empty() => {
                let _ = write!(out, "{}()", name.to_ascii_uppercase());
            }
            "lag" | "lead" if !args.is_empty() && args.len() <= 3 => {
                let part = |i: usize, default: &str| {
                    args.get(i).map_or(default.to_string(), |a| {
                        let mut s = String::new();
                        a.write_arg_name(&mut s);
                        s
                    })
                };
                let _ = write!(
                    out,
                    "{name}({}, {}, {})",
                    part(0, ""),
                    part(1, "1"),
                    part(2, "NULL")
                );
            }
            // Spark 3.3 takes ignoring nulls only as `IGNORE NULLS`, and names it so.
            "nth_value" if args.len() == 3 => {
                let mut s = String::new();
                Expr::Call {
                    name: name.clone(),
                    args: args[..2].to_vec(),
                    distinct: false,
                    star: false,
                }
                .write_name(&mut s, false);
                out.push_str(&s);
                if args[2].name().eq_ignore_ascii_case("true") {
                    out.push_str(" ignore nulls");
                }
            }
            _ => function.write_name(out, false),
        },
        other => other.write_name(out, false),
    }
}

/// Spark's frame text for a function over a window without one: ROWS from the partition's
/// start for ranking, a fixed row offset for lag and lead, RANGE up to the current row's peers
/// for aggregates (and cume_dist) over an ordered window, and the whole partition without order.
pub fn default_frame_text(function: &Expr, ordered: bool) -> String {
    let (name, args) = match function {
        Expr::Call { name, args, .. } => (name.as_str(), args.as_slice()),
        _ => ("", &[][..]),
    };
    match name {
        "lag" | "lead" => {
            let offset = args.get(1).map_or("1".to_string(), |a| a.name());
            let offset = match (name, offset.strip_prefix('-')) {
                ("lead", _) => offset,
                (_, Some(positive)) => positive.to_string(),
                (_, None) => format!("-{offset}"),
            };
            format!("ROWS BETWEEN {offset} FOLLOWING AND {offset} FOLLOWING")
        }
        "row_number" | "rank" | "dense_rank" | "ntile" | "percent_rank" => {
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".to_string()
        }
        _ if !ordered => "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING".to_string(),
        _ => "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".to_string(),
    }
}

/// A window frame: `ROWS|RANGE BETWEEN start AND end`.
#[derive(Debug, Clone)]
pub struct WindowFrame {
    /// ROWS counts rows; RANGE compares the (single) order key's values.
    pub rows: bool,
    pub start: FrameBound,
    pub end: FrameBound,
}

#[derive(Debug, Clone)]
pub enum FrameBound {
    UnboundedPreceding,
    /// `n PRECEDING`: a literal offset (a row count for ROWS, a value for RANGE).
    Preceding(Box<Expr>),
    CurrentRow,
    Following(Box<Expr>),
    UnboundedFollowing,
}

impl WindowFrame {
    /// Spark's text for the frame: `ROWS BETWEEN 1 PRECEDING AND CURRENT ROW`.
    pub fn describe(&self) -> String {
        let bound = |b: &FrameBound| match b {
            FrameBound::UnboundedPreceding => "UNBOUNDED PRECEDING".to_string(),
            FrameBound::UnboundedFollowing => "UNBOUNDED FOLLOWING".to_string(),
            FrameBound::CurrentRow => "CURRENT ROW".to_string(),
            FrameBound::Following(e) => format!("{} FOLLOWING", e.name()),
            // Spark stores `n PRECEDING` as `-n`: an integer prints back as `n PRECEDING`, any
            // other value as the negation it is.
            FrameBound::Preceding(e) => match e.as_ref() {
                Expr::Literal { value, .. } if value.data_type().is_integer() || self.rows => {
                    format!("{} PRECEDING", e.name())
                }
                _ => format!("(- {}) FOLLOWING", e.name()),
            },
        };
        format!(
            "{} BETWEEN {} AND {}",
            if self.rows { "ROWS" } else { "RANGE" },
            bound(&self.start),
            bound(&self.end)
        )
    }
}

#[derive(Debug, Clone)]
pub struct SortExpr {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// Append the column name Spark gives a call to `out`: a function's comes from its registry
/// entry; `count(*)` and the conditional forms are named here.
pub fn write_call_name(out: &mut String, name: &str, args: &[Expr], distinct: bool, star: bool) {
    let list: Vec<String> = args
        .iter()
        .map(|arg| {
            let mut s = String::new();
            arg.write_arg_name(&mut s);
            s
        })
        .collect();
    if let Some(function) = super::functions::lookup(name) {
        out.push_str(&function.column_name.of_call(name, list, distinct));
    } else if star && name.eq_ignore_ascii_case("count") {
        out.push_str("count(1)");
    } else if let Some(function) = super::aggregates::lookup(name) {
        out.push_str(&function.column_name.of_call(name, list, distinct));
    } else if matches!(name, "if" | "iff") {
        let _ = write!(out, "(IF({}))", list.join(", "));
    } else {
        out.push_str(&ColumnName::AsWritten.of_call(name, list, distinct));
    }
}

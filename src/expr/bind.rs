//! Binding: names resolved to column positions of a scope (case-insensitively, as Spark does),
//! types checked, and Spark 3.3's implicit casts made explicit, giving a `Bound` expression.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::aggregates::{self, signature::AggCall, signature::AggregateCall};
use super::bound::{balanced, type_error, unify, Bound};
use super::functions::{self, signature::Call};
use super::tree::{BinaryOp, Expr};
use crate::error::{Error, Result};
use crate::types::coerce::{comparison_type, is_integer, is_numeric, wider_numeric};
use crate::types::decimal::{self, DecimalType};
use crate::types::names::spark_type_name;

/// The columns an expression can see: a schema, and for each column the table it came from
/// (so `z.Zone` can tell the two sides of a join apart).
/// The qualifier `*`'s expansion gives a column it can only name by position: `#3` is column 3.
pub const POSITION_QUALIFIER: &str = "#";

#[derive(Debug, Clone)]
pub struct Scope {
    pub schema: SchemaRef,
    pub qualifiers: Vec<Option<String>>,
    /// Columns reached only by their qualified name and `t.*`: each side's own copy of a USING
    /// or NATURAL join's keys, which Spark keeps behind the one merged key `*` and `k` show.
    pub hidden: Vec<bool>,
}

impl Scope {
    pub fn new(schema: SchemaRef) -> Scope {
        let qualifiers = vec![None; schema.fields().len()];
        Scope::visible(schema, qualifiers)
    }

    pub fn qualified(schema: SchemaRef, qualifier: Option<String>) -> Scope {
        let qualifiers = vec![qualifier; schema.fields().len()];
        Scope::visible(schema, qualifiers)
    }

    /// Every column reachable by its plain name.
    pub fn visible(schema: SchemaRef, qualifiers: Vec<Option<String>>) -> Scope {
        let hidden = vec![false; qualifiers.len()];
        Scope {
            schema,
            qualifiers,
            hidden,
        }
    }

    /// This scope's columns (hidden ones still hidden) followed by new visible ones:
    /// `schema` and `qualifiers` describe all of them.
    pub fn extended(&self, schema: SchemaRef, qualifiers: Vec<Option<String>>) -> Scope {
        let mut hidden = self.hidden.clone();
        hidden.resize(qualifiers.len(), false);
        Scope {
            schema,
            qualifiers,
            hidden,
        }
    }

    /// This scope's columns followed by `other`'s (a join's output).
    pub fn join(&self, other: &Scope) -> Scope {
        let fields: Vec<Field> = self
            .schema
            .fields()
            .iter()
            .chain(other.schema.fields().iter())
            .map(|f| f.as_ref().clone())
            .collect();
        Scope {
            schema: Arc::new(Schema::new(fields)),
            qualifiers: self
                .qualifiers
                .iter()
                .chain(&other.qualifiers)
                .cloned()
                .collect(),
            hidden: self.hidden.iter().chain(&other.hidden).copied().collect(),
        }
    }

    /// The position of column `name` (qualified by a table name or alias when given).
    pub fn resolve(&self, qualifier: Option<&str>, name: &str) -> Result<usize> {
        // `*` expanded over two columns of one name refers to each by position.
        if let Some(i) = qualifier
            .and_then(|q| q.strip_prefix(POSITION_QUALIFIER))
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|&i| i < self.schema.fields().len())
        {
            return Ok(i);
        }
        let matches: Vec<usize> = (0..self.schema.fields().len())
            .filter(|&i| {
                self.schema.field(i).name().eq_ignore_ascii_case(name)
                    && match qualifier {
                        None => !self.hidden[i],
                        Some(q) => self.qualifiers[i]
                            .as_deref()
                            .is_some_and(|own| own.eq_ignore_ascii_case(q)),
                    }
            })
            .collect();
        let shown = match qualifier {
            Some(q) => format!("{q}.{name}"),
            None => name.to_string(),
        };
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::analysis(format!(
                "cannot resolve column '{shown}'; the columns are: {}",
                self.describe()
            ))),
            _ => Err(Error::analysis(format!(
                "column '{shown}' is ambiguous: more than one input has it; qualify it (e.g. {}.{name})",
                self.qualifiers[matches[0]]
                    .clone()
                    .unwrap_or_else(|| "t".into())
            ))),
        }
    }

    /// The one column named exactly `name` (case-insensitively), if there is exactly one.
    pub fn find_exact(&self, name: &str) -> Option<usize> {
        let mut found = self
            .schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.hidden[*i] && f.name().eq_ignore_ascii_case(name));
        match (found.next(), found.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    }

    /// The column names, comma-separated (qualified where known), for messages.
    pub fn describe(&self) -> String {
        self.schema
            .fields()
            .iter()
            .zip(&self.qualifiers)
            .map(|(f, q)| match q {
                Some(q) => format!("{q}.{}", f.name()),
                None => f.name().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Bind `expr` to `scope`. Aggregate calls are not allowed here: the planner replaces them with
/// columns of the aggregation's output before binding what sits above them.
pub fn bind(expr: &Expr, scope: &Scope) -> Result<Bound> {
    // A computed column is referred to by the expression that named it (`count(1)`, `sum(x)`).
    // (Not a cast to an array or struct: Spark names it as what it casts, so its name is
    // that of its input.)
    let named_as_input = matches!(expr, Expr::Cast { to, .. } if to.is_nested());
    if matches!(
        expr,
        Expr::Call { .. } | Expr::Binary { .. } | Expr::Cast { .. }
    ) && !named_as_input
    {
        if let Some(index) = scope.find_exact(&expr.name()) {
            return Ok(Bound::column(
                index,
                scope.schema.field(index).data_type().clone(),
            ));
        }
    }
    Ok(match expr {
        Expr::Column { qualifier, name } => match scope.resolve(qualifier.as_deref(), name) {
            Ok(index) => Bound::column(index, scope.schema.field(index).data_type().clone()),
            // `s.x` (or `t.s.x`): field x of struct column s.
            Err(error) => qualifier
                .as_deref()
                .and_then(|q| struct_field(q, name, scope))
                .ok_or(error)?,
        },
        Expr::Literal { value, .. } => Bound::Literal(value.clone()),
        Expr::Alias { expr, .. } => bind(expr, scope)?,
        Expr::Wildcard { .. } => {
            return Err(Error::analysis(
                "'*' can only stand alone in a select list".to_string(),
            ))
        }
        Expr::Window { .. } => {
            return Err(Error::analysis(format!(
                "window functions are only allowed in a SELECT list: {}",
                expr.name()
            )))
        }
        Expr::Not(e) => Bound::Not(Box::new(boolean(bind(e, scope)?, expr)?)),
        Expr::Negate(e) => {
            let inner = bind(e, scope)?;
            let t = inner.data_type();
            if !is_numeric(&t) && t != DataType::Null {
                return Err(type_error("negate", &expr.name(), &[&t]));
            }
            Bound::Negate(Box::new(inner))
        }
        Expr::Binary {
            op: op @ (BinaryOp::And | BinaryOp::Or),
            ..
        } => {
            // A chain of thousands of ANDs or ORs (generated filters) is bound as a balanced
            // tree: AND and OR are associative, also over nulls, and evaluation then recurses
            // log2(n) deep instead of n.
            let mut operands = Vec::new();
            chain_operands(expr, *op, &mut operands);
            let bound = operands
                .into_iter()
                .map(|operand| boolean(bind(operand, scope)?, operand))
                .collect::<Result<Vec<_>>>()?;
            balanced(bound, *op)
        }
        Expr::Binary { left, op, right } => {
            bind_binary(*op, bind(left, scope)?, bind(right, scope)?, expr)?
        }
        Expr::IsNull { expr, negated } => Bound::IsNull {
            expr: Box::new(bind(expr, scope)?),
            negated: *negated,
        },
        Expr::In {
            expr: value,
            list,
            negated,
        } => {
            let value = bind(value, scope)?;
            if list.is_empty() {
                return Err(Error::analysis("IN needs at least one value"));
            }
            let equalities = list
                .iter()
                .map(|item| {
                    let item = bind(item, scope)?;
                    if matches!(value.data_type(), DataType::Struct(_)) {
                        struct_equality(&value, &item, expr)
                    } else {
                        bind_binary(BinaryOp::Eq, value.clone(), item, expr)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let any = balanced(equalities, BinaryOp::Or);
            if *negated {
                Bound::Not(Box::new(any))
            } else {
                any
            }
        }
        Expr::Between {
            expr: value,
            low,
            high,
            negated,
        } => {
            let value = bind(value, scope)?;
            let ge = bind_binary(BinaryOp::GtEq, value.clone(), bind(low, scope)?, expr)?;
            let le = bind_binary(BinaryOp::LtEq, value, bind(high, scope)?, expr)?;
            let both = Bound::And(Box::new(ge), Box::new(le));
            if *negated {
                Bound::Not(Box::new(both))
            } else {
                both
            }
        }
        Expr::Like {
            expr: value,
            pattern,
            negated,
            case_insensitive,
        } => Bound::Like {
            expr: Box::new(bind(value, scope)?.cast_to(&DataType::Utf8)),
            pattern: Box::new(bind(pattern, scope)?.cast_to(&DataType::Utf8)),
            negated: *negated,
            case_insensitive: *case_insensitive,
        },
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            let operand = operand.as_ref().map(|o| bind(o, scope)).transpose()?;
            let mut conditions = Vec::new();
            let mut values = Vec::new();
            for (when, then) in whens {
                let condition = match &operand {
                    Some(o) => bind_binary(BinaryOp::Eq, o.clone(), bind(when, scope)?, expr)?,
                    None => boolean(bind(when, scope)?, expr)?,
                };
                conditions.push(condition);
                values.push(bind(then, scope)?);
            }
            let otherwise = match otherwise {
                Some(o) => bind(o, scope)?,
                None => Bound::Literal(arrow::array::new_null_array(&DataType::Null, 1)),
            };
            values.push(otherwise);
            let data_type = unify(&values, &expr.name())?;
            let mut values: Vec<Bound> =
                values.into_iter().map(|v| v.cast_to(&data_type)).collect();
            let otherwise = values.pop().expect("otherwise was pushed");
            Bound::Case {
                whens: conditions.into_iter().zip(values).collect(),
                otherwise: Box::new(otherwise),
                data_type,
            }
        }
        Expr::Cast { expr: inner, to } => {
            let value = bind(inner, scope)?;
            let from = value.data_type();
            // Arrays cast to arrays (element by element) and to text; nothing else becomes or
            // is made from one (Spark's rule), and structs likewise.
            let allowed = match (&from, to) {
                (DataType::Null, _) => true,
                (DataType::List(_), DataType::List(_) | DataType::Utf8) => true,
                (DataType::Struct(a), DataType::Struct(b)) => a.len() == b.len(),
                (DataType::Struct(_), DataType::Utf8) => true,
                (f, t) => !f.is_nested() && !t.is_nested(),
            };
            if !allowed {
                return Err(Error::analysis(format!(
                    "cannot cast {} to {}: {}",
                    crate::types::names::sql_type_name(&from).to_lowercase(),
                    crate::types::names::sql_type_name(to).to_lowercase(),
                    expr.name()
                )));
            }
            value.cast_to(to)
        }
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } => {
            if expr.is_aggregate_call() {
                return Err(Error::analysis(format!(
                    "aggregate function '{}' is not allowed here; aggregate with --group-by/--agg",
                    expr.name()
                )));
            }
            if *distinct || *star {
                return Err(Error::analysis(format!(
                    "DISTINCT and '*' are only allowed in aggregates: {}",
                    expr.name()
                )));
            }
            let bound = args
                .iter()
                .map(|a| bind(a, scope))
                .collect::<Result<Vec<_>>>()?;
            match name.as_str() {
                "coalesce" | "nvl" | "ifnull" => {
                    if bound.len() < 2 && name != "coalesce" || bound.is_empty() {
                        return Err(Error::analysis(format!(
                            "{name} needs at least {} arguments",
                            if name == "coalesce" { 1 } else { 2 }
                        )));
                    }
                    let data_type = unify(&bound, &expr.name())?;
                    Bound::Coalesce {
                        args: bound.into_iter().map(|a| a.cast_to(&data_type)).collect(),
                        data_type,
                    }
                }
                "if" | "iff" => {
                    let [c, t, f]: [Bound; 3] = bound.try_into().map_err(|_| {
                        Error::analysis(format!("if needs 3 arguments: {}", expr.name()))
                    })?;
                    let data_type = unify(&[t.clone(), f.clone()], &expr.name())?;
                    Bound::Case {
                        whens: vec![(boolean(c, expr)?, t.cast_to(&data_type))],
                        otherwise: Box::new(f.cast_to(&data_type)),
                        data_type,
                    }
                }
                "nullif" => {
                    let [a, b]: [Bound; 2] = bound
                        .try_into()
                        .map_err(|_| Error::analysis("nullif needs 2 arguments"))?;
                    let eq = bind_binary(BinaryOp::Eq, a.clone(), b, expr)?;
                    let data_type = a.data_type();
                    Bound::Case {
                        whens: vec![(
                            eq,
                            Bound::Literal(arrow::array::new_null_array(&data_type, 1)),
                        )],
                        otherwise: Box::new(a),
                        data_type,
                    }
                }
                "nvl2" => {
                    let [test, present, absent]: [Bound; 3] = bound
                        .try_into()
                        .map_err(|_| Error::analysis("nvl2 needs 3 arguments"))?;
                    let data_type = unify(&[present.clone(), absent.clone()], &expr.name())?;
                    Bound::Case {
                        whens: vec![(
                            Bound::IsNull {
                                expr: Box::new(test),
                                negated: true,
                            },
                            present.cast_to(&data_type),
                        )],
                        otherwise: Box::new(absent.cast_to(&data_type)),
                        data_type,
                    }
                }
                // decode(x, search, result, ..., [default]): the first search x equals, as
                // Spark's (null matches null).
                "decode" if bound.len() >= 3 => {
                    let mut rest = bound.into_iter();
                    let value = rest.next().expect("three or more arguments");
                    let rest: Vec<Bound> = rest.collect();
                    let pairs = rest.len() / 2;
                    let mut conditions = Vec::with_capacity(pairs);
                    let mut results = Vec::with_capacity(pairs + 1);
                    for pair in rest.chunks(2) {
                        match pair {
                            [search, result] => {
                                conditions.push(bind_binary(
                                    BinaryOp::NullSafeEq,
                                    value.clone(),
                                    search.clone(),
                                    expr,
                                )?);
                                results.push(result.clone());
                            }
                            [default] => results.push(default.clone()),
                            _ => {}
                        }
                    }
                    if results.len() == pairs {
                        results.push(Bound::Literal(arrow::array::new_null_array(
                            &DataType::Null,
                            1,
                        )));
                    }
                    let data_type = unify(&results, &expr.name())?;
                    let mut results: Vec<Bound> =
                        results.into_iter().map(|r| r.cast_to(&data_type)).collect();
                    let otherwise = results.pop().expect("a default was pushed");
                    Bound::Case {
                        whens: conditions.into_iter().zip(results).collect(),
                        otherwise: Box::new(otherwise),
                        data_type,
                    }
                }
                // pmod(a, n): a % n moved into [0, |n|) when negative, in `%`'s type.
                "pmod" => {
                    let [a, n]: [Bound; 2] = bound
                        .try_into()
                        .map_err(|_| Error::analysis("pmod needs 2 arguments"))?;
                    let remainder = bind_binary(BinaryOp::Modulo, a, n.clone(), expr)?;
                    let data_type = remainder.data_type();
                    let zero =
                        Bound::Literal(std::sync::Arc::new(arrow::array::Int32Array::from(vec![
                            0,
                        ])));
                    let negative = bind_binary(BinaryOp::Lt, remainder.clone(), zero, expr)?;
                    let shifted = bind_binary(BinaryOp::Plus, remainder.clone(), n.clone(), expr)?;
                    let wrapped = bind_binary(BinaryOp::Modulo, shifted, n, expr)?;
                    Bound::Case {
                        whens: vec![(negative, wrapped.cast_to(&data_type))],
                        otherwise: Box::new(remainder),
                        data_type,
                    }
                }
                _ => bind_function(name, bound, expr)?,
            }
        }
    })
}

fn boolean(b: Bound, expr: &Expr) -> Result<Bound> {
    match b.data_type() {
        DataType::Boolean => Ok(b),
        DataType::Null | DataType::Utf8 => Ok(b.cast_to(&DataType::Boolean)),
        other => Err(Error::analysis(format!(
            "'{}' needs a boolean condition, not {}",
            expr.name(),
            spark_type_name(&other)
        ))),
    }
}

/// The operands of a chain of `op` (AND or OR) rooted at `expr`, left to right, found without
/// recursion (a generated chain can be 100,000 deep).
fn chain_operands<'a>(expr: &'a Expr, op: BinaryOp, out: &mut Vec<&'a Expr>) {
    let mut pending = vec![expr];
    while let Some(next) = pending.pop() {
        match next {
            Expr::Binary {
                left,
                op: inner,
                right,
            } if *inner == op => {
                pending.push(right);
                pending.push(left);
            }
            other => out.push(other),
        }
    }
}

pub fn bind_binary(op: BinaryOp, left: Bound, right: Bound, expr: &Expr) -> Result<Bound> {
    let (lt, rt) = (left.data_type(), right.data_type());
    Ok(match op {
        BinaryOp::And | BinaryOp::Or => {
            let (l, r) = (
                Box::new(boolean(left, expr)?),
                Box::new(boolean(right, expr)?),
            );
            if op == BinaryOp::And {
                Bound::And(l, r)
            } else {
                Bound::Or(l, r)
            }
        }
        op if op.is_comparison() => {
            let t = comparison_type(&lt, &rt)
                .ok_or_else(|| type_error("compare", &expr.name(), &[&lt, &rt]))?;
            Bound::Compare {
                op,
                left: Box::new(left.cast_to(&t)),
                right: Box::new(right.cast_to(&t)),
            }
        }
        BinaryOp::Concat => bind_function("concat", vec![left, right], expr)?,
        // A date plus or minus a number of days is date_add / date_sub, as Spark rewrites it.
        BinaryOp::Plus | BinaryOp::Minus if date_arithmetic(op, &lt, &rt).is_some() => {
            let (name, date_first) = date_arithmetic(op, &lt, &rt).unwrap_or(("date_add", true));
            let args = if date_first {
                vec![left, right]
            } else {
                vec![right, left]
            };
            bind_function(name, args, expr)?
        }
        _ => {
            // Strings in arithmetic are read as doubles, as Spark does.
            let numeric = |t: &DataType| match t {
                DataType::Utf8 => Some(DataType::Float64),
                DataType::Null => Some(DataType::Int32),
                t if is_numeric(t) => Some(t.clone()),
                _ => None,
            };
            let (Some(mut ln), Some(mut rn)) = (numeric(&lt), numeric(&rt)) else {
                // date - date and date +/- days are functions in Spark; keep the message plain.
                return Err(type_error("do arithmetic", &expr.name(), &[&lt, &rt]));
            };
            // An untyped NULL takes the other operand's type first, as Spark's implicit casts
            // do (`NULL * 2.5` is decimal(2,1) * decimal(2,1)).
            if lt == DataType::Null && rt != DataType::Null {
                ln = rn.clone();
            } else if rt == DataType::Null && lt != DataType::Null {
                rn = ln.clone();
            }
            if let Some(bound) = bind_decimal_arithmetic(op, &left, &right, &ln, &rn) {
                return Ok(bound);
            }
            let data_type = match op {
                BinaryOp::Divide => DataType::Float64,
                BinaryOp::IntDivide => DataType::Int64,
                _ => wider_numeric(&ln, &rn)
                    .ok_or_else(|| type_error("do arithmetic", &expr.name(), &[&lt, &rt]))?,
            };
            let operand = if op == BinaryOp::IntDivide {
                // `div` works on longs (doubles are truncated first, as Spark's cast does).
                DataType::Int64
            } else {
                data_type.clone()
            };
            Bound::Arith {
                op,
                left: Box::new(left.cast_to(&operand)),
                right: Box::new(right.cast_to(&operand)),
                data_type,
            }
        }
    })
}

/// `date + n`, `n + date` (date_add) and `date - n` (date_sub) for an integer n: the function
/// and whether the date is the left operand.
pub fn date_arithmetic(
    op: BinaryOp,
    left: &DataType,
    right: &DataType,
) -> Option<(&'static str, bool)> {
    let days = |t: &DataType| is_integer(t) || *t == DataType::Null;
    match (op, left, right) {
        (BinaryOp::Plus, DataType::Date32, t) if days(t) => Some(("date_add", true)),
        (BinaryOp::Plus, t, DataType::Date32) if days(t) => Some(("date_add", false)),
        (BinaryOp::Minus, DataType::Date32, t) if days(t) => Some(("date_sub", true)),
        _ => None,
    }
}

/// Arithmetic where a decimal meets a decimal or an integer, with Spark's decimal types: an
/// integer column counts as the decimal that holds its type, an integer literal as the decimal
/// of its own digits; both operands are cast to the operator's operand type and the result has
/// the operator's result type (`div` gives a long). None when this is not decimal arithmetic.
fn bind_decimal_arithmetic(
    op: BinaryOp,
    left: &Bound,
    right: &Bound,
    left_type: &DataType,
    right_type: &DataType,
) -> Option<Bound> {
    let (l, r) = (
        decimal_operand(left, left_type),
        decimal_operand(right, right_type),
    );
    let (l, r) = match (l, r) {
        (Some(l), Some(r)) if left_type.is_decimal() || right_type.is_decimal() => (l, r),
        _ => return None,
    };
    if op == BinaryOp::IntDivide {
        let operand = l.wider(r).data_type();
        return Some(Bound::Arith {
            op,
            left: Box::new(left.clone().cast_to(&operand)),
            right: Box::new(right.clone().cast_to(&operand)),
            data_type: DataType::Int64,
        });
    }
    let decimal_op = op.decimal_op()?;
    let operand = decimal::operand_type(decimal_op, l, r).data_type();
    Some(Bound::Arith {
        op,
        left: Box::new(left.clone().cast_to(&operand)),
        right: Box::new(right.clone().cast_to(&operand)),
        data_type: decimal::result_type(decimal_op, l, r).data_type(),
    })
}

/// The decimal type an arithmetic operand counts as: its own, or for an integer the decimal
/// that holds its type, or (a literal) its value.
fn decimal_operand(operand: &Bound, t: &DataType) -> Option<DecimalType> {
    if let Some(d) = DecimalType::of(t) {
        return Some(d);
    }
    if let Bound::Literal(value) = operand {
        if is_integer(t) && value.is_valid(0) {
            let long = crate::expr::cast::cast_array(value, &DataType::Int64).ok()?;
            let long = long.as_primitive::<arrow::datatypes::Int64Type>().value(0);
            return Some(DecimalType::for_integer_value(i128::from(long)));
        }
    }
    DecimalType::for_integer(t)
}

/// `(a, b) IN ((1, 2), ...)`: two structs of as many fields are equal when each field is, a
/// null field equal only to a null one (Spark compares structs by its ordering); a null struct
/// gives null. Field names may differ, as Spark's IN allows.
fn struct_equality(value: &Bound, item: &Bound, expr: &Expr) -> Result<Bound> {
    let (DataType::Struct(left), DataType::Struct(right)) = (value.data_type(), item.data_type())
    else {
        return Err(type_error(
            "IN",
            &expr.name(),
            &[&value.data_type(), &item.data_type()],
        ));
    };
    if left.len() != right.len() {
        return Err(type_error(
            "IN",
            &expr.name(),
            &[&value.data_type(), &item.data_type()],
        ));
    }
    let mut fields = Vec::new();
    for (l, r) in left.iter().zip(right.iter()) {
        let field = |parent: &Bound, name: &str| {
            functions::collections::get_field(parent.clone(), name)
                .ok_or_else(|| Error::Internal(format!("struct field {name}")))
        };
        fields.push(bind_binary(
            BinaryOp::NullSafeEq,
            field(value, l.name())?,
            field(item, r.name())?,
            expr,
        )?);
    }
    let all = balanced(fields, BinaryOp::And);
    let either_null = Bound::Or(
        Box::new(Bound::IsNull {
            expr: Box::new(value.clone()),
            negated: false,
        }),
        Box::new(Bound::IsNull {
            expr: Box::new(item.clone()),
            negated: false,
        }),
    );
    Ok(Bound::Case {
        whens: vec![(
            either_null,
            Bound::Literal(arrow::array::new_null_array(&DataType::Boolean, 1)),
        )],
        otherwise: Box::new(all),
        data_type: DataType::Boolean,
    })
}

/// `q.name` as field `name` of a struct column `q` (itself maybe `table.column`, or a field path).
fn struct_field(qualifier: &str, name: &str, scope: &Scope) -> Option<Bound> {
    let (table, column) = match qualifier.rsplit_once('.') {
        Some((t, c)) => (Some(t), c),
        None => (None, qualifier),
    };
    let parent = match scope.resolve(table, column) {
        Ok(index) => Bound::column(index, scope.schema.field(index).data_type().clone()),
        Err(_) => struct_field(table?, column, scope)?,
    };
    functions::collections::get_field(parent, name)
}

/// A scalar function call, bound by its registry entry.
fn bind_function(name: &str, args: Vec<Bound>, expr: &Expr) -> Result<Bound> {
    let text = expr.name();
    let function = functions::lookup(name)
        .ok_or_else(|| Error::analysis(format!("unknown function '{name}' in '{text}'")))?;
    let arg_names = match expr {
        Expr::Call { args: written, .. } => written
            .iter()
            .map(|a| match a {
                Expr::Column { name, .. } => Some(name.clone()),
                Expr::Alias { expr, name } if matches!(expr.as_ref(), Expr::Column { .. }) => {
                    Some(name.clone())
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    (function.bind)(
        &Call {
            name,
            text: &text,
            arg_names,
        },
        args,
    )
}

/// Bind an aggregate call (`expr.is_aggregate_call()`) over the aggregation's input scope.
pub fn bind_aggregate(expr: &Expr, scope: &Scope) -> Result<AggCall> {
    let text = expr.name();
    let Expr::Call {
        name,
        args,
        distinct,
        star,
    } = expr
    else {
        return Err(Error::analysis(format!("not an aggregate: {text}")));
    };
    if args.iter().any(|a| a.contains_aggregate()) {
        return Err(Error::analysis(format!(
            "aggregate functions cannot be nested: {text}"
        )));
    }
    let function = aggregates::lookup(name).ok_or_else(|| {
        Error::analysis(format!(
            "aggregate function '{name}' is not supported: {text}"
        ))
    })?;
    if *distinct && !function.distinct {
        return Err(Error::analysis(format!(
            "DISTINCT is not supported in {name}: {text}"
        )));
    }
    let args = args
        .iter()
        .map(|a| bind(a, scope))
        .collect::<Result<Vec<_>>>()?;
    let call = (function.bind)(
        &AggregateCall {
            name,
            text: &text,
            distinct: *distinct,
            star: *star,
        },
        args,
    )?;
    // count keeps its own distinct sets; any other aggregate sees each distinct value once.
    Ok(if *distinct && function.names[0] != "count" {
        aggregates::distinct::over_distinct_values(call)
    } else {
        call
    })
}

/// The forms bound here as CASE and COALESCE nodes over other bound expressions rather than
/// kernels (`decode` with three or more arguments; `pmod` is `%` made non-negative).
pub const CONDITIONAL_FORMS: &[&str] = &[
    "coalesce", "nvl", "ifnull", "if", "iff", "nullif", "nvl2", "decode", "pmod",
];

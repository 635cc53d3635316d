//! Binding: names resolved to column positions of a scope (case-insensitively, as Spark does),
//! types checked, and Spark 3.3's implicit casts made explicit, giving a `Bound` expression.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::functions::{self, Func};
use super::{BinaryOp, Expr};
use crate::error::{Error, Result};
use crate::io::types::spark_type_name;

/// The columns an expression can see: a schema, and for each column the table it came from
/// (so `z.Zone` can tell the two sides of a join apart).
#[derive(Debug, Clone)]
pub struct Scope {
    pub schema: SchemaRef,
    pub qualifiers: Vec<Option<String>>,
}

impl Scope {
    pub fn new(schema: SchemaRef) -> Scope {
        let qualifiers = vec![None; schema.fields().len()];
        Scope { schema, qualifiers }
    }

    pub fn qualified(schema: SchemaRef, qualifier: Option<String>) -> Scope {
        let qualifiers = vec![qualifier; schema.fields().len()];
        Scope { schema, qualifiers }
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
        }
    }

    /// The position of column `name` (qualified by a table name or alias when given).
    pub fn resolve(&self, qualifier: Option<&str>, name: &str) -> Result<usize> {
        let matches: Vec<usize> = (0..self.schema.fields().len())
            .filter(|&i| {
                self.schema.field(i).name().eq_ignore_ascii_case(name)
                    && match qualifier {
                        None => true,
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
            [] => Err(Error::usage(format!(
                "cannot resolve column '{shown}'; the columns are: {}",
                self.describe()
            ))),
            _ => Err(Error::usage(format!(
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
            .filter(|(_, f)| f.name().eq_ignore_ascii_case(name));
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

/// A bound expression: columns are positions, every operand has the type its operator needs.
#[derive(Debug, Clone)]
pub enum Bound {
    Column {
        index: usize,
        data_type: DataType,
    },
    /// A one-element array.
    Literal(ArrayRef),
    Cast {
        expr: Box<Bound>,
        to: DataType,
    },
    Not(Box<Bound>),
    Negate(Box<Bound>),
    /// Arithmetic with both operands of `data_type` (`/` on doubles).
    Arith {
        op: BinaryOp,
        left: Box<Bound>,
        right: Box<Bound>,
        data_type: DataType,
    },
    /// A comparison with both operands of one type.
    Compare {
        op: BinaryOp,
        left: Box<Bound>,
        right: Box<Bound>,
    },
    And(Box<Bound>, Box<Bound>),
    Or(Box<Bound>, Box<Bound>),
    IsNull {
        expr: Box<Bound>,
        negated: bool,
    },
    Like {
        expr: Box<Bound>,
        pattern: Box<Bound>,
        negated: bool,
        case_insensitive: bool,
    },
    Case {
        whens: Vec<(Bound, Bound)>,
        otherwise: Box<Bound>,
        data_type: DataType,
    },
    Coalesce {
        args: Vec<Bound>,
        data_type: DataType,
    },
    Function {
        func: Func,
        args: Vec<Bound>,
        data_type: DataType,
    },
}

impl Bound {
    pub fn data_type(&self) -> DataType {
        match self {
            Bound::Column { data_type, .. }
            | Bound::Arith { data_type, .. }
            | Bound::Case { data_type, .. }
            | Bound::Coalesce { data_type, .. }
            | Bound::Function { data_type, .. } => data_type.clone(),
            Bound::Literal(value) => value.data_type().clone(),
            Bound::Cast { to, .. } => to.clone(),
            Bound::Negate(e) => e.data_type(),
            Bound::Not(_)
            | Bound::Compare { .. }
            | Bound::And(..)
            | Bound::Or(..)
            | Bound::IsNull { .. }
            | Bound::Like { .. } => DataType::Boolean,
        }
    }

    pub fn column(index: usize, data_type: DataType) -> Bound {
        Bound::Column { index, data_type }
    }

    /// The children of this node.
    pub fn children(&self) -> Vec<&Bound> {
        match self {
            Bound::Column { .. } | Bound::Literal(_) => vec![],
            Bound::Cast { expr, .. }
            | Bound::Not(expr)
            | Bound::Negate(expr)
            | Bound::IsNull { expr, .. } => vec![expr],
            Bound::Arith { left, right, .. }
            | Bound::Compare { left, right, .. }
            | Bound::And(left, right)
            | Bound::Or(left, right) => vec![left, right],
            Bound::Like { expr, pattern, .. } => vec![expr, pattern],
            Bound::Case {
                whens, otherwise, ..
            } => whens
                .iter()
                .flat_map(|(w, t)| [w, t])
                .chain(std::iter::once(otherwise.as_ref()))
                .collect(),
            Bound::Coalesce { args, .. } | Bound::Function { args, .. } => args.iter().collect(),
        }
    }

    /// The column positions this expression reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        if let Bound::Column { index, .. } = self {
            out.push(*index);
        }
        for child in self.children() {
            child.columns(out);
        }
    }

    /// The same expression with every column position `i` replaced by `f(i)`.
    pub fn remap(&self, f: &dyn Fn(usize) -> usize) -> Bound {
        self.transform(&|e| match e {
            Bound::Column { index, data_type } => Some(Bound::Column {
                index: f(*index),
                data_type: data_type.clone(),
            }),
            _ => None,
        })
    }

    /// Rebuild bottom-up... top-down: where `f` returns a replacement, it is used as is.
    pub fn transform(&self, f: &dyn Fn(&Bound) -> Option<Bound>) -> Bound {
        if let Some(replaced) = f(self) {
            return replaced;
        }
        let t = |b: &Bound| Box::new(b.transform(f));
        match self {
            Bound::Column { .. } | Bound::Literal(_) => self.clone(),
            Bound::Cast { expr, to } => Bound::Cast {
                expr: t(expr),
                to: to.clone(),
            },
            Bound::Not(e) => Bound::Not(t(e)),
            Bound::Negate(e) => Bound::Negate(t(e)),
            Bound::Arith {
                op,
                left,
                right,
                data_type,
            } => Bound::Arith {
                op: *op,
                left: t(left),
                right: t(right),
                data_type: data_type.clone(),
            },
            Bound::Compare { op, left, right } => Bound::Compare {
                op: *op,
                left: t(left),
                right: t(right),
            },
            Bound::And(l, r) => Bound::And(t(l), t(r)),
            Bound::Or(l, r) => Bound::Or(t(l), t(r)),
            Bound::IsNull { expr, negated } => Bound::IsNull {
                expr: t(expr),
                negated: *negated,
            },
            Bound::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => Bound::Like {
                expr: t(expr),
                pattern: t(pattern),
                negated: *negated,
                case_insensitive: *case_insensitive,
            },
            Bound::Case {
                whens,
                otherwise,
                data_type,
            } => Bound::Case {
                whens: whens
                    .iter()
                    .map(|(w, v)| (w.transform(f), v.transform(f)))
                    .collect(),
                otherwise: t(otherwise),
                data_type: data_type.clone(),
            },
            Bound::Coalesce { args, data_type } => Bound::Coalesce {
                args: args.iter().map(|a| a.transform(f)).collect(),
                data_type: data_type.clone(),
            },
            Bound::Function {
                func,
                args,
                data_type,
            } => Bound::Function {
                func: func.clone(),
                args: args.iter().map(|a| a.transform(f)).collect(),
                data_type: data_type.clone(),
            },
        }
    }

    /// The conjuncts of an AND tree.
    pub fn split_conjunction(self) -> Vec<Bound> {
        let mut out = Vec::new();
        let mut pending = vec![self];
        while let Some(next) = pending.pop() {
            match next {
                Bound::And(l, r) => {
                    pending.push(*r);
                    pending.push(*l);
                }
                other => out.push(other),
            }
        }
        out
    }

    /// The parts joined by AND, as a balanced tree (a generated filter can have 100,000).
    pub fn conjunction(parts: Vec<Bound>) -> Option<Bound> {
        (!parts.is_empty()).then(|| balanced(parts, BinaryOp::And))
    }

    /// Cast to `to` unless already of that type.
    pub fn cast_to(self, to: &DataType) -> Bound {
        if &self.data_type() == to {
            self
        } else if let Bound::Literal(value) = &self {
            // Literals are cast once, here (a failed cast is null, as at run time).
            match super::eval::cast_array(value, to) {
                Ok(cast) => Bound::Literal(cast),
                Err(_) => Bound::Cast {
                    expr: Box::new(self),
                    to: to.clone(),
                },
            }
        } else {
            Bound::Cast {
                expr: Box::new(self),
                to: to.clone(),
            }
        }
    }

    /// A compact text form for `--explain` (columns as `#position`, resolved by the caller's names).
    pub fn display(&self, names: &dyn Fn(usize) -> String) -> String {
        match self {
            Bound::Column { index, .. } => names(*index),
            Bound::Literal(value) => {
                let mut out = String::new();
                if !crate::io::format::write_value(&mut out, value.as_ref(), 0) {
                    return "NULL".into();
                }
                if value.data_type() == &DataType::Utf8 {
                    format!("'{out}'")
                } else {
                    out
                }
            }
            Bound::Cast { expr, to } => format!(
                "CAST({} AS {})",
                expr.display(names),
                super::sql_type_name(to)
            ),
            Bound::Not(e) => format!("NOT {}", e.display(names)),
            Bound::Negate(e) => format!("-{}", e.display(names)),
            Bound::Arith {
                op, left, right, ..
            }
            | Bound::Compare { op, left, right } => format!(
                "({} {} {})",
                left.display(names),
                op.symbol(),
                right.display(names)
            ),
            Bound::And(l, r) => format!("({} AND {})", l.display(names), r.display(names)),
            Bound::Or(l, r) => format!("({} OR {})", l.display(names), r.display(names)),
            Bound::IsNull { expr, negated } => format!(
                "({} IS {}NULL)",
                expr.display(names),
                if *negated { "NOT " } else { "" }
            ),
            Bound::Like {
                expr,
                pattern,
                negated,
                ..
            } => format!(
                "({} {}LIKE {})",
                expr.display(names),
                if *negated { "NOT " } else { "" },
                pattern.display(names)
            ),
            Bound::Case {
                whens, otherwise, ..
            } => {
                let mut out = "CASE".to_string();
                for (w, t) in whens {
                    out.push_str(&format!(
                        " WHEN {} THEN {}",
                        w.display(names),
                        t.display(names)
                    ));
                }
                out.push_str(&format!(" ELSE {} END", otherwise.display(names)));
                out
            }
            Bound::Coalesce { args, .. } => format!(
                "coalesce({})",
                args.iter()
                    .map(|a| a.display(names))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Bound::Function { func, args, .. } => {
                let mut shown: Vec<String> = args.iter().map(|a| a.display(names)).collect();
                if let Func::Round(scale) = func {
                    shown.push(scale.to_string());
                }
                format!("{}({})", func.name(), shown.join(", "))
            }
        }
    }
}

/// Rank of a numeric type in Spark's widening order (None: not numeric).
fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Decimal128(_, _) => 5,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

pub fn is_numeric(t: &DataType) -> bool {
    numeric_rank(t).is_some()
}

pub fn is_integer(t: &DataType) -> bool {
    matches!(numeric_rank(t), Some(1..=4))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// The type two numeric types widen to. Decimals of different types meet in double (the engine
/// does not carry Spark's decimal precision arithmetic).
fn wider_numeric(a: &DataType, b: &DataType) -> Option<DataType> {
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    if a == b {
        return Some(a.clone());
    }
    if ra == 5 || rb == 5 {
        // decimal with an integer or another decimal
        return Some(DataType::Float64);
    }
    Some(if ra >= rb { a.clone() } else { b.clone() })
}

/// The common type of values that meet in one column (CASE branches, COALESCE, IN, UNION).
pub fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, other) | (other, DataType::Null) => Some(other.clone()),
        (DataType::Date32, DataType::Timestamp(_, _))
        | (DataType::Timestamp(_, _), DataType::Date32) => Some(timestamp()),
        (DataType::Utf8, _) | (_, DataType::Utf8) => Some(DataType::Utf8),
        _ => wider_numeric(a, b),
    }
}

/// The type both sides of a comparison are cast to.
fn comparison_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, other) | (other, DataType::Null) => Some(other.clone()),
        // A string meets a typed value as that type ('2019-01-15' against a timestamp).
        (DataType::Utf8, other) | (other, DataType::Utf8) => match other {
            DataType::Date32 | DataType::Timestamp(_, _) | DataType::Boolean => Some(other.clone()),
            t if is_integer(t) => Some(DataType::Int64),
            t if is_numeric(t) => Some(DataType::Float64),
            _ => Some(DataType::Utf8),
        },
        (DataType::Date32, DataType::Timestamp(_, _))
        | (DataType::Timestamp(_, _), DataType::Date32) => Some(timestamp()),
        _ => wider_numeric(a, b),
    }
}

fn type_error(what: &str, expr: &Expr, types: &[&DataType]) -> Error {
    Error::usage(format!(
        "cannot {what} in '{}': argument types are {}",
        expr.name(),
        types
            .iter()
            .map(|t| spark_type_name(t))
            .collect::<Vec<_>>()
            .join(" and ")
    ))
}

/// Bind `expr` to `scope`. Aggregate calls are not allowed here: the planner replaces them with
/// columns of the aggregation's output before binding what sits above them.
pub fn bind(expr: &Expr, scope: &Scope) -> Result<Bound> {
    // A computed column is referred to by the expression that named it (`count(1)`, `sum(x)`).
    if matches!(
        expr,
        Expr::Call { .. } | Expr::Binary { .. } | Expr::Cast { .. }
    ) {
        if let Some(index) = scope.find_exact(&expr.name()) {
            return Ok(Bound::column(
                index,
                scope.schema.field(index).data_type().clone(),
            ));
        }
    }
    Ok(match expr {
        Expr::Column { qualifier, name } => {
            let index = scope.resolve(qualifier.as_deref(), name)?;
            Bound::column(index, scope.schema.field(index).data_type().clone())
        }
        Expr::Literal { value, .. } => Bound::Literal(value.clone()),
        Expr::Alias { expr, .. } => bind(expr, scope)?,
        Expr::Wildcard { .. } => {
            return Err(Error::usage(
                "'*' can only stand alone in a select list".to_string(),
            ))
        }
        Expr::Window { .. } => {
            return Err(Error::usage(format!(
                "window functions are only allowed in a SELECT list: {}",
                expr.name()
            )))
        }
        Expr::Not(e) => Bound::Not(Box::new(boolean(bind(e, scope)?, expr)?)),
        Expr::Negate(e) => {
            let inner = bind(e, scope)?;
            let t = inner.data_type();
            if !is_numeric(&t) && t != DataType::Null {
                return Err(type_error("negate", expr, &[&t]));
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
                return Err(Error::usage("IN needs at least one value"));
            }
            let equalities = list
                .iter()
                .map(|item| bind_binary(BinaryOp::Eq, value.clone(), bind(item, scope)?, expr))
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
            let data_type = unify(&values, expr)?;
            let mut values: Vec<Bound> =
                values.into_iter().map(|v| v.cast_to(&data_type)).collect();
            let otherwise = values.pop().expect("otherwise was pushed");
            Bound::Case {
                whens: conditions.into_iter().zip(values).collect(),
                otherwise: Box::new(otherwise),
                data_type,
            }
        }
        Expr::Cast { expr: inner, to } => bind(inner, scope)?.cast_to(to),
        Expr::Call {
            name,
            args,
            distinct,
            star,
        } => {
            if expr.is_aggregate_call() {
                return Err(Error::usage(format!(
                    "aggregate function '{}' is not allowed here; aggregate with --group-by/--agg",
                    expr.name()
                )));
            }
            if *distinct || *star {
                return Err(Error::usage(format!(
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
                        return Err(Error::usage(format!(
                            "{name} needs at least {} arguments",
                            if name == "coalesce" { 1 } else { 2 }
                        )));
                    }
                    let data_type = unify(&bound, expr)?;
                    Bound::Coalesce {
                        args: bound.into_iter().map(|a| a.cast_to(&data_type)).collect(),
                        data_type,
                    }
                }
                "if" | "iff" => {
                    let [c, t, f]: [Bound; 3] = bound.try_into().map_err(|_| {
                        Error::usage(format!("if needs 3 arguments: {}", expr.name()))
                    })?;
                    let data_type = unify(&[t.clone(), f.clone()], expr)?;
                    Bound::Case {
                        whens: vec![(boolean(c, expr)?, t.cast_to(&data_type))],
                        otherwise: Box::new(f.cast_to(&data_type)),
                        data_type,
                    }
                }
                "nullif" => {
                    let [a, b]: [Bound; 2] = bound
                        .try_into()
                        .map_err(|_| Error::usage("nullif needs 2 arguments"))?;
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
                _ => functions::bind_function(name, bound, expr)?,
            }
        }
    })
}

/// The type of values that meet in one result, or an error naming them.
pub fn unify(values: &[Bound], expr: &Expr) -> Result<DataType> {
    let mut data_type = DataType::Null;
    for v in values {
        let t = v.data_type();
        data_type = common_type(&data_type, &t)
            .ok_or_else(|| type_error("find a common type", expr, &[&data_type, &t]))?;
    }
    Ok(data_type)
}

fn boolean(b: Bound, expr: &Expr) -> Result<Bound> {
    match b.data_type() {
        DataType::Boolean => Ok(b),
        DataType::Null | DataType::Utf8 => Ok(b.cast_to(&DataType::Boolean)),
        other => Err(Error::usage(format!(
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

/// `operands` joined by AND or OR as a balanced tree (at least one operand).
fn balanced(operands: Vec<Bound>, op: BinaryOp) -> Bound {
    let join = |left: Bound, right: Bound| {
        if op == BinaryOp::And {
            Bound::And(Box::new(left), Box::new(right))
        } else {
            Bound::Or(Box::new(left), Box::new(right))
        }
    };
    super::balanced_tree(operands, join)
        .unwrap_or_else(|| Bound::Literal(arrow::array::new_null_array(&DataType::Boolean, 1)))
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
                .ok_or_else(|| type_error("compare", expr, &[&lt, &rt]))?;
            Bound::Compare {
                op,
                left: Box::new(left.cast_to(&t)),
                right: Box::new(right.cast_to(&t)),
            }
        }
        BinaryOp::Concat => functions::bind_function("concat", vec![left, right], expr)?,
        _ => {
            // Strings in arithmetic are read as doubles, as Spark does.
            let numeric = |t: &DataType| match t {
                DataType::Utf8 => Some(DataType::Float64),
                DataType::Null => Some(DataType::Int32),
                t if is_numeric(t) => Some(t.clone()),
                _ => None,
            };
            let (Some(ln), Some(rn)) = (numeric(&lt), numeric(&rt)) else {
                // date - date and date +/- days are functions in Spark; keep the message plain.
                return Err(type_error("do arithmetic", expr, &[&lt, &rt]));
            };
            let data_type = match op {
                BinaryOp::Divide => DataType::Float64,
                BinaryOp::IntDivide => DataType::Int64,
                _ => wider_numeric(&ln, &rn)
                    .ok_or_else(|| type_error("do arithmetic", expr, &[&lt, &rt]))?,
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

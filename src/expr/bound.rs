//! The bound expression tree: columns are positions in a scope and every operand has the type
//! its operator needs. Built by the binder, evaluated by `eval`, rewritten by the optimizer.

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::DataType;

use super::cast::cast_array;
use super::kernel::Kernel;
use super::operator::BinaryOp;
use crate::error::{Error, Result};
use crate::types::coerce::common_type;
use crate::types::names::spark_type_name;

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
    /// A scalar function's kernel over its arguments (cast to what it takes).
    Function {
        kernel: Kernel,
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
                kernel,
                args,
                data_type,
            } => Bound::Function {
                kernel: kernel.clone(),
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
            match cast_array(value, to) {
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
                if !crate::types::display::write_value(&mut out, value.as_ref(), 0) {
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
                crate::types::names::sql_type_name(to)
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
            Bound::Function { kernel, args, .. } => {
                let mut shown = kernel.shown_before.clone();
                shown.extend(args.iter().map(|a| a.display(names)));
                shown.extend(kernel.shown_arguments.iter().cloned());
                format!("{}({})", kernel.name, shown.join(", "))
            }
        }
    }
}

/// A type error in the call Spark names `call`.
pub fn type_error(what: &str, call: &str, types: &[&DataType]) -> Error {
    Error::analysis(format!(
        "cannot {what} in '{call}': argument types are {}",
        types
            .iter()
            .map(|t| spark_type_name(t))
            .collect::<Vec<_>>()
            .join(" and ")
    ))
}

/// The type of values that meet in one result, or an error naming them.
pub fn unify(values: &[Bound], call: &str) -> Result<DataType> {
    let mut data_type = DataType::Null;
    for v in values {
        let t = v.data_type();
        data_type = common_type(&data_type, &t)
            .ok_or_else(|| type_error("find a common type", call, &[&data_type, &t]))?;
    }
    Ok(data_type)
}

/// `operands` joined by AND or OR as a balanced tree (at least one operand).
pub fn balanced(operands: Vec<Bound>, op: BinaryOp) -> Bound {
    let join = |left: Bound, right: Bound| {
        if op == BinaryOp::And {
            Bound::And(Box::new(left), Box::new(right))
        } else {
            Bound::Or(Box::new(left), Box::new(right))
        }
    };
    super::operator::balanced_tree(operands, join)
        .unwrap_or_else(|| Bound::Literal(arrow::array::new_null_array(&DataType::Boolean, 1)))
}

//! Evaluation of bound expressions over a record batch, with arrow kernels. Literals stay
//! one-element `Scalar`s where a kernel takes a `Datum`, so `fare > 10` never builds a column of
//! tens. Null semantics are Spark's: three-valued AND / OR, division by zero gives null.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Decimal128Array, Int64Array,
    PrimitiveArray, Scalar, UInt32Array,
};
use arrow::compute::kernels::{cmp, numeric};
use arrow::compute::{and_kleene, is_not_null, is_null, not, nullif, or_kleene};
use arrow::datatypes::{DataType, Decimal128Type};
use arrow::record_batch::RecordBatch;

use super::bound::Bound;
use super::cast::cast_array;
use super::kernel::Kernel;
use super::tree::BinaryOp;
use crate::error::{Error, Result};
use crate::types::schema::normalize_floats;

/// A value of an expression over a batch: a column, or one value standing for every row.
#[derive(Debug, Clone)]
pub enum Value {
    Array(ArrayRef),
    Scalar(ArrayRef),
}

impl Value {
    pub fn into_array(self, rows: usize) -> Result<ArrayRef> {
        match self {
            Value::Array(a) => Ok(a),
            Value::Scalar(s) => broadcast(&s, rows),
        }
    }

    fn datum(&self) -> Box<dyn arrow::array::Datum + '_> {
        match self {
            Value::Array(a) => Box::new(a),
            Value::Scalar(s) => Box::new(Scalar::new(s.clone())),
        }
    }

    fn data_type(&self) -> &DataType {
        match self {
            Value::Array(a) | Value::Scalar(a) => a.data_type(),
        }
    }

    fn map(self, f: impl FnOnce(&ArrayRef) -> Result<ArrayRef>) -> Result<Value> {
        Ok(match self {
            Value::Array(a) => Value::Array(f(&a)?),
            Value::Scalar(s) => Value::Scalar(f(&s)?),
        })
    }
}

/// `rows` copies of a one-element array.
pub fn broadcast(one: &ArrayRef, rows: usize) -> Result<ArrayRef> {
    if one.data_type() == &DataType::Null {
        return Ok(new_null_array(&DataType::Null, rows));
    }
    let indices = UInt32Array::from(vec![0u32; rows]);
    arrow::compute::take(one.as_ref(), &indices, None)
        .map_err(|e| Error::arrow("broadcasting a literal", e))
}

fn kernel<T>(what: &str, r: std::result::Result<T, arrow::error::ArrowError>) -> Result<T> {
    r.map_err(|e| Error::arrow(format!("evaluating {what}"), e))
}

/// Evaluate `expr` to a column of `batch.num_rows()` values.
pub fn evaluate(expr: &Bound, batch: &RecordBatch) -> Result<ArrayRef> {
    eval(expr, batch)?.into_array(batch.num_rows())
}

/// Evaluate a predicate to a filter mask (null counts as false).
pub fn evaluate_mask(expr: &Bound, batch: &RecordBatch) -> Result<BooleanArray> {
    let values = evaluate(expr, batch)?;
    let mask = values
        .as_boolean_opt()
        .ok_or_else(|| Error::usage("a filter condition must be boolean"))?;
    Ok(if mask.null_count() > 0 {
        arrow::compute::prep_null_mask_filter(mask)
    } else {
        mask.clone()
    })
}

pub fn eval(expr: &Bound, batch: &RecordBatch) -> Result<Value> {
    let rows = batch.num_rows();
    Ok(match expr {
        Bound::Column { index, .. } => Value::Array(batch.column(*index).clone()),
        Bound::Literal(value) => Value::Scalar(value.clone()),
        Bound::Cast { expr, to } => eval(expr, batch)?.map(|a| cast_array(a, to))?,
        Bound::Not(e) => eval(e, batch)?.map(|a| {
            if a.data_type() == &DataType::Null {
                return Ok(new_null_array(&DataType::Boolean, a.len()));
            }
            Ok(Arc::new(kernel("NOT", not(a.as_boolean()))?) as ArrayRef)
        })?,
        Bound::Negate(e) => eval(e, batch)?.map(|a| {
            if a.data_type() == &DataType::Null {
                return Ok(a.clone());
            }
            kernel("negation", numeric::neg_wrapping(a))
        })?,
        Bound::Arith {
            op,
            left,
            right,
            data_type,
        } => arith(*op, eval(left, batch)?, eval(right, batch)?, data_type)?,
        Bound::Compare { op, left, right } => {
            let (l, r) = (eval(left, batch)?, eval(right, batch)?);
            compare(*op, &l, &r, rows)?
        }
        Bound::And(l, r) | Bound::Or(l, r) => {
            let a = bool_array(eval(l, batch)?.into_array(rows)?);
            let b = bool_array(eval(r, batch)?.into_array(rows)?);
            let out = if matches!(expr, Bound::And(..)) {
                kernel("AND", and_kleene(&a, &b))?
            } else {
                kernel("OR", or_kleene(&a, &b))?
            };
            Value::Array(Arc::new(out))
        }
        Bound::IsNull { expr, negated } => eval(expr, batch)?.map(|a| {
            let out = if *negated {
                kernel("IS NOT NULL", is_not_null(a.as_ref()))?
            } else {
                kernel("IS NULL", is_null(a.as_ref()))?
            };
            Ok(Arc::new(out) as ArrayRef)
        })?,
        Bound::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let (v, p) = (eval(expr, batch)?, eval(pattern, batch)?);
            if v.data_type() == &DataType::Null || p.data_type() == &DataType::Null {
                return Ok(Value::Scalar(new_null_array(&DataType::Boolean, 1)));
            }
            let (vd, pd) = (v.datum(), p.datum());
            use arrow::compute::kernels::comparison as c;
            let out = match (*negated, *case_insensitive) {
                (false, false) => c::like(vd.as_ref(), pd.as_ref()),
                (true, false) => c::nlike(vd.as_ref(), pd.as_ref()),
                (false, true) => c::ilike(vd.as_ref(), pd.as_ref()),
                (true, true) => c::nilike(vd.as_ref(), pd.as_ref()),
            };
            scalar_or_array(&v, &p, Arc::new(kernel("LIKE", out)?))?
        }
        Bound::Case {
            whens,
            otherwise,
            data_type,
        } => {
            let mut result = eval(otherwise, batch)?.into_array(rows)?;
            if result.data_type() != data_type {
                result = cast_array(&result, data_type)?;
            }
            for (when, then) in whens.iter().rev() {
                let mask = evaluate_mask(when, batch)?;
                let then = eval(then, batch)?.into_array(rows)?;
                result = kernel(
                    "CASE",
                    arrow::compute::kernels::zip::zip(&mask, &then, &result),
                )?;
            }
            Value::Array(result)
        }
        Bound::Coalesce { args, data_type } => {
            let mut result: Option<ArrayRef> = None;
            for arg in args.iter().rev() {
                let value = eval(arg, batch)?.into_array(rows)?;
                result = Some(match result {
                    None => value,
                    Some(rest) => {
                        let mask = kernel("coalesce", is_not_null(value.as_ref()))?;
                        kernel(
                            "coalesce",
                            arrow::compute::kernels::zip::zip(&mask, &value, &rest),
                        )?
                    }
                });
            }
            let result = result.unwrap_or_else(|| new_null_array(data_type, rows));
            Value::Array(cast_array(&result, data_type)?)
        }
        Bound::Function {
            kernel,
            args,
            data_type,
        } => {
            let values = args
                .iter()
                .map(|a| eval(a, batch))
                .collect::<Result<Vec<_>>>()?;
            // Functions of literals only are computed once.
            if !values.is_empty() && values.iter().all(|v| matches!(v, Value::Scalar(_))) {
                let arrays: Vec<ArrayRef> = values
                    .into_iter()
                    .map(|v| v.into_array(1))
                    .collect::<Result<_>>()?;
                Value::Scalar(call(kernel, &arrays, data_type, 1)?)
            } else {
                let arrays: Vec<ArrayRef> = values
                    .into_iter()
                    .map(|v| v.into_array(rows))
                    .collect::<Result<_>>()?;
                Value::Array(call(kernel, &arrays, data_type, rows)?)
            }
        }
    })
}

/// A function's values over `args`, in the type its binding gave.
fn call(kernel: &Kernel, args: &[ArrayRef], data_type: &DataType, rows: usize) -> Result<ArrayRef> {
    let out = kernel.invoke(args, rows)?;
    if out.data_type() == data_type {
        Ok(out)
    } else {
        cast_array(&out, data_type)
    }
}

fn scalar_or_array(a: &Value, b: &Value, out: ArrayRef) -> Result<Value> {
    Ok(if matches!((a, b), (Value::Scalar(_), Value::Scalar(_))) {
        Value::Scalar(out)
    } else {
        Value::Array(out)
    })
}

fn bool_array(a: ArrayRef) -> BooleanArray {
    match a.as_boolean_opt() {
        Some(b) => b.clone(),
        None => BooleanArray::new_null(a.len()),
    }
}

fn compare(op: BinaryOp, l: &Value, r: &Value, _rows: usize) -> Result<Value> {
    if l.data_type() == &DataType::Null || r.data_type() == &DataType::Null {
        if op == BinaryOp::NullSafeEq {
            // null <=> x is true exactly where x is null.
            let other = if l.data_type() == &DataType::Null {
                r
            } else {
                l
            };
            return other
                .clone()
                .map(|a| Ok(Arc::new(kernel("<=>", is_null(a.as_ref()))?) as ArrayRef));
        }
        return Ok(Value::Scalar(new_null_array(&DataType::Boolean, 1)));
    }
    // Spark compares doubles with -0.0 = 0.0 and one NaN, above every number.
    let (l, r) = if matches!(l.data_type(), DataType::Float64 | DataType::Float32) {
        let normalize = |v: &Value| match v {
            Value::Array(a) => Value::Array(normalize_floats(a)),
            Value::Scalar(s) => Value::Scalar(normalize_floats(s)),
        };
        (&normalize(l), &normalize(r))
    } else {
        (l, r)
    };
    let (ld, rd) = (l.datum(), r.datum());
    let (a, b) = (ld.as_ref(), rd.as_ref());
    let out = match op {
        BinaryOp::Eq => cmp::eq(a, b),
        BinaryOp::NotEq => cmp::neq(a, b),
        BinaryOp::Lt => cmp::lt(a, b),
        BinaryOp::LtEq => cmp::lt_eq(a, b),
        BinaryOp::Gt => cmp::gt(a, b),
        BinaryOp::GtEq => cmp::gt_eq(a, b),
        BinaryOp::NullSafeEq => cmp::not_distinct(a, b),
        _ => unreachable!("not a comparison"),
    };
    scalar_or_array(l, r, Arc::new(kernel("comparison", out)?))
}

/// Null where the value is zero (Spark's non-ANSI division and remainder by zero).
fn null_if_zero(v: Value) -> Result<Value> {
    v.map(|a| {
        let zero = cast_array(
            &(Arc::new(Int64Array::from(vec![0])) as ArrayRef),
            a.data_type(),
        )?;
        let is_zero = kernel("division", cmp::eq(a, &Scalar::new(zero)))?;
        kernel("division", nullif(a.as_ref(), &is_zero))
    })
}

fn arith(op: BinaryOp, l: Value, r: Value, data_type: &DataType) -> Result<Value> {
    if l.data_type() == &DataType::Null || r.data_type() == &DataType::Null {
        return Ok(Value::Scalar(new_null_array(data_type, 1)));
    }
    if let DataType::Decimal128(_, scale) = l.data_type() {
        let scale = *scale;
        return decimal_arith(op, &l, &r, scale, data_type);
    }
    let r = match op {
        BinaryOp::Divide | BinaryOp::IntDivide | BinaryOp::Modulo => null_if_zero(r)?,
        _ => r,
    };
    let (ld, rd) = (l.datum(), r.datum());
    let (a, b) = (ld.as_ref(), rd.as_ref());
    let out = match op {
        BinaryOp::Plus => numeric::add_wrapping(a, b),
        BinaryOp::Minus => numeric::sub_wrapping(a, b),
        BinaryOp::Multiply => numeric::mul_wrapping(a, b),
        BinaryOp::Divide | BinaryOp::IntDivide => numeric::div(a, b),
        BinaryOp::Modulo => numeric::rem(a, b),
        _ => unreachable!("not arithmetic"),
    };
    scalar_or_array(&l, &r, kernel("arithmetic", out)?)
}

/// Decimal arithmetic with Spark's rounding and null on overflow, over operands of one decimal
/// type at `scale`; a literal side stays one value.
fn decimal_arith(
    op: BinaryOp,
    l: &Value,
    r: &Value,
    scale: i8,
    data_type: &DataType,
) -> Result<Value> {
    use crate::types::decimal::{self, DecimalType};
    let values = |v: &Value| -> Result<Decimal128Array> {
        match v {
            Value::Array(a) | Value::Scalar(a) => a
                .as_primitive_opt::<Decimal128Type>()
                .cloned()
                .ok_or_else(|| {
                    Error::Internal("decimal arithmetic over a non-decimal operand".into())
                }),
        }
    };
    let (a, b) = (values(l)?, values(r)?);
    if op == BinaryOp::IntDivide {
        let out: Int64Array = binary_opt(&a, &b, decimal::integral_divide);
        return scalar_or_array(l, r, Arc::new(out));
    }
    let result = DecimalType::of(data_type)
        .ok_or_else(|| Error::Internal("decimal arithmetic with a non-decimal result".into()))?;
    let decimal_op = op
        .decimal_op()
        .ok_or_else(|| Error::Internal("not decimal arithmetic".into()))?;
    let out: Decimal128Array = binary_opt(&a, &b, |x, y| {
        decimal::apply(decimal_op, x, y, scale, result)
    });
    let out = out
        .with_precision_and_scale(result.precision, result.scale)
        .map_err(|e| Error::arrow("decimal arithmetic", e))?;
    scalar_or_array(l, r, Arc::new(out))
}

/// `f` over two decimal columns (either may be one value standing for all rows); None and a
/// null on either side give null.
fn binary_opt<O: arrow::datatypes::ArrowPrimitiveType>(
    a: &Decimal128Array,
    b: &Decimal128Array,
    f: impl Fn(i128, i128) -> Option<O::Native>,
) -> PrimitiveArray<O> {
    let one = |x: &Decimal128Array| (x.len() == 1).then(|| x.is_valid(0).then(|| x.value(0)));
    match (one(a), one(b)) {
        (_, Some(None)) | (Some(None), _) => PrimitiveArray::new_null(a.len().max(b.len())),
        (Some(Some(x)), Some(Some(y))) if a.len() == b.len() => {
            PrimitiveArray::from_iter([f(x, y)])
        }
        (_, Some(Some(y))) if b.len() != a.len() || a.len() > 1 => a.unary_opt(|x| f(x, y)),
        (Some(Some(x)), _) => b.unary_opt(|y| f(x, y)),
        _ => a.iter().zip(b.iter()).map(|(x, y)| f(x?, y?)).collect(),
    }
}

//! Aggregate functions: binding (`sum(x)` -> an `AggCall` with Spark's result type) and the
//! per-group accumulators the hash aggregation updates per task and merges across tasks
//! (DataFusion's Partial/Final split). Nulls are skipped; an empty group gives null (0 for count).

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, ArrowPrimitiveType, AsArray, Decimal128Array, Float64Array,
    Int64Array, PrimitiveArray,
};
use arrow::datatypes::{
    ArrowNativeTypeOp, DataType, Date32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType,
};
use arrow::row::{RowConverter, SortField};

use super::bind::{bind, Scope};
use super::bound::Bound;
use super::cast::cast_array;
use super::tree::Expr;
use crate::error::{Error, Result};
use crate::types::coerce::{is_integer, is_numeric};

#[derive(Debug, Clone, PartialEq)]
pub enum AggFunc {
    CountStar,
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    StddevSamp,
    StddevPop,
    VarSamp,
    VarPop,
    Percentile(f64),
}

/// A bound aggregate call: the function, its argument (evaluated per input batch), its type.
#[derive(Debug, Clone)]
pub struct AggCall {
    pub func: AggFunc,
    pub arg: Option<Bound>,
    pub data_type: DataType,
    /// The call as written, for names and explain.
    pub name: String,
}

fn arrow_err(what: &str) -> impl Fn(arrow::error::ArrowError) -> Error + '_ {
    move |e| Error::arrow(what.to_string(), e)
}

/// Bind an aggregate call (`expr.is_aggregate_call()`) over the aggregation's input scope.
pub fn bind_aggregate(expr: &Expr, scope: &Scope) -> Result<AggCall> {
    let Expr::Call {
        name,
        args,
        distinct,
        star,
    } = expr
    else {
        return Err(Error::usage(format!("not an aggregate: {}", expr.name())));
    };
    let display = expr.name();
    if args.iter().any(|a| a.contains_aggregate()) {
        return Err(Error::usage(format!(
            "aggregate functions cannot be nested: {display}"
        )));
    }
    if *star {
        return Ok(AggCall {
            func: AggFunc::CountStar,
            arg: None,
            data_type: DataType::Int64,
            name: display,
        });
    }
    let want = |n: usize| -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "{name} takes {n} argument{}: {display}",
                if n == 1 { "" } else { "s" }
            )))
        }
    };
    if *distinct && name != "count" {
        return Err(Error::usage(format!(
            "DISTINCT is supported in count only: {display}"
        )));
    }
    let (func, arg, data_type) = match name.as_str() {
        "count" => {
            if args.len() != 1 {
                return Err(Error::usage(format!(
                    "count takes one argument (or *): {display}"
                )));
            }
            let arg = bind(&args[0], scope)?;
            let func = if *distinct {
                AggFunc::CountDistinct
            } else if matches!(arg, Bound::Literal(ref v) if !v.is_null(0)) {
                AggFunc::CountStar
            } else {
                AggFunc::Count
            };
            (func, Some(arg), DataType::Int64)
        }
        "sum" => {
            want(1)?;
            let arg = bind(&args[0], scope)?;
            let (arg, t) = match arg.data_type() {
                t if is_integer(&t) => (arg.cast_to(&DataType::Int64), DataType::Int64),
                DataType::Decimal128(p, s) => (arg, DataType::Decimal128((p + 10).min(38), s)),
                t if is_numeric(&t) || t == DataType::Utf8 || t == DataType::Null => {
                    (arg.cast_to(&DataType::Float64), DataType::Float64)
                }
                other => return Err(not_numeric(&display, &other)),
            };
            (AggFunc::Sum, Some(arg), t)
        }
        "avg" | "mean" | "stddev" | "std" | "stddev_samp" | "stddev_pop" | "variance"
        | "var_samp" | "var_pop" => {
            want(1)?;
            let arg = bind(&args[0], scope)?;
            let t = arg.data_type();
            if !(is_numeric(&t) || t == DataType::Utf8 || t == DataType::Null) {
                return Err(not_numeric(&display, &t));
            }
            let func = match name.as_str() {
                "avg" | "mean" => AggFunc::Avg,
                "stddev_pop" => AggFunc::StddevPop,
                "variance" | "var_samp" => AggFunc::VarSamp,
                "var_pop" => AggFunc::VarPop,
                _ => AggFunc::StddevSamp,
            };
            (
                func,
                Some(arg.cast_to(&DataType::Float64)),
                DataType::Float64,
            )
        }
        "min" | "max" | "first" | "first_value" | "last" | "last_value" => {
            want(1)?;
            let arg = bind(&args[0], scope)?;
            let t = arg.data_type();
            let func = match name.as_str() {
                "min" => AggFunc::Min,
                "max" => AggFunc::Max,
                "first" | "first_value" => AggFunc::First,
                _ => AggFunc::Last,
            };
            (func, Some(arg), t)
        }
        "percentile_approx" | "approx_percentile" => {
            if !(2..=3).contains(&args.len()) {
                return Err(Error::usage(format!(
                    "percentile_approx takes 2 or 3 arguments: {display}"
                )));
            }
            let arg = bind(&args[0], scope)?;
            let t = arg.data_type();
            if !is_numeric(&t) && !matches!(t, DataType::Date32 | DataType::Timestamp(_, _)) {
                return Err(not_numeric(&display, &t));
            }
            let p = match bind(&args[1], scope)? {
                Bound::Literal(v) => cast_array(&v, &DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .iter()
                    .next()
                    .flatten(),
                _ => None,
            }
            .filter(|p| (0.0..=1.0).contains(p))
            .ok_or_else(|| {
                Error::usage(format!(
                    "the percentage of percentile_approx must be a literal between 0.0 and 1.0: {display}"
                ))
            })?;
            (AggFunc::Percentile(p), Some(arg), t)
        }
        _ => {
            return Err(Error::usage(format!(
                "aggregate function '{name}' is not supported: {display}"
            )))
        }
    };
    Ok(AggCall {
        func,
        arg,
        data_type,
        name: display,
    })
}

fn not_numeric(display: &str, t: &DataType) -> Error {
    Error::usage(format!(
        "'{display}' needs a numeric argument, not {}",
        crate::types::names::spark_type_name(t)
    ))
}

/// Per-group state of one aggregate call. Groups are dense indices assigned by the hash table.
pub trait Accumulator: Send + Sync {
    /// Fold `values` (None for count(*)) into groups: row i goes to `groups[i]`. `groups_len` is
    /// the number of groups the table has now.
    fn update(
        &mut self,
        groups: &[u32],
        groups_len: usize,
        values: Option<&ArrayRef>,
    ) -> Result<()>;
    /// Fold another accumulator of the same kind in: its group `from` goes to our group `to`.
    fn merge(
        &mut self,
        other: &dyn Accumulator,
        pairs: &[(u32, u32)],
        groups_len: usize,
    ) -> Result<()>;
    /// The result for groups 0..groups_len.
    fn finish(&self, groups_len: usize) -> Result<ArrayRef>;
    fn as_any(&self) -> &dyn Any;
}

impl AggCall {
    pub fn accumulator(&self) -> Result<Box<dyn Accumulator>> {
        let input = self.arg.as_ref().map(|a| a.data_type());
        Ok(match (&self.func, &self.data_type) {
            (AggFunc::CountStar | AggFunc::Count, _) => Box::new(Count {
                counts: Vec::new(),
                star: self.func == AggFunc::CountStar,
            }),
            (AggFunc::CountDistinct, _) => Box::new(CountDistinct {
                converter: RowConverter::new(vec![SortField::new(input.unwrap_or(DataType::Null))])
                    .map_err(arrow_err("count(DISTINCT)"))?,
                sets: Vec::new(),
            }),
            (AggFunc::Sum, DataType::Int64) => Box::new(Sum::<Int64Type>::default()),
            (AggFunc::Sum, DataType::Float64) => Box::new(Sum::<Float64Type>::default()),
            (AggFunc::Sum, DataType::Decimal128(p, s)) => Box::new(SumDecimal {
                sums: Vec::new(),
                seen: Vec::new(),
                precision: *p,
                scale: *s,
            }),
            (AggFunc::Avg, _) => Box::new(Moments::new(Stat::Mean)),
            (AggFunc::StddevSamp, _) => Box::new(Moments::new(Stat::StddevSamp)),
            (AggFunc::StddevPop, _) => Box::new(Moments::new(Stat::StddevPop)),
            (AggFunc::VarSamp, _) => Box::new(Moments::new(Stat::VarSamp)),
            (AggFunc::VarPop, _) => Box::new(Moments::new(Stat::VarPop)),
            (AggFunc::Min | AggFunc::Max, t) => {
                let max = self.func == AggFunc::Max;
                match t {
                    DataType::Int32 => Box::new(Extreme::<Int32Type>::new(max)),
                    DataType::Int64 => Box::new(Extreme::<Int64Type>::new(max)),
                    DataType::Float64 => Box::new(Extreme::<Float64Type>::new(max)),
                    DataType::Date32 => Box::new(Extreme::<Date32Type>::new(max)),
                    DataType::Timestamp(_, None) => {
                        Box::new(Extreme::<TimestampMicrosecondType>::new(max))
                    }
                    other => Box::new(RowPick::new(
                        other,
                        if max { Pick::Max } else { Pick::Min },
                    )?),
                }
            }
            (AggFunc::First, t) => Box::new(RowPick::new(t, Pick::First)?),
            (AggFunc::Last, t) => Box::new(RowPick::new(t, Pick::Last)?),
            (AggFunc::Percentile(p), t) => Box::new(Percentile {
                p: *p,
                values: Vec::new(),
                data_type: t.clone(),
            }),
            (func, t) => {
                return Err(Error::Dataset(format!(
                    "internal: no accumulator for {func:?} of {t}"
                )))
            }
        })
    }
}

fn downcast<T: 'static>(other: &dyn Accumulator) -> Result<&T> {
    other
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::Dataset("internal: merging accumulators of different kinds".into()))
}

struct Count {
    counts: Vec<i64>,
    star: bool,
}

impl Accumulator for Count {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.counts.resize(len, 0);
        match values.filter(|v| !self.star && v.null_count() > 0) {
            Some(v) => {
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        self.counts[*g as usize] += 1;
                    }
                }
            }
            None if values.is_some_and(|v| !self.star && v.data_type() == &DataType::Null) => {}
            None => {
                for g in groups {
                    self.counts[*g as usize] += 1;
                }
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Count>(other)?;
        self.counts.resize(len, 0);
        for (from, to) in pairs {
            self.counts[*to as usize] += other.counts.get(*from as usize).copied().unwrap_or(0);
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let mut counts = self.counts.clone();
        counts.resize(len, 0);
        Ok(Arc::new(Int64Array::from(counts)))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct Sum<T: ArrowPrimitiveType> {
    sums: Vec<T::Native>,
    seen: Vec<bool>,
}

impl<T: ArrowPrimitiveType> Default for Sum<T> {
    fn default() -> Self {
        Sum {
            sums: Vec::new(),
            seen: Vec::new(),
        }
    }
}

impl<T: ArrowPrimitiveType> Accumulator for Sum<T>
where
    T::Native: ArrowNativeTypeOp,
{
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sums.resize(len, T::Native::ZERO);
        self.seen.resize(len, false);
        let Some(values) = values.and_then(|v| v.as_primitive_opt::<T>()) else {
            return Ok(());
        };
        let raw = values.values();
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                let g = *g as usize;
                self.sums[g] = self.sums[g].add_wrapping(raw[i]);
                self.seen[g] = true;
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Sum<T>>(other)?;
        self.sums.resize(len, T::Native::ZERO);
        self.seen.resize(len, false);
        for (from, to) in pairs {
            let (from, to) = (*from as usize, *to as usize);
            if other.seen[from] {
                self.sums[to] = self.sums[to].add_wrapping(other.sums[from]);
                self.seen[to] = true;
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(PrimitiveArray::<T>::from_iter((0..len).map(
            |g| (g < self.seen.len() && self.seen[g]).then(|| self.sums[g]),
        ))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct SumDecimal {
    sums: Vec<i128>,
    seen: Vec<bool>,
    precision: u8,
    scale: i8,
}

impl Accumulator for SumDecimal {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sums.resize(len, 0);
        self.seen.resize(len, false);
        let Some(values) =
            values.and_then(|v| v.as_primitive_opt::<arrow::datatypes::Decimal128Type>())
        else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                self.sums[*g as usize] = self.sums[*g as usize].wrapping_add(values.value(i));
                self.seen[*g as usize] = true;
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<SumDecimal>(other)?;
        self.sums.resize(len, 0);
        self.seen.resize(len, false);
        for (from, to) in pairs {
            if other.seen[*from as usize] {
                self.sums[*to as usize] =
                    self.sums[*to as usize].wrapping_add(other.sums[*from as usize]);
                self.seen[*to as usize] = true;
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let array = Decimal128Array::from_iter(
            (0..len).map(|g| (g < self.seen.len() && self.seen[g]).then(|| self.sums[g])),
        )
        .with_precision_and_scale(self.precision, self.scale)
        .map_err(arrow_err("sum"))?;
        Ok(Arc::new(array))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Stat {
    Mean,
    StddevSamp,
    StddevPop,
    VarSamp,
    VarPop,
}

/// Count, mean and sum of squared deviations (Welford; Chan et al. to merge). The mean alone
/// (avg) is a plain sum / count, as Spark computes it.
struct Moments {
    stat: Stat,
    n: Vec<f64>,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl Moments {
    fn new(stat: Stat) -> Moments {
        Moments {
            stat,
            n: Vec::new(),
            mean: Vec::new(),
            m2: Vec::new(),
        }
    }
    fn resize(&mut self, len: usize) {
        self.n.resize(len, 0.0);
        self.mean.resize(len, 0.0);
        self.m2.resize(len, 0.0);
    }
}

impl Accumulator for Moments {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.resize(len);
        let Some(values) = values.and_then(|v| v.as_primitive_opt::<Float64Type>()) else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_null(i) {
                continue;
            }
            let (g, x) = (*g as usize, values.value(i));
            if self.stat == Stat::Mean {
                // `mean` holds the sum until finish.
                self.n[g] += 1.0;
                self.mean[g] += x;
                continue;
            }
            self.n[g] += 1.0;
            let delta = x - self.mean[g];
            self.mean[g] += delta / self.n[g];
            self.m2[g] += delta * (x - self.mean[g]);
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Moments>(other)?;
        self.resize(len);
        for (from, to) in pairs {
            let (f, t) = (*from as usize, *to as usize);
            if other.n[f] == 0.0 {
                continue;
            }
            if self.stat == Stat::Mean {
                self.n[t] += other.n[f];
                self.mean[t] += other.mean[f];
                continue;
            }
            let n = self.n[t] + other.n[f];
            let delta = other.mean[f] - self.mean[t];
            self.mean[t] += delta * other.n[f] / n;
            self.m2[t] += other.m2[f] + delta * delta * self.n[t] * other.n[f] / n;
            self.n[t] = n;
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(Float64Array::from_iter((0..len).map(|g| {
            let n = *self.n.get(g)?;
            match self.stat {
                Stat::Mean => (n > 0.0).then(|| self.mean[g] / n),
                Stat::VarPop => (n > 0.0).then(|| self.m2[g] / n),
                Stat::StddevPop => (n > 0.0).then(|| (self.m2[g] / n).sqrt()),
                // Spark 3.x: null for a single value (no legacy statistical aggregate).
                Stat::VarSamp => (n > 1.0).then(|| self.m2[g] / (n - 1.0)),
                Stat::StddevSamp => (n > 1.0).then(|| (self.m2[g] / (n - 1.0)).sqrt()),
            }
        }))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// min / max of a primitive column (NaN is the largest double, as in Spark).
struct Extreme<T: ArrowPrimitiveType> {
    best: Vec<Option<T::Native>>,
    max: bool,
}

impl<T: ArrowPrimitiveType> Extreme<T> {
    fn new(max: bool) -> Self {
        Extreme {
            best: Vec::new(),
            max,
        }
    }
    #[inline]
    fn offer(&mut self, g: usize, v: T::Native) {
        let better = match self.best[g] {
            None => true,
            Some(b) => {
                if self.max {
                    v.is_gt(b)
                } else {
                    v.is_lt(b)
                }
            }
        };
        if better {
            self.best[g] = Some(v);
        }
    }
}

impl<T: ArrowPrimitiveType> Accumulator for Extreme<T> {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.best.resize(len, None);
        let Some(values) = values.and_then(|v| v.as_primitive_opt::<T>()) else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                self.offer(*g as usize, values.value(i));
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Extreme<T>>(other)?;
        self.best.resize(len, None);
        for (from, to) in pairs {
            if let Some(v) = other.best[*from as usize] {
                self.offer(*to as usize, v);
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let array =
            PrimitiveArray::<T>::from_iter((0..len).map(|g| self.best.get(g).copied().flatten()));
        Ok(Arc::new(array))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Pick {
    Min,
    Max,
    First,
    Last,
}

/// min / max / first / last of any type, through arrow's row format (which orders like Spark).
/// Values are kept as row bytes, so accumulators of different tasks merge by comparing bytes.
struct RowPick {
    converter: RowConverter,
    data_type: DataType,
    pick: Pick,
    /// Per group: None = no value yet; Some(None) = first/last saw a null.
    best: Vec<Option<Option<Box<[u8]>>>>,
}

impl RowPick {
    fn new(data_type: &DataType, pick: Pick) -> Result<RowPick> {
        Ok(RowPick {
            converter: RowConverter::new(vec![SortField::new(data_type.clone())])
                .map_err(arrow_err("min/max"))?,
            data_type: data_type.clone(),
            pick,
            best: Vec::new(),
        })
    }
    fn offer(&mut self, g: usize, value: Option<&[u8]>) {
        let current = &mut self.best[g];
        let replace = match (self.pick, &*current, value) {
            (Pick::First, None, _) => true,
            (Pick::First, Some(_), _) => false,
            (Pick::Last, _, _) => true,
            (_, _, None) => false,
            (_, None, Some(_)) | (_, Some(None), Some(_)) => true,
            (Pick::Min, Some(Some(b)), Some(r)) => r < &b[..],
            (Pick::Max, Some(Some(b)), Some(r)) => r > &b[..],
        };
        if replace {
            *current = Some(value.map(|v| v.into()));
        }
    }
}

impl Accumulator for RowPick {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.best.resize(len, None);
        let Some(values) = values else { return Ok(()) };
        let rows = self
            .converter
            .convert_columns(std::slice::from_ref(values))
            .map_err(arrow_err("min/max"))?;
        for (i, g) in groups.iter().enumerate() {
            let value = values.is_valid(i).then(|| rows.row(i));
            self.offer(*g as usize, value.as_ref().map(|r| r.as_ref()));
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<RowPick>(other)?;
        self.best.resize(len, None);
        for (from, to) in pairs {
            if let Some(value) = &other.best[*from as usize] {
                self.offer(*to as usize, value.as_deref());
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        // Convert the non-null picks back and scatter them among nulls.
        let present: Vec<(usize, &[u8])> = (0..len)
            .filter_map(|g| match self.best.get(g) {
                Some(Some(Some(bytes))) => Some((g, &bytes[..])),
                _ => None,
            })
            .collect();
        if present.is_empty() {
            return Ok(new_null_array(&self.data_type, len));
        }
        let parser = self.converter.parser();
        let columns = self
            .converter
            .convert_rows(present.iter().map(|(_, bytes)| parser.parse(bytes)))
            .map_err(arrow_err("min/max"))?;
        let mut indices: Vec<Option<u32>> = vec![None; len];
        for (i, (g, _)) in present.iter().enumerate() {
            indices[*g] = Some(i as u32);
        }
        arrow::compute::take(
            columns[0].as_ref(),
            &arrow::array::UInt32Array::from(indices),
            None,
        )
        .map_err(arrow_err("min/max"))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct CountDistinct {
    converter: RowConverter,
    sets: Vec<HashSet<Box<[u8]>>>,
}

impl Accumulator for CountDistinct {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sets.resize_with(len, HashSet::new);
        let Some(values) = values else { return Ok(()) };
        let rows = self
            .converter
            .convert_columns(std::slice::from_ref(values))
            .map_err(arrow_err("count(DISTINCT)"))?;
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                let set = &mut self.sets[*g as usize];
                let row = rows.row(i);
                if !set.contains(row.as_ref()) {
                    set.insert(row.as_ref().into());
                }
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<CountDistinct>(other)?;
        self.sets.resize_with(len, HashSet::new);
        for (from, to) in pairs {
            for value in &other.sets[*from as usize] {
                if !self.sets[*to as usize].contains(value) {
                    self.sets[*to as usize].insert(value.clone());
                }
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(Int64Array::from_iter_values(
            (0..len).map(|g| self.sets.get(g).map_or(0, |s| s.len() as i64)),
        )))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// percentile_approx: the values are kept per group, and the answer is the value of rank
/// ceil(p * n), which is what Spark's summary returns while it holds every value (its default
/// accuracy keeps 10,000 per group exactly).
struct Percentile {
    p: f64,
    values: Vec<Vec<f64>>,
    data_type: DataType,
}

impl Accumulator for Percentile {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.values.resize_with(len, Vec::new);
        let Some(values) = values else { return Ok(()) };
        let doubles = match values.data_type() {
            DataType::Date32 => {
                cast_array(&cast_array(values, &DataType::Int32)?, &DataType::Float64)?
            }
            DataType::Timestamp(_, _) => cast_array(
                &(Arc::new(
                    values
                        .as_primitive::<TimestampMicrosecondType>()
                        .reinterpret_cast::<Int64Type>(),
                ) as ArrayRef),
                &DataType::Float64,
            )?,
            _ => cast_array(values, &DataType::Float64)?,
        };
        let doubles = doubles.as_primitive::<Float64Type>();
        for (i, g) in groups.iter().enumerate() {
            if doubles.is_valid(i) {
                self.values[*g as usize].push(doubles.value(i));
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Percentile>(other)?;
        self.values.resize_with(len, Vec::new);
        for (from, to) in pairs {
            let extra = other.values[*from as usize].clone();
            self.values[*to as usize].extend(extra);
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let picked = Float64Array::from_iter((0..len).map(|g| {
            let mut values = self.values.get(g)?.clone();
            if values.is_empty() {
                return None;
            }
            values.sort_by(|a, b| a.total_cmp(b));
            let rank = (self.p * values.len() as f64).ceil().max(1.0) as usize;
            Some(values[rank.min(values.len()) - 1])
        }));
        let picked: ArrayRef = Arc::new(picked);
        match &self.data_type {
            DataType::Date32 => {
                cast_array(&cast_array(&picked, &DataType::Int32)?, &DataType::Date32)
            }
            DataType::Timestamp(_, _) => {
                let micros = cast_array(&picked, &DataType::Int64)?;
                Ok(Arc::new(
                    micros
                        .as_primitive::<Int64Type>()
                        .reinterpret_cast::<TimestampMicrosecondType>(),
                ))
            }
            t => cast_array(&picked, t),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

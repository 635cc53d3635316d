//! `avg` and the dispersion aggregates (`stddev`, `variance` and their sample/population forms),
//! over doubles.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type};

use super::accumulator::{downcast, Accumulator};
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;
use crate::types::decimal::DecimalType;

pub const FUNCTIONS: &[AggregateFunction] = &[
    AggregateFunction {
        names: &["avg", "mean"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::Mean),
    },
    AggregateFunction {
        names: &["stddev", "std"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::StddevSamp),
    },
    AggregateFunction {
        names: &["stddev_samp"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::StddevSamp),
    },
    AggregateFunction {
        names: &["stddev_pop"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::StddevPop),
    },
    AggregateFunction {
        names: &["variance", "var_samp"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::VarSamp),
    },
    AggregateFunction {
        names: &["var_pop"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| moment(call, args, Stat::VarPop),
    },
];

fn moment(call: &AggregateCall, mut args: Vec<Bound>, stat: Stat) -> Result<AggCall> {
    call.arity(1, &args)?;
    let arg = args.remove(0);
    call.numeric(&arg)?;
    if let (Stat::Mean, Some(d)) = (stat, DecimalType::of(&arg.data_type())) {
        return Ok(super::sum::decimal_average(call, arg, d));
    }
    Ok(call.bound(
        Some(arg.cast_to(&DataType::Float64)),
        DataType::Float64,
        move |_, _| Ok(Box::new(Moments::new(stat))),
    ))
}

#[derive(Clone, Copy, PartialEq)]
enum Stat {
    Mean,
    StddevSamp,
    StddevPop,
    VarSamp,
    VarPop,
}

/// Count, mean and sum of squared deviations, updated and merged with Spark's CentralMomentAgg
/// formulas (Welford; Chan et al.). The mean alone (avg) is a plain sum / count, as Spark's.
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
            // Spark's CentralMomentAgg, operation for operation, so the last digit agrees.
            let n = self.n[g] + 1.0;
            let delta = x - self.mean[g];
            let delta_n = delta / n;
            self.mean[g] += delta_n;
            self.m2[g] += delta * (delta - delta_n);
            self.n[g] = n;
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
            // CentralMomentAgg's merge: avg1 + deltaN * n2 and m2 + m2' + delta * deltaN * n1 * n2.
            let (n1, n2) = (self.n[t], other.n[f]);
            let n = n1 + n2;
            let delta = other.mean[f] - self.mean[t];
            let delta_n = if n == 0.0 { 0.0 } else { delta / n };
            self.mean[t] += delta_n * n2;
            self.m2[t] = self.m2[t] + other.m2[f] + delta * delta_n * n1 * n2;
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

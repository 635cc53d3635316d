//! `avg`, the dispersion aggregates (`stddev`, `variance` and their sample/population forms)
//! and the pair statistics (`covar_pop`, `covar_samp`, `corr`), over doubles.

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
        distinct: true,
        bind: |call, args| moment(call, args, Stat::Mean),
    },
    AggregateFunction {
        names: &["stddev", "std"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| moment(call, args, Stat::StddevSamp),
    },
    AggregateFunction {
        names: &["stddev_samp"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| moment(call, args, Stat::StddevSamp),
    },
    AggregateFunction {
        names: &["stddev_pop"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| moment(call, args, Stat::StddevPop),
    },
    AggregateFunction {
        names: &["variance", "var_samp"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| moment(call, args, Stat::VarSamp),
    },
    AggregateFunction {
        names: &["var_pop"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| moment(call, args, Stat::VarPop),
    },
    AggregateFunction {
        names: &["covar_pop"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| pair(call, args, PairStat::CovarPop),
    },
    AggregateFunction {
        names: &["covar_samp"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| pair(call, args, PairStat::CovarSamp),
    },
    AggregateFunction {
        names: &["corr"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| pair(call, args, PairStat::Corr),
    },
];

/// covar_pop(x, y), covar_samp(x, y), corr(x, y): over the rows where neither is null.
fn pair(call: &AggregateCall, args: Vec<Bound>, stat: PairStat) -> Result<AggCall> {
    call.arity(2, &args)?;
    for arg in &args {
        call.numeric(arg)?;
    }
    let args = args
        .into_iter()
        .map(|a| a.cast_to(&DataType::Float64))
        .collect();
    Ok(call.bound(
        Some(super::distinct::tuple_argument(args)),
        DataType::Float64,
        move |_, _| Ok(Box::new(PairMoments::new(stat))),
    ))
}

#[derive(Clone, Copy, PartialEq)]
enum PairStat {
    CovarPop,
    CovarSamp,
    Corr,
}

/// Spark's Covariance and PearsonCorrelation buffers (n, means, co-moment, and for corr each
/// side's second moment), updated and merged with its formulas.
struct PairMoments {
    stat: PairStat,
    /// Per group: n, x mean, y mean, ck, x moment, y moment.
    state: Vec<[f64; 6]>,
}

impl PairMoments {
    fn new(stat: PairStat) -> PairMoments {
        PairMoments {
            stat,
            state: Vec::new(),
        }
    }
}

impl Accumulator for PairMoments {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.state.resize(len, [0.0; 6]);
        let Some(pairs) = values.and_then(|v| v.as_struct_opt()) else {
            return Ok(());
        };
        let xs = pairs.column(0).as_primitive::<Float64Type>();
        let ys = pairs.column(1).as_primitive::<Float64Type>();
        for (i, g) in groups.iter().enumerate() {
            if pairs.is_null(i) {
                continue;
            }
            let (x, y) = (xs.value(i), ys.value(i));
            let [n, x_avg, y_avg, ck, x_mk, y_mk] = &mut self.state[*g as usize];
            let new_n = *n + 1.0;
            let dx = x - *x_avg;
            let dy = y - *y_avg;
            let new_x_avg = *x_avg + dx / new_n;
            let new_y_avg = *y_avg + dy / new_n;
            *ck += dx * (y - new_y_avg);
            *x_mk += dx * (x - new_x_avg);
            *y_mk += dy * (y - new_y_avg);
            *n = new_n;
            *x_avg = new_x_avg;
            *y_avg = new_y_avg;
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<PairMoments>(other)?;
        self.state.resize(len, [0.0; 6]);
        for (from, to) in pairs {
            let [n2, x2, y2, ck2, xm2, ym2] = other.state[*from as usize];
            let [n1, x1, y1, ck1, xm1, ym1] = self.state[*to as usize];
            let n = n1 + n2;
            let dx = x2 - x1;
            let dx_n = if n == 0.0 { 0.0 } else { dx / n };
            let dy = y2 - y1;
            let dy_n = if n == 0.0 { 0.0 } else { dy / n };
            self.state[*to as usize] = [
                n,
                x1 + dx_n * n2,
                y1 + dy_n * n2,
                ck1 + ck2 + dx * dy_n * n1 * n2,
                xm1 + xm2 + dx * dx_n * n1 * n2,
                ym1 + ym2 + dy * dy_n * n1 * n2,
            ];
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(Float64Array::from_iter((0..len).map(|g| {
            let [n, _, _, ck, x_mk, y_mk] = *self.state.get(g)?;
            // Spark 3.x: null for a single pair (no legacy statistical aggregate).
            match self.stat {
                PairStat::CovarPop => (n > 0.0).then(|| ck / n),
                PairStat::CovarSamp => (n > 1.0).then(|| ck / (n - 1.0)),
                // Spark's division gives null for a zero divisor (a constant side).
                PairStat::Corr => {
                    let spread = (x_mk * y_mk).sqrt();
                    (n > 1.0 && spread != 0.0).then(|| ck / spread)
                }
            }
        }))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

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

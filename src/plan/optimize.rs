//! The optimizer: rewrites that keep results and read less.
//! - Predicate pushdown: filters move below projections, sorts and into joins' sides, and end in
//!   scans, where they are applied while reading and used to skip Parquet row groups and
//!   `col=value` directories.
//! - Limit pushdown: LIMIT over ORDER BY becomes a top-N sort; a limit reaches a scan so
//!   reading stops early.
//! - Projection pushdown: only the columns some operator uses are read.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow::datatypes::{Field, Schema};

use super::{JoinType, Plan, Scan, SortKey};
use crate::expr::Bound;

pub fn optimize(plan: Plan) -> Plan {
    let plan = push_filters(plan);
    let plan = push_limits(plan, None);
    let width = plan.schema().fields().len();
    let (plan, map) = prune(plan, &(0..width).collect());
    push_top_n(restore_columns(plan, &map, width))
}

/// Tell a scan under a top-N sort (directly, or through a projection of plain columns) which
/// rows the sort keeps, so that a Parquet scan reads the key columns first and the other
/// columns only for the rows that can make the cut.
fn push_top_n(plan: Plan) -> Plan {
    match plan {
        Plan::Sort {
            input,
            keys,
            limit: Some(n),
        } => {
            let input = push_top_n(*input);
            let through_columns = |exprs: &[Bound]| -> Option<Vec<usize>> {
                exprs
                    .iter()
                    .map(|e| match e {
                        Bound::Column { index, .. } => Some(*index),
                        _ => None,
                    })
                    .collect()
            };
            let input = match input {
                Plan::Scan(mut scan) if scan.limit.is_none() => {
                    let columns = scan.columns.clone();
                    scan.top_n = Some(top_n_over(&keys, n, &|i| columns[i]));
                    Plan::Scan(scan)
                }
                Plan::Project {
                    input: project_input,
                    exprs,
                    schema,
                } => match (*project_input, through_columns(&exprs)) {
                    (Plan::Scan(mut scan), Some(picked)) if scan.limit.is_none() => {
                        let columns = scan.columns.clone();
                        scan.top_n = Some(top_n_over(&keys, n, &|i| columns[picked[i]]));
                        Plan::Project {
                            input: Box::new(Plan::Scan(scan)),
                            exprs,
                            schema,
                        }
                    }
                    (other, _) => Plan::Project {
                        input: Box::new(other),
                        exprs,
                        schema,
                    },
                },
                other => other,
            };
            Plan::Sort {
                input: Box::new(input),
                keys,
                limit: Some(n),
            }
        }
        other => other.map_children(push_top_n),
    }
}

/// The top-N of `keys` (over a scan's output) with columns mapped to the dataset's by `to_dataset`.
fn top_n_over(keys: &[SortKey], n: usize, to_dataset: &dyn Fn(usize) -> usize) -> super::TopN {
    super::TopN {
        keys: keys
            .iter()
            .map(|k| SortKey {
                expr: k.expr.remap(to_dataset),
                descending: k.descending,
                nulls_first: k.nulls_first,
            })
            .collect(),
        n,
    }
}

fn columns_of(b: &Bound) -> Vec<usize> {
    let mut out = Vec::new();
    b.columns(&mut out);
    out
}

/// Substitute column i by `exprs[i]` (moving a predicate below a projection).
fn substitute(predicate: &Bound, exprs: &[Bound]) -> Bound {
    predicate.transform(&|e| match e {
        Bound::Column { index, .. } => Some(exprs[*index].clone()),
        _ => None,
    })
}

fn filter(input: Plan, predicates: Vec<Bound>) -> Plan {
    match Bound::conjunction(predicates) {
        Some(predicate) => Plan::Filter {
            input: Box::new(input),
            predicate,
        },
        None => input,
    }
}

fn push_filters(plan: Plan) -> Plan {
    match plan {
        Plan::Filter { input, predicate } => {
            let input = push_filters(*input);
            push_into(input, predicate.split_conjunction())
        }
        other => other.map_children(push_filters),
    }
}

/// Place `predicates` (over `plan`'s output) as deep as they can go.
fn push_into(plan: Plan, predicates: Vec<Bound>) -> Plan {
    if predicates.is_empty() {
        return plan;
    }
    match plan {
        Plan::Scan(mut scan) => {
            let columns = scan.columns.clone();
            scan.filters
                .extend(predicates.iter().map(|p| p.remap(&|i| columns[i])));
            Plan::Scan(scan)
        }
        Plan::Filter { input, predicate } => {
            let mut all = predicate.split_conjunction();
            all.extend(predicates);
            push_into(*input, all)
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let moved = predicates.iter().map(|p| substitute(p, &exprs)).collect();
            Plan::Project {
                input: Box::new(push_into(*input, moved)),
                exprs,
                schema,
            }
        }
        Plan::Sort {
            input,
            keys,
            limit: None,
        } => Plan::Sort {
            input: Box::new(push_into(*input, predicates)),
            keys,
            limit: None,
        },
        Plan::Aggregate {
            input,
            keys,
            aggs,
            schema,
        } => {
            // Conditions on grouping keys only can filter rows before grouping. Not below a
            // global aggregate: it gives its one row even when no row reaches it, so a
            // condition (say a constant false one) must stay above it.
            let (on_keys, rest): (Vec<Bound>, Vec<Bound>) = predicates
                .into_iter()
                .partition(|p| !keys.is_empty() && columns_of(p).iter().all(|&c| c < keys.len()));
            let moved = on_keys.iter().map(|p| substitute(p, &keys)).collect();
            filter(
                Plan::Aggregate {
                    input: Box::new(push_into(*input, moved)),
                    keys,
                    aggs,
                    schema,
                },
                rest,
            )
        }
        Plan::Join {
            left,
            right,
            how,
            left_keys,
            right_keys,
            residual,
            output,
            schema,
        } => {
            let left_len = left.schema().fields().len();
            let mut to_left = Vec::new();
            let mut to_right = Vec::new();
            let mut rest = Vec::new();
            for above in predicates {
                // The predicate over the whole concatenation of the sides' columns.
                let p = match &output {
                    Some(output) => above.remap(&|i| output[i]),
                    None => above.clone(),
                };
                let cols = columns_of(&p);
                let left_only = cols.iter().all(|&c| c < left_len);
                let right_only = !cols.is_empty() && cols.iter().all(|&c| c >= left_len);
                // A filter on the side whose rows are all kept (the preserved side) may go below;
                // on the side padded with nulls it must stay above.
                if left_only
                    && matches!(
                        how,
                        JoinType::Inner
                            | JoinType::Left
                            | JoinType::Single
                            | JoinType::Semi
                            | JoinType::Anti
                            | JoinType::NullAwareAnti
                    )
                {
                    to_left.push(p);
                } else if right_only && matches!(how, JoinType::Inner | JoinType::Right) {
                    to_right.push(p.remap(&|i| i - left_len));
                } else {
                    rest.push(above);
                }
            }
            filter(
                Plan::Join {
                    left: Box::new(push_into(*left, to_left)),
                    right: Box::new(push_into(*right, to_right)),
                    how,
                    left_keys,
                    right_keys,
                    residual,
                    output,
                    schema,
                },
                rest,
            )
        }
        Plan::Union { inputs, schema } => Plan::Union {
            inputs: inputs
                .into_iter()
                .map(|i| push_into(i, predicates.clone()))
                .collect(),
            schema,
        },
        other => filter(other, predicates),
    }
}

/// Push a row limit (`limit`: at most that many rows are needed from `plan`) downwards.
fn push_limits(plan: Plan, limit: Option<usize>) -> Plan {
    match plan {
        Plan::Limit { input, n, skip } => {
            // `limit` rows of the output are the first limit + skip of the input.
            let n = limit.map_or(n, |l| l.saturating_add(skip).min(n));
            // OFFSET without LIMIT (n = usize::MAX) limits nothing below it.
            let inner = push_limits(*input, (n != usize::MAX).then_some(n));
            // Keep the limit itself unless the child already stops at n and nothing is skipped.
            match inner {
                Plan::Sort { limit: Some(k), .. } if k <= n && skip == 0 => inner,
                Plan::Limit { n: k, skip: 0, .. } if k <= n && skip == 0 => inner,
                other => Plan::Limit {
                    input: Box::new(other),
                    n,
                    skip,
                },
            }
        }
        Plan::Sort {
            input,
            keys,
            limit: own,
        } => {
            let limit = match (own, limit) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            Plan::Sort {
                input: Box::new(push_limits(*input, None)),
                keys,
                limit,
            }
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => Plan::Project {
            input: Box::new(push_limits(*input, limit)),
            exprs,
            schema,
        },
        Plan::Scan(mut scan) => {
            if scan.filters.is_empty() {
                scan.limit = match (scan.limit, limit) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            Plan::Scan(scan)
        }
        Plan::Union { inputs, schema } => Plan::Union {
            inputs: inputs
                .into_iter()
                .map(|i| match limit {
                    Some(n) => push_limits(
                        Plan::Limit {
                            input: Box::new(i),
                            n,
                            skip: 0,
                        },
                        None,
                    ),
                    None => push_limits(i, None),
                })
                .collect(),
            schema,
        },
        other => other.map_children(|p| push_limits(p, None)),
    }
}

/// Keep only the columns of `plan` that `required` (positions in its output) and its own
/// operators need. Returns the new plan and, for every old output position still present,
/// its new position (`usize::MAX` for dropped ones).
fn prune(plan: Plan, required: &BTreeSet<usize>) -> (Plan, Vec<usize>) {
    let width = plan.schema().fields().len();
    match plan {
        Plan::OneRow => (Plan::OneRow, Vec::new()),
        // One column, generated: nothing to leave out.
        range @ Plan::Range { .. } => (range, vec![0]),
        Plan::Scan(mut scan) => {
            let mut map = vec![usize::MAX; width];
            let mut columns = Vec::new();
            for &i in required {
                map[i] = columns.len();
                columns.push(scan.columns[i]);
            }
            scan.columns = columns;
            (Plan::Scan(scan), map)
        }
        Plan::Filter { input, predicate } => {
            let mut need = required.clone();
            need.extend(columns_of(&predicate));
            let (input, map) = prune(*input, &need);
            let predicate = predicate.remap(&|i| map[i]);
            (
                Plan::Filter {
                    input: Box::new(input),
                    predicate,
                },
                map,
            )
        }
        Plan::Sort { input, keys, limit } => {
            let mut need = required.clone();
            for k in &keys {
                need.extend(columns_of(&k.expr));
            }
            let (input, map) = prune(*input, &need);
            let keys = keys
                .into_iter()
                .map(|k| SortKey {
                    expr: k.expr.remap(&|i| map[i]),
                    ..k
                })
                .collect();
            (
                Plan::Sort {
                    input: Box::new(input),
                    keys,
                    limit,
                },
                map,
            )
        }
        Plan::Limit { input, n, skip } => {
            let (input, map) = prune(*input, required);
            (
                Plan::Limit {
                    input: Box::new(input),
                    n,
                    skip,
                },
                map,
            )
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let kept: Vec<usize> = required.iter().copied().collect();
            let mut need = BTreeSet::new();
            for &i in &kept {
                need.extend(columns_of(&exprs[i]));
            }
            let (input, inner) = prune(*input, &need);
            let mut map = vec![usize::MAX; width];
            let mut new_exprs = Vec::new();
            let mut fields: Vec<Field> = Vec::new();
            for &i in &kept {
                map[i] = new_exprs.len();
                new_exprs.push(exprs[i].remap(&|c| inner[c]));
                fields.push(schema.field(i).clone());
            }
            (
                Plan::Project {
                    input: Box::new(input),
                    exprs: new_exprs,
                    schema: Arc::new(Schema::new(fields)),
                },
                map,
            )
        }
        Plan::Aggregate {
            input,
            keys,
            aggs,
            schema,
        } => {
            let mut need = BTreeSet::new();
            for k in &keys {
                need.extend(columns_of(k));
            }
            for a in &aggs {
                if let Some(arg) = &a.arg {
                    need.extend(columns_of(arg));
                }
            }
            let (input, inner) = prune(*input, &need);
            let keys = keys.iter().map(|k| k.remap(&|c| inner[c])).collect();
            let aggs = aggs
                .into_iter()
                .map(|mut a| {
                    a.arg = a.arg.map(|arg| arg.remap(&|c| inner[c]));
                    a
                })
                .collect();
            (
                Plan::Aggregate {
                    input: Box::new(input),
                    keys,
                    aggs,
                    schema,
                },
                (0..width).collect(),
            )
        }
        Plan::Join {
            left,
            right,
            how,
            left_keys,
            right_keys,
            residual,
            output,
            schema: _,
        } => {
            let left_len = left.schema().fields().len();
            // The required columns as columns of the sides' concatenation.
            let required: Vec<usize> = match &output {
                Some(output) => required.iter().map(|&i| output[i]).collect(),
                None => required.iter().copied().collect(),
            };
            let mut need_left = BTreeSet::new();
            let mut need_right = BTreeSet::new();
            for &i in &required {
                if i < left_len {
                    need_left.insert(i);
                } else {
                    need_right.insert(i - left_len);
                }
            }
            for k in &left_keys {
                need_left.extend(columns_of(k));
            }
            for k in &right_keys {
                need_right.extend(columns_of(k));
            }
            if let Some(r) = &residual {
                for c in columns_of(r) {
                    if c < left_len {
                        need_left.insert(c);
                    } else {
                        need_right.insert(c - left_len);
                    }
                }
            }
            let (left, lmap) = prune(*left, &need_left);
            let (right, rmap) = prune(*right, &need_right);
            let new_left_len = left.schema().fields().len();
            let joined = |c: usize| {
                if c < left_len {
                    lmap[c]
                } else {
                    new_left_len + rmap[c - left_len]
                }
            };
            let residual = residual.map(|r| r.remap(&joined));
            let left_keys = left_keys.iter().map(|k| k.remap(&|c| lmap[c])).collect();
            let right_keys = right_keys.iter().map(|k| k.remap(&|c| rmap[c])).collect();
            let mut all: Vec<Field> = left
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            if how.keeps_right() {
                all.extend(right.schema().fields().iter().map(|f| f.as_ref().clone()));
            }
            // The join returns only the columns wanted above it, in their order: keys and
            // columns only the residual reads are never gathered.
            let mut wanted: Vec<usize> = required.iter().map(|&c| joined(c)).collect();
            wanted.sort_unstable();
            wanted.dedup();
            // Where a column of the concatenation went (MAX: left out).
            let place = |c: usize| {
                let pruned = if c < left_len {
                    lmap[c]
                } else {
                    rmap[c - left_len]
                };
                if pruned == usize::MAX {
                    return usize::MAX;
                }
                wanted.binary_search(&joined(c)).unwrap_or(usize::MAX)
            };
            let map = match &output {
                Some(output) => (0..width).map(|i| place(output[i])).collect(),
                None => (0..width).map(place).collect(),
            };
            let fields: Vec<Field> = wanted.iter().map(|&c| all[c].clone()).collect();
            let output = (wanted.len() != all.len()).then_some(wanted);
            (
                Plan::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    how,
                    left_keys,
                    right_keys,
                    residual,
                    output,
                    schema: Arc::new(Schema::new(fields)),
                },
                map,
            )
        }
        // A window keeps the input columns wanted above it and those its functions read.
        Plan::Window {
            input,
            functions,
            schema,
        } => {
            let input_width = input.schema().fields().len();
            let mut need: BTreeSet<usize> = required
                .iter()
                .copied()
                .filter(|&c| c < input_width)
                .collect();
            for f in &functions {
                let mut read = Vec::new();
                f.columns(&mut read);
                need.extend(read);
            }
            let (input, inner) = prune(*input, &need);
            let kept_width = input.schema().fields().len();
            let functions: Vec<_> = functions.iter().map(|f| f.remap(&|c| inner[c])).collect();
            let mut fields: Vec<Field> = input
                .schema()
                .fields()
                .iter()
                .map(|f| f.as_ref().clone())
                .collect();
            fields.extend(
                schema.fields()[input_width..]
                    .iter()
                    .map(|f| f.as_ref().clone()),
            );
            let map = (0..width)
                .map(|c| {
                    if c < input_width {
                        inner[c]
                    } else {
                        kept_width + (c - input_width)
                    }
                })
                .collect();
            (
                Plan::Window {
                    input: Box::new(input),
                    functions,
                    schema: Arc::new(Schema::new(fields)),
                },
                map,
            )
        }
        // Generators see every input column (kept as they are).
        plan @ Plan::Generate { .. } => (
            plan.map_children(|input| {
                let inner_width = input.schema().fields().len();
                let all: BTreeSet<usize> = (0..inner_width).collect();
                let (input, map) = prune(input, &all);
                restore_columns(input, &map, inner_width)
            }),
            (0..width).collect(),
        ),
        Plan::Union { inputs, schema } => {
            // Positions must line up across inputs: every input keeps all its columns.
            let all: BTreeSet<usize> = (0..width).collect();
            let inputs = inputs
                .into_iter()
                .map(|i| {
                    let (p, map) = prune(i, &all);
                    restore_columns(p, &map, width)
                })
                .collect();
            (Plan::Union { inputs, schema }, (0..width).collect())
        }
    }
}

/// Put the original output columns back in order when pruning left extra or moved columns.
fn restore_columns(plan: Plan, map: &[usize], width: usize) -> Plan {
    let schema = plan.schema();
    if schema.fields().len() == width && map.iter().enumerate().all(|(i, &m)| i == m) {
        return plan;
    }
    let exprs = map
        .iter()
        .map(|&m| Bound::column(m, schema.field(m).data_type().clone()))
        .collect();
    let fields: Vec<Field> = map.iter().map(|&m| schema.field(m).clone()).collect();
    Plan::Project {
        input: Box::new(plan),
        exprs,
        schema: Arc::new(Schema::new(fields)),
    }
}

#[allow(dead_code)]
fn scan_of(plan: &Plan) -> Option<&Scan> {
    match plan {
        Plan::Scan(s) => Some(s),
        _ => None,
    }
}

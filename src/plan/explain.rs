//! `--explain`: the optimized plan as an indented tree, one operator per line, expressions
//! written with the names of the columns they read.

use std::fmt::Write as _;

use super::{JoinType, Plan};
use crate::expr::Bound;
use crate::io::dataset::Format;

pub fn explain(plan: &Plan) -> String {
    let mut out = String::from("== Optimized Plan ==\n");
    write_node(&mut out, plan, "", true, true, &|_| String::new());
    out
}

/// EXPLAIN ANALYZE: the same tree, each operator followed by what it did in the run that
/// `metrics` counted (`execute` with metrics, on this very `plan`).
pub fn explain_analyzed(
    plan: &Plan,
    metrics: &crate::exec::metrics::PlanMetrics,
    wall: std::time::Duration,
) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = format!(
        "== Analyzed Plan ==\n(rows and batches each operator put out; time: wall and CPU time \
         spent in its tasks, the operators below included, summed across tasks; peak memory its \
         buffers held at once; scans: rows and bytes read and rows their filters dropped; job \
         wall time {})\n",
        human_time(wall.as_nanos() as u64)
    );
    let annotate = |node: &Plan| match metrics.get(node as *const Plan as usize) {
        Some(m) => {
            let rows = m.rows.load(Relaxed);
            let mut text = format!(
                "  [rows: {rows}, batches: {}, tasks: {}, time: {} wall, {} cpu",
                m.batches.load(Relaxed),
                m.tasks.load(Relaxed),
                human_time(m.nanos.load(Relaxed)),
                human_time(m.cpu_nanos.load(Relaxed)),
            );
            let peak = m.memory.peak();
            if peak > 0 {
                let _ = write!(text, ", peak memory: {}", crate::memory::human(peak));
            }
            let restarts = m.spill_restarts.load(Relaxed);
            if restarts > 0 {
                let _ = write!(
                    text,
                    ", restarted to spill: input read {} times, counted each time below",
                    restarts + 1
                );
            }
            if matches!(node, Plan::Scan(_)) {
                let scanned = m.scanned_rows.load(Relaxed);
                let _ = write!(
                    text,
                    ", read: {scanned} rows, {}, filtered in scan: {} rows",
                    crate::memory::human(m.bytes_read.load(Relaxed) as usize),
                    scanned.saturating_sub(rows)
                );
            }
            text + "]"
        }
        None => "  [not run]".to_string(),
    };
    write_node(&mut out, plan, "", true, true, &annotate);
    out
}

/// `1.23 s`, `45.6 ms`, `789 µs`.
fn human_time(nanos: u64) -> String {
    let seconds = nanos as f64 / 1e9;
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{:.0} µs", seconds * 1e6)
    }
}

fn names_of(plan: &Plan) -> impl Fn(usize) -> String + '_ {
    let schema = plan.schema();
    move |i| {
        schema
            .fields()
            .get(i)
            .map(|f| f.name().clone())
            .unwrap_or_else(|| format!("#{i}"))
    }
}

fn list(items: &[Bound], names: &dyn Fn(usize) -> String) -> String {
    items
        .iter()
        .map(|b| b.display(names))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_node(
    out: &mut String,
    plan: &Plan,
    prefix: &str,
    last: bool,
    root: bool,
    annotate: &dyn Fn(&Plan) -> String,
) {
    let line = format!("{}{}", describe(plan), annotate(plan));
    if root {
        let _ = writeln!(out, "{line}");
    } else {
        let _ = writeln!(out, "{prefix}+- {line}");
    }
    let children = plan.children();
    let child_prefix = if root {
        String::new()
    } else {
        format!("{prefix}{}", if last { "   " } else { ":  " })
    };
    for (i, child) in children.iter().enumerate() {
        write_node(
            out,
            child,
            &child_prefix,
            i + 1 == children.len(),
            false,
            annotate,
        );
    }
}

/// One operator as its line of the tree reads (without its children).
pub fn describe(plan: &Plan) -> String {
    match plan {
        Plan::OneRow => "OneRowRelation".to_string(),
        Plan::Range { start, end, step } => format!("Range ({start}, {end}, step={step})"),
        Plan::Scan(scan) => {
            let ds = &scan.dataset;
            let all = |i: usize| ds.schema.field(i).name().clone();
            let mut s = format!(
                "Scan {} {} [{}]",
                match ds.format {
                    Format::Csv => "csv",
                    Format::Parquet => "parquet",
                },
                ds.input,
                scan.columns
                    .iter()
                    .map(|&i| all(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !scan.filters.is_empty() {
                let _ = write!(s, ", filters: [{}]", list(&scan.filters, &all));
                // What the filters skip before reading (directories, Parquet row groups).
                if let Some(p) = crate::exec::prune::prune(ds, &scan.filters) {
                    let kept = p.files.iter().filter(|k| **k).count();
                    let _ = write!(s, ", files: {kept} of {}", p.files.len());
                    let groups: Vec<&Vec<bool>> = p.row_groups.iter().flatten().collect();
                    if !groups.is_empty() {
                        let total: usize = groups.iter().map(|g| g.len()).sum();
                        let kept: usize = groups
                            .iter()
                            .map(|g| g.iter().filter(|k| **k).count())
                            .sum();
                        let _ = write!(s, ", row groups: {kept} of {total}");
                    }
                }
            }
            if let Some(n) = scan.limit {
                let _ = write!(s, ", limit: {n}");
            }
            if let Some(top) = &scan.top_n {
                if crate::exec::late::reads_top_n_late(ds, top) {
                    let _ = write!(s, ", late materialization: top {}", top.n);
                }
            }
            s
        }
        Plan::Filter { input, predicate } => {
            format!("Filter {}", predicate.display(&names_of(input)))
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let names = names_of(input);
            let items: Vec<String> = exprs
                .iter()
                .zip(schema.fields())
                .map(|(e, f)| {
                    let text = e.display(&names);
                    if &text == f.name() {
                        text
                    } else {
                        format!("{text} AS {}", f.name())
                    }
                })
                .collect();
            format!("Project [{}]", items.join(", "))
        }
        Plan::Aggregate {
            input, keys, aggs, ..
        } => {
            let names = names_of(input);
            format!(
                "HashAggregate keys: [{}], functions: [{}] (partial per task, then merged)",
                list(keys, &names),
                aggs.iter()
                    .map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Plan::Join {
            left,
            right,
            how,
            left_keys,
            right_keys,
            residual,
            ..
        } => {
            let (ln, rn) = (names_of(left), names_of(right));
            let keys: Vec<String> = left_keys
                .iter()
                .zip(right_keys)
                .map(|(l, r)| format!("{} = {}", l.display(&ln), r.display(&rn)))
                .collect();
            let how = match how {
                JoinType::Inner => "Inner",
                JoinType::Left => "LeftOuter",
                JoinType::Single => "LeftOuter (scalar subquery, at most one row)",
                JoinType::Right => "RightOuter",
                JoinType::Full => "FullOuter",
                JoinType::Semi => "LeftSemi",
                JoinType::Anti => "LeftAnti",
                JoinType::NullAwareAnti => "LeftAnti (null-aware)",
            };
            let mut s = format!("HashJoin {how} [{}], build: right", keys.join(" AND "));
            if let Some(r) = residual {
                let left_len = left.schema().fields().len();
                let names = |i: usize| {
                    if i < left_len {
                        ln(i)
                    } else {
                        rn(i - left_len)
                    }
                };
                let _ = write!(s, ", condition: {}", r.display(&names));
            }
            s
        }
        Plan::Union { .. } => "Union".to_string(),
        Plan::Sort { input, keys, limit } => {
            let names = names_of(input);
            let keys: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{} {} NULLS {}",
                        k.expr.display(&names),
                        if k.descending { "DESC" } else { "ASC" },
                        if k.nulls_first { "FIRST" } else { "LAST" }
                    )
                })
                .collect();
            match limit {
                Some(n) => format!("TopN {n} [{}]", keys.join(", ")),
                None => format!("Sort [{}]", keys.join(", ")),
            }
        }
        Plan::Limit { n, skip: 0, .. } => format!("Limit {n}"),
        Plan::Limit { n, skip, .. } if *n == usize::MAX => format!("Offset {skip}"),
        Plan::Limit { n, skip, .. } => format!("Limit {}, offset {skip}", n - skip),
        Plan::Generate {
            input,
            array,
            position,
            outer,
            ..
        } => format!(
            "Generate {}({}){}",
            if *position { "posexplode" } else { "explode" },
            array.display(&names_of(input)),
            if *outer { ", outer" } else { "" }
        ),
        Plan::Window { functions, .. } => format!(
            "Window [{}]",
            functions
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

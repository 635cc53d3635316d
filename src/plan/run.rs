//! Running a plan: each logical operator is mapped to its physical operator in `exec`
//! (scan, filter and project fused per task; hash aggregate, hash join, sort, limit, union).

use arrow::array::{RecordBatch, RecordBatchOptions};

use super::Plan;
use crate::error::{Error, Result};
use crate::exec::partitions::{
    filter_batch, limit, project_batch, range_partitions, scan_partitions, ExecContext, Partitions,
};

/// The plan's partitions; with metrics asked for, every operator's streams are counted under
/// its address in `plan` (see `explain::explain_analyzed`).
pub fn execute(plan: &Plan, ctx: &ExecContext) -> Result<Partitions> {
    let mut ctx = ctx.clone();
    if ctx.trace.is_some() {
        // The stages this operator opens are named after what feeds it.
        ctx.input_names = plan.children().into_iter().map(pipeline_name).collect();
    }
    let Some(metrics) = ctx.metrics.clone() else {
        return execute_operator(plan, &ctx);
    };
    let entry = metrics.entry(plan as *const Plan as usize);
    ctx.operator = Some(entry.clone());
    // The inputs' counters, the very ones their `execute` (run inside the set-up) counts on.
    let inputs: Vec<_> = plan
        .children()
        .into_iter()
        .map(|child| metrics.entry(child as *const Plan as usize))
        .collect();
    let parts = entry.time_setup(&inputs, || execute_operator(plan, &ctx))?;
    Ok(parts.counted(entry))
}

/// The pipeline that yields `plan`'s rows, named as its stage is: the operators fused into
/// one task, from the last stage boundary below up to `plan` ("scan trips.csv → filter").
pub fn pipeline_name(plan: &Plan) -> String {
    let then = |input: &Plan, step: &str| format!("{} → {step}", pipeline_name(input));
    match plan {
        Plan::Scan(scan) => {
            // Filters pushed into the scan still run in its tasks.
            let filtered = if scan.filters.is_empty() {
                ""
            } else {
                " → filter"
            };
            format!("scan {}{filtered}", scan.dataset.short_name())
        }
        Plan::OneRow => "one row".to_string(),
        Plan::Range { .. } => "range".to_string(),
        Plan::Filter { input, .. } => then(input, "filter"),
        Plan::Project { input, .. } => then(input, "project"),
        Plan::Limit { input, .. } => then(input, "limit"),
        Plan::Generate { input, .. } => then(input, "explode"),
        Plan::Join { left, .. } => then(left, "hash join"),
        Plan::Aggregate { .. } => "aggregate".to_string(),
        Plan::Sort { .. } => "sort (merge)".to_string(),
        Plan::Window { .. } => "window".to_string(),
        Plan::Union { .. } => "union".to_string(),
    }
}

fn execute_operator(plan: &Plan, ctx: &ExecContext) -> Result<Partitions> {
    match plan {
        Plan::Scan(scan) => Ok(scan_partitions(
            &scan.dataset,
            &scan.columns,
            &scan.filters,
            scan.limit,
            scan.top_n.as_ref(),
            ctx,
        )),
        Plan::OneRow => {
            let schema = plan.schema();
            let row = RecordBatch::try_new_with_options(
                schema.clone(),
                Vec::new(),
                &RecordBatchOptions::new().with_row_count(Some(1)),
            )
            .map_err(|e| Error::arrow("one row", e))?;
            Ok(Partitions::materialized(schema, vec![vec![row]]))
        }
        Plan::Range { start, end, step } => Ok(range_partitions(
            plan.schema(),
            *start,
            *end,
            *step,
            ctx.batch_size,
        )),
        Plan::Filter { input, predicate } => {
            let input = execute(input, ctx)?;
            let predicate = predicate.clone();
            let schema = input.schema.clone();
            Ok(input.map_batches(schema, move |batch| filter_batch(batch, &predicate)))
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let input = execute(input, ctx)?;
            let exprs = exprs.clone();
            let out = schema.clone();
            Ok(input.map_batches(schema.clone(), move |batch| {
                project_batch(&batch, &exprs, &out).map(Some)
            }))
        }
        Plan::Aggregate {
            input,
            keys,
            aggs,
            schema,
        } => {
            let input = execute(input, ctx)?;
            crate::exec::aggregate::hash_aggregate(input, keys, aggs, schema.clone(), ctx)
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
            let left = execute(left, ctx)?;
            let right = execute(right, ctx)?;
            crate::exec::join::hash_join(
                left,
                right,
                *how,
                left_keys,
                right_keys,
                residual.as_ref(),
                output.as_deref(),
                schema.clone(),
                ctx,
            )
        }
        Plan::Union { inputs, schema } => {
            let mut parts = Vec::new();
            for input in inputs {
                let p = execute(input, ctx)?;
                let schema = schema.clone();
                // Same types by construction; the names come from the first input.
                parts.extend(
                    p.map_batches(schema.clone(), move |b| {
                        RecordBatch::try_new_with_options(
                            schema.clone(),
                            b.columns().to_vec(),
                            &RecordBatchOptions::new().with_row_count(Some(b.num_rows())),
                        )
                        .map(Some)
                        .map_err(|e| Error::arrow("union", e))
                    })
                    .parts,
                );
            }
            Ok(Partitions {
                schema: schema.clone(),
                parts,
            })
        }
        Plan::Sort { input, keys, limit } => {
            let input = execute(input, ctx)?;
            crate::exec::sort::sort(input, keys, *limit, ctx)
        }
        Plan::Window {
            input,
            functions,
            schema,
        } => {
            let input = execute(input, ctx)?;
            crate::exec::window::window(input, functions, schema.clone(), ctx)
        }
        Plan::Generate {
            input,
            array,
            position,
            outer,
            schema,
        } => {
            let input = execute(input, ctx)?;
            Ok(crate::exec::generate::generate(
                input,
                array.clone(),
                *position,
                *outer,
                schema.clone(),
            ))
        }
        Plan::Limit { input, n, skip } => {
            let input = execute(input, ctx)?;
            Ok(limit(input, *n, *skip))
        }
    }
}

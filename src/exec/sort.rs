//! Sort: every partition is sorted on its own, in parallel (keeping only its first N rows for a
//! top-N), then the sorted runs are merged. Keys are compared as arrow row-format bytes, which
//! encode direction and null placement, so the merge compares plain byte strings. Equal keys
//! keep their input order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, RecordBatch, UInt32Array};
use arrow::compute::{concat_batches, interleave_record_batch, take_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, Rows, SortField};

use super::merge::{merge, reduce_runs, spill_in_order, Encode, SortedRun};
use super::partitions::{ExecContext, Partitions};
use super::sort_key::{compare_row_bytes, sort_packed};
use super::trace::StageKind;
use crate::error::{Error, Result};
use crate::expr::eval::evaluate;
use crate::io::dataset::BatchStream;
use crate::io::spill::SpillDir;
use crate::memory::Reservation;

pub use super::sort_key::SortKey;

/// A top-N up to this many rows is kept batch by batch (each batch's first n rows merged with
/// those kept); a larger one gathers about 2N rows between sorts.
const SMALL_TOP_N: usize = 1024;

fn arrow(e: arrow::error::ArrowError) -> Error {
    Error::arrow("sorting", e)
}

/// What one partition's sort leaves.
enum Sorted {
    Empty,
    Memory(Run),
    /// Sorted runs written to disk, in input order.
    Spilled(Vec<PathBuf>),
}

struct Run {
    batch: RecordBatch,
    rows: Rows,
    /// The run's rows and keys, counted against the memory budget until the merge is done.
    _reservation: Reservation,
}

pub fn sort(
    input: Partitions,
    keys: &[SortKey],
    limit: Option<usize>,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let fields: Vec<SortField> = keys.iter().map(SortKey::sort_field).collect();
    let converter = Arc::new(RowConverter::new(fields).map_err(arrow)?);
    let schema = input.schema.clone();
    let encode: Encode = {
        let keys = keys.to_vec();
        Arc::new(move |batch: &RecordBatch| -> Result<Rows> {
            let columns: Vec<ArrayRef> = keys
                .iter()
                .map(|k| evaluate(&k.expr, batch))
                .collect::<Result<_>>()?;
            converter.convert_columns(&columns).map_err(arrow)
        })
    };
    // Sort one run: stable by key bytes, truncated to the limit.
    let sort_run = |batch: RecordBatch| -> Result<Run> {
        let rows = encode(&batch)?;
        let mut order = sorted_order(&rows);
        if let Some(n) = limit {
            order.truncate(n);
        }
        let sorted = take_record_batch(&batch, &UInt32Array::from(order)).map_err(arrow)?;
        drop((batch, rows));
        let batch = sorted;
        let rows = encode(&batch)?;
        let mut reservation = Reservation::new("sort").gauged(ctx.memory_gauge());
        reservation.resize(batch.get_array_memory_size() + rows.size())?;
        Ok(Run {
            batch,
            rows,
            _reservation: reservation,
        })
    };
    // A top-N: the batch's first n rows by key (ties in input order) merged with the n kept so
    // far, which came first and so win ties. Only those rows are copied: sorting and copying
    // every batch whole was a fifth of a top 10 over CSV.
    let keep_top = |kept: Option<Run>, batch: RecordBatch, n: usize| -> Result<Run> {
        let rows = encode(&batch)?;
        let by_key = |a: &u32, b: &u32| {
            compare_row_bytes(rows.row(*a as usize).data(), rows.row(*b as usize).data())
                .then(a.cmp(b))
        };
        let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
        if n == 0 {
            order.clear();
        } else if order.len() > n {
            order.select_nth_unstable_by(n - 1, by_key);
            order.truncate(n);
        }
        order.sort_unstable_by(by_key);
        let empty;
        let (kept_batch, kept_rows) = match &kept {
            Some(run) => (&run.batch, Some(&run.rows)),
            None => {
                empty = RecordBatch::new_empty(schema.clone());
                (&empty, None)
            }
        };
        let mut picked: Vec<(usize, usize)> = Vec::with_capacity(n);
        let (mut i, mut j) = (0, 0);
        while picked.len() < n && (i < kept_batch.num_rows() || j < order.len()) {
            let kept_first = match kept_rows {
                Some(kept_rows) if i < kept_batch.num_rows() => {
                    j >= order.len()
                        || compare_row_bytes(
                            kept_rows.row(i).data(),
                            rows.row(order[j] as usize).data(),
                        ) != std::cmp::Ordering::Greater
                }
                _ => false,
            };
            if kept_first {
                picked.push((0, i));
                i += 1;
            } else {
                picked.push((1, order[j] as usize));
                j += 1;
            }
        }
        let top = interleave_record_batch(&[kept_batch, &batch], &picked).map_err(arrow)?;
        drop((kept, batch, rows));
        let rows = encode(&top)?;
        let mut reservation = Reservation::new("sort").gauged(ctx.memory_gauge());
        reservation.resize(top.get_array_memory_size() + rows.size())?;
        Ok(Run {
            batch: top,
            rows,
            _reservation: reservation,
        })
    };
    // Past the budget, a partition's rows so far are sorted and written out as a run.
    let spill_dir: Mutex<Option<Arc<SpillDir>>> = Mutex::new(None);
    let spill_run = |pending: &[RecordBatch], task: usize, seq: usize| -> Result<PathBuf> {
        let dir = {
            let mut dir = spill_dir.lock().unwrap_or_else(|e| e.into_inner());
            match &*dir {
                Some(dir) => dir.clone(),
                None => dir.insert(Arc::new(SpillDir::create("sort")?)).clone(),
            }
        };
        let all = concat_batches(&schema, pending).map_err(arrow)?;
        let order = sorted_order(&encode(&all)?);
        spill_in_order(
            &dir,
            &format!("run-{task}-{seq}.arrow"),
            &all,
            &order,
            ctx.batch_size,
        )
    };
    let sorted: Vec<Sorted> = ctx.run_stage(
        || ctx.stage_name(0, "sort"),
        StageKind::ShuffleMap,
        input.parts.len(),
        |task, output| -> Result<Sorted> {
            let open = &input.parts[task];
            let mut pending: Vec<RecordBatch> = Vec::new();
            let mut pending_rows = 0;
            let mut pending_memory = Reservation::new("sort").gauged(ctx.memory_gauge());
            let mut pending_bytes = 0;
            let mut kept: Option<Run> = None;
            let mut spilled: Vec<PathBuf> = Vec::new();
            for batch in open()? {
                let batch = batch?;
                crate::runtime::check_cancelled()?;
                match limit {
                    // A small top-N holds only the first n rows so far.
                    Some(n) if n <= SMALL_TOP_N => {
                        kept = Some(keep_top(kept.take(), batch, n)?);
                        continue;
                    }
                    _ => {}
                }
                pending_rows += batch.num_rows();
                pending_bytes += batch.get_array_memory_size();
                pending.push(batch);
                // Sorting a run copies it (concatenated, then taken in order), beside its key
                // bytes and order, and what the readers and writers around the sort hold.
                match pending_memory.resize(pending_bytes * 3) {
                    Ok(()) => {}
                    // A full sort spills what it holds as a sorted run; a top-N holds little.
                    Err(Error::MemoryExhausted { .. }) if limit.is_none() => {
                        spilled.push(spill_run(&pending, task, spilled.len())?);
                        output.output(pending_rows as u64, 0);
                        pending.clear();
                        pending_rows = 0;
                        pending_bytes = 0;
                        pending_memory.resize(0)?;
                        continue;
                    }
                    Err(e) => return Err(e),
                }
                // A larger top-N keeps memory to about 2N rows per partition.
                if let Some(n) = limit {
                    if pending_rows >= n * 2 {
                        // The rows kept so far came first: ahead of the new ones, so that
                        // the stable sort keeps ties in input order.
                        if let Some(run) = kept.take() {
                            pending.insert(0, run.batch);
                        }
                        let all = concat_batches(&schema, &pending).map_err(arrow)?;
                        pending.clear();
                        pending_rows = 0;
                        pending_bytes = 0;
                        pending_memory.resize(0)?;
                        kept = Some(sort_run(all)?);
                    }
                }
            }
            if !spilled.is_empty() {
                if pending_rows > 0 {
                    spilled.push(spill_run(&pending, task, spilled.len())?);
                    output.output(pending_rows as u64, 0);
                }
                return Ok(Sorted::Spilled(spilled));
            }
            if let Some(run) = kept.take() {
                pending.insert(0, run.batch);
            }
            if pending.iter().all(|b| b.num_rows() == 0) {
                return Ok(Sorted::Empty);
            }
            let all = concat_batches(&schema, &pending).map_err(arrow)?;
            drop(pending);
            let run = sort_run(all)?;
            output.output(run.batch.num_rows() as u64, 0);
            Ok(Sorted::Memory(run))
        },
    )?;
    let spill_dir = spill_dir.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = spill_dir {
        return merge_spilled(sorted, schema, encode, dir, ctx);
    }
    let runs: Vec<Run> = sorted
        .into_iter()
        .filter_map(|s| match s {
            Sorted::Memory(run) => Some(run),
            _ => None,
        })
        .collect();

    // Merge the runs in key order (ties by run, which keeps partition order).
    let total: usize = runs.iter().map(|r| r.batch.num_rows()).sum();
    let wanted = limit.map_or(total, |n| n.min(total));
    let mut heap = BinaryHeap::new();
    for (i, run) in runs.iter().enumerate() {
        if run.batch.num_rows() > 0 {
            heap.push(Reverse((run.rows.row(0), i, 0usize)));
        }
    }
    let batches: Vec<&RecordBatch> = runs.iter().map(|r| &r.batch).collect();
    let mut out = Vec::new();
    let mut output_memory = Reservation::new("sort (merge)").gauged(ctx.memory_gauge());
    let mut out_bytes = 0;
    let mut indices: Vec<(usize, usize)> = Vec::with_capacity(ctx.batch_size.min(wanted));
    let mut produced = 0;
    while produced < wanted {
        let Some(Reverse((_, run, row))) = heap.pop() else {
            break;
        };
        indices.push((run, row));
        produced += 1;
        if row + 1 < runs[run].batch.num_rows() {
            heap.push(Reverse((runs[run].rows.row(row + 1), run, row + 1)));
        }
        if indices.len() == ctx.batch_size.max(1) {
            let batch = interleave_record_batch(&batches, &indices).map_err(arrow)?;
            // The merged output sits beside the runs until they are dropped.
            out_bytes += batch.get_array_memory_size();
            output_memory.resize(out_bytes)?;
            out.push(batch);
            indices.clear();
            crate::runtime::check_cancelled()?;
        }
    }
    if !indices.is_empty() {
        out.push(interleave_record_batch(&batches, &indices).map_err(arrow)?);
    }
    Ok(Partitions::materialized(schema, vec![out]))
}

/// The positions of `rows` in key order, equal keys in their order.
fn sorted_order(rows: &Rows) -> Vec<u32> {
    if let Some((order, _)) = sort_packed(&[rows], false) {
        return order;
    }
    let mut order: Vec<u32> = (0..rows.num_rows() as u32).collect();
    order.sort_by(|&a, &b| {
        compare_row_bytes(rows.row(a as usize).data(), rows.row(b as usize).data())
    });
    order
}

/// Once a partition has spilled: every partition's runs (in memory or on disk, partitions in
/// order) merged as the output is read.
fn merge_spilled(
    sorted: Vec<Sorted>,
    schema: SchemaRef,
    encode: Encode,
    dir: Arc<SpillDir>,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let mut runs = Vec::new();
    let mut held = Vec::new();
    for part in sorted {
        match part {
            Sorted::Empty => {}
            Sorted::Memory(run) => {
                held.push(run._reservation);
                runs.push(SortedRun::Memory(Arc::new((run.batch, run.rows))));
            }
            Sorted::Spilled(paths) => runs.extend(paths.into_iter().map(SortedRun::Spilled)),
        }
    }
    let batch_size = ctx.batch_size;
    let runs = ctx
        .run_stage(
            || ctx.stage_name(0, "sort (merge spilled runs)"),
            StageKind::ShuffleMap,
            1,
            |_, output| {
                let runs = reduce_runs(runs.clone(), &schema, &encode, batch_size, &dir, "sort")?;
                output.output(0, dir.bytes());
                Ok(runs)
            },
        )?
        .pop()
        .unwrap_or_default();
    // The files and the in-memory runs' reservations stay until the merge is done with them.
    let keep: Arc<dyn Send + Sync> = Arc::new((dir, held));
    let open = move || -> Result<BatchStream<'static>> {
        merge(
            runs.clone(),
            encode.clone(),
            batch_size,
            "sort (merge)",
            keep.clone(),
        )
    };
    Ok(Partitions {
        schema,
        parts: vec![Arc::new(open)],
    })
}

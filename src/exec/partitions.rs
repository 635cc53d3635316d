//! Running a plan: every operator yields `Partitions`, a list of lazily opened batch streams
//! (one per task). Narrow operators (scan, filter, project) wrap the streams, so they run fused
//! inside one task; operators that must see everything (aggregate, sort, join build) drain their
//! input's partitions in parallel on the pool and produce new ones.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::expr::eval::{evaluate, evaluate_mask};
use crate::expr::Bound;
use crate::io::dataset::{BatchStream, Dataset};
use crate::progress::Progress;

/// Opens one partition's stream; may be called from any worker.
pub type Partition = Arc<dyn Fn() -> Result<BatchStream<'static>> + Send + Sync>;

#[derive(Clone)]
pub struct Partitions {
    pub schema: SchemaRef,
    pub parts: Vec<Partition>,
}

/// What operators need besides the plan.
#[derive(Clone)]
pub struct ExecContext {
    pub batch_size: usize,
    /// Join build sides up to this many rows are broadcast; larger ones are partitioned.
    pub broadcast_rows: usize,
    pub progress: Progress,
    /// Per-operator metrics, for EXPLAIN ANALYZE (None: nothing is counted).
    pub metrics: Option<super::metrics::PlanMetrics>,
}

impl Partitions {
    pub fn materialized(schema: SchemaRef, parts: Vec<Vec<RecordBatch>>) -> Partitions {
        Partitions {
            schema,
            parts: parts
                .into_iter()
                .map(|batches| {
                    let batches = Arc::new(batches);
                    Arc::new(move || {
                        let batches = batches.clone();
                        Ok(
                            Box::new((0..batches.len()).map(move |i| Ok(batches[i].clone())))
                                as BatchStream<'static>,
                        )
                    }) as Partition
                })
                .collect(),
        }
    }

    /// Apply `f` to every batch of every partition (fused into the partition's task).
    pub fn map_batches(
        self,
        schema: SchemaRef,
        f: impl Fn(RecordBatch) -> Result<Option<RecordBatch>> + Send + Sync + 'static,
    ) -> Partitions {
        let f = Arc::new(f);
        Partitions {
            schema,
            parts: self
                .parts
                .into_iter()
                .map(|open| {
                    let f = f.clone();
                    Arc::new(move || {
                        let stream = open()?;
                        let f = f.clone();
                        Ok(Box::new(stream.filter_map(move |batch| match batch {
                            Ok(b) => f(b).transpose(),
                            Err(e) => Some(Err(e)),
                        })) as BatchStream<'static>)
                    }) as Partition
                })
                .collect(),
        }
    }

    /// These partitions with every stream counted into `metrics` (EXPLAIN ANALYZE): its rows,
    /// batches and tasks, and the time spent opening and pulling it.
    pub fn counted(self, metrics: Arc<super::metrics::OperatorMetrics>) -> Partitions {
        use std::sync::atomic::Ordering::Relaxed;
        use std::time::Instant;
        Partitions {
            schema: self.schema,
            parts: self
                .parts
                .into_iter()
                .map(|open| {
                    let metrics = metrics.clone();
                    Arc::new(move || -> Result<BatchStream<'static>> {
                        let started = Instant::now();
                        let stream = open();
                        metrics
                            .nanos
                            .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
                        metrics.tasks.fetch_add(1, Relaxed);
                        let mut stream = stream?;
                        let metrics = metrics.clone();
                        Ok(Box::new(std::iter::from_fn(move || {
                            let started = Instant::now();
                            let next = stream.next();
                            metrics
                                .nanos
                                .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
                            if let Some(Ok(batch)) = &next {
                                metrics.batches.fetch_add(1, Relaxed);
                                metrics.rows.fetch_add(batch.num_rows() as u64, Relaxed);
                            }
                            next
                        })) as BatchStream<'static>)
                    }) as Partition
                })
                .collect(),
        }
    }

    /// Drain every partition on the pool; batches kept per partition, in order.
    pub fn collect(&self) -> Result<Vec<Vec<RecordBatch>>> {
        self.parts
            .par_iter()
            .map(|open| open()?.collect::<Result<Vec<_>>>())
            .collect()
    }

    /// Every batch, partitions in order.
    pub fn collect_all(&self) -> Result<Vec<RecordBatch>> {
        Ok(self.collect()?.into_iter().flatten().collect())
    }
}

/// `range(start, end, step)`'s ids, generated batch by batch in one partition per worker.
pub fn range_partitions(
    schema: SchemaRef,
    start: i64,
    end: i64,
    step: i64,
    batch_size: usize,
) -> Partitions {
    // Counted in i128: the distance between two i64s does not fit an i64.
    let (start_w, end_w, step_w) = (start as i128, end as i128, step as i128);
    let count = if step > 0 && end_w > start_w {
        (end_w - start_w + step_w - 1) / step_w
    } else if step < 0 && start_w > end_w {
        (start_w - end_w - step_w - 1) / -step_w
    } else {
        0
    };
    let batch = batch_size.max(1) as i128;
    let parts = (rayon::current_num_threads() as i128)
        .min((count + batch - 1) / batch)
        .max(1);
    let per_part = (count + parts - 1) / parts;
    Partitions {
        schema: schema.clone(),
        parts: (0..parts)
            .map(|p| {
                let (lo, hi) = ((p * per_part).min(count), ((p + 1) * per_part).min(count));
                let schema = schema.clone();
                Arc::new(move || {
                    let schema = schema.clone();
                    let batches = (lo..hi).step_by(batch as usize).map(move |from| {
                        let to = (from + batch).min(hi);
                        // Every id lies between start and end, so it fits an i64.
                        let ids = arrow::array::Int64Array::from_iter_values(
                            (from..to).map(|i| (start_w + i * step_w) as i64),
                        );
                        RecordBatch::try_new(schema.clone(), vec![Arc::new(ids) as ArrayRef])
                            .map_err(|e| Error::arrow("range", e))
                    });
                    Ok(Box::new(batches) as BatchStream<'static>)
                }) as Partition
            })
            .collect(),
    }
}

pub fn filter_batch(batch: RecordBatch, predicate: &Bound) -> Result<Option<RecordBatch>> {
    let mask = evaluate_mask(predicate, &batch)?;
    if mask.true_count() == batch.num_rows() {
        return Ok(Some(batch));
    }
    if mask.true_count() == 0 {
        return Ok(None);
    }
    filter_record_batch(&batch, &mask)
        .map(Some)
        .map_err(|e| Error::arrow("filtering rows", e))
}

pub fn project_batch(
    batch: &RecordBatch,
    exprs: &[Bound],
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = exprs
        .iter()
        .zip(schema.fields())
        .map(|(e, f)| {
            let a = evaluate(e, batch)?;
            if a.data_type() != f.data_type() {
                crate::expr::cast::cast_array(&a, f.data_type())
            } else {
                Ok(a)
            }
        })
        .collect::<Result<_>>()?;
    RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(|e| Error::arrow("computing columns", e))
}

/// The first `n` rows less the first `skip` of them, reading partitions in order and stopping
/// as soon as there are enough.
pub fn limit(input: Partitions, n: usize, skip: usize) -> Partitions {
    let schema = input.schema.clone();
    let parts = input.parts;
    let open: Partition = Arc::new(move || {
        let parts = parts.clone();
        let mut remaining = n;
        let mut to_skip = skip;
        let mut index = 0;
        let mut current: Option<BatchStream<'static>> = None;
        Ok(Box::new(std::iter::from_fn(move || loop {
            if remaining == 0 {
                return None;
            }
            if let Some(stream) = current.as_mut() {
                match stream.next() {
                    Some(Ok(batch)) => {
                        let take = batch.num_rows().min(remaining);
                        remaining -= take;
                        let dropped = take.min(to_skip);
                        to_skip -= dropped;
                        if dropped == take {
                            continue;
                        }
                        return Some(Ok(batch.slice(dropped, take - dropped)));
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => current = None,
                }
            }
            let open = parts.get(index)?;
            index += 1;
            match open() {
                Ok(stream) => current = Some(stream),
                Err(e) => return Some(Err(e)),
            }
        })) as BatchStream<'static>)
    });
    Partitions {
        schema,
        parts: vec![open],
    }
}

/// A scan: the dataset's tasks (after partition and row-group pruning), each reading only the
/// needed columns, applying the filters and stopping at the limit.
pub fn scan_partitions(
    dataset: &Arc<Dataset>,
    columns: &[usize],
    filters: &[Bound],
    limit: Option<usize>,
    ctx: &ExecContext,
) -> Partitions {
    let dataset = dataset.clone();
    let pruning = super::prune::prune(&dataset, filters);
    let tasks = dataset.tasks_pruned(pruning.as_ref());
    // Columns read: the output columns, then any more the filters need.
    let mut read: Vec<usize> = columns.to_vec();
    for f in filters {
        let mut cols = Vec::new();
        f.columns(&mut cols);
        for c in cols {
            if !read.contains(&c) {
                read.push(c);
            }
        }
    }
    let position = |c: usize| read.iter().position(|&r| r == c).unwrap_or(0);
    let filter = Bound::conjunction(filters.iter().map(|f| f.remap(&position)).collect());
    let width = columns.len();
    let out_schema = Arc::new(arrow::datatypes::Schema::new(
        columns
            .iter()
            .map(|&c| dataset.schema.field(c).clone())
            .collect::<Vec<_>>(),
    ));
    let read = Arc::new(read);
    let parts = tasks
        .into_iter()
        .map(|task| {
            let dataset = dataset.clone();
            let read = read.clone();
            let filter = filter.clone();
            let out_schema = out_schema.clone();
            let progress = ctx.progress.clone();
            Arc::new(move || {
                let stream = dataset.open_task_shared(&task, Some(read.clone()), &progress);
                let filter = filter.clone();
                let out_schema = out_schema.clone();
                let mut remaining = limit.unwrap_or(usize::MAX);
                Ok(Box::new(stream.filter_map(move |batch| {
                    if remaining == 0 {
                        return None;
                    }
                    let batch = match batch {
                        Ok(b) => b,
                        Err(e) => return Some(Err(e)),
                    };
                    let batch = match &filter {
                        Some(f) => match filter_batch(batch, f) {
                            Ok(Some(b)) => b,
                            Ok(None) => return None,
                            Err(e) => return Some(Err(e)),
                        },
                        None => batch,
                    };
                    let batch = if batch.num_columns() != width {
                        match RecordBatch::try_new_with_options(
                            out_schema.clone(),
                            batch.columns()[..width].to_vec(),
                            &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
                        ) {
                            Ok(b) => b,
                            Err(e) => return Some(Err(Error::arrow("reading columns", e))),
                        }
                    } else {
                        batch
                    };
                    let take = batch.num_rows().min(remaining);
                    remaining -= take;
                    Some(Ok(batch.slice(0, take)))
                })) as BatchStream<'static>)
            }) as Partition
        })
        .collect();
    Partitions {
        schema: out_schema,
        parts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::metrics::PlanMetrics;
    use arrow::array::Int64Array;
    use std::sync::atomic::Ordering;

    #[test]
    fn counted_streams_add_rows_batches_and_tasks() {
        let batch = |n: i64| {
            RecordBatch::try_from_iter([(
                "x",
                Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef,
            )])
            .unwrap()
        };
        let parts = Partitions::materialized(
            batch(1).schema(),
            vec![vec![batch(3), batch(4)], vec![], vec![batch(5)]],
        );
        let metrics = PlanMetrics::default();
        let counted = parts.counted(metrics.entry(7));
        assert_eq!(counted.collect_all().unwrap().len(), 3);
        let m = metrics.get(7).unwrap();
        assert_eq!(m.rows.load(Ordering::Relaxed), 12);
        assert_eq!(m.batches.load(Ordering::Relaxed), 3);
        assert_eq!(m.tasks.load(Ordering::Relaxed), 3);
        assert!(metrics.get(8).is_none());
    }
}

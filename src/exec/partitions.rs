//! Running a plan: every operator yields `Partitions`, a list of lazily opened batch streams
//! (one per task). Narrow operators (scan, filter, project) wrap the streams, so they run fused
//! inside one task; operators that must see everything (aggregate, sort, join build) drain their
//! input's partitions in parallel on the pool and produce new ones.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::compute::filter_record_batch;
use arrow::datatypes::SchemaRef;
use rayon::prelude::*;

use super::trace::{
    count_input, count_shuffle_read, thread_cpu_nanos, JobTrace, StageKind, TaskRun,
};
use crate::error::{Error, Result};
use crate::expr::eval::{evaluate, evaluate_mask};
use crate::expr::Bound;
use crate::io::csv::{RowFilter, RowPredicate};
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
    /// The metrics of the operator being run (set by `plan::run::execute` with metrics on).
    pub operator: Option<Arc<super::metrics::OperatorMetrics>>,
    /// The job's stages and tasks, for the job summary and the event log (None: not traced).
    pub trace: Option<Arc<JobTrace>>,
    /// What feeds the operator being run, one name per input ("scan trips.csv → filter"):
    /// the stages it opens are named after them.
    pub input_names: Arc<[String]>,
    /// Scan tasks may be the job's output files (a write): then they are as many as Spark's
    /// split arithmetic makes, as Spark writes a file per task. Otherwise a multiple of the
    /// pool's width, where the input's pieces allow (`Dataset::tasks_for_pool`).
    pub scan_tasks_are_files: bool,
}

impl ExecContext {
    /// A context with nothing counted or traced.
    pub fn new(batch_size: usize, broadcast_rows: usize, progress: Progress) -> ExecContext {
        ExecContext {
            batch_size,
            broadcast_rows,
            progress,
            metrics: None,
            operator: None,
            trace: None,
            input_names: Arc::from(Vec::new()),
            scan_tasks_are_files: false,
        }
    }

    /// Note that the operator being run starts again, its input read again to spill it.
    pub fn count_spill_restart(&self) {
        if let Some(operator) = &self.operator {
            operator
                .spill_restarts
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The gauge the operator being run counts its memory on, when metrics are on.
    pub fn memory_gauge(&self) -> Option<Arc<crate::memory::MemoryGauge>> {
        self.operator.as_ref().map(|m| m.memory.clone())
    }

    /// The name of the operator's input `i`, followed by what the stage does with it.
    pub fn stage_name(&self, input: usize, step: &str) -> String {
        match self.input_names.get(input) {
            Some(name) if !name.is_empty() => format!("{name} → {step}"),
            _ => step.to_string(),
        }
    }

    /// Run a stage of `tasks` tasks on the pool, task `i` as `run(i, &task)`; with a trace,
    /// each task is timed and counted (`task.output` says what it handed on), and with
    /// metrics, the stage's and its tasks' times go to the operator running it.
    pub fn run_stage<T: Send>(
        &self,
        name: impl FnOnce() -> String,
        kind: StageKind,
        tasks: usize,
        run: impl Fn(usize, &TaskOutput) -> Result<T> + Sync + Send,
    ) -> Result<Vec<T>> {
        if self.trace.is_none() && self.operator.is_none() {
            return (0..tasks)
                .into_par_iter()
                .map(|i| run(i, &TaskOutput(None)))
                .collect();
        }
        let stage = self.trace.as_ref().map(|t| t.stage(name(), kind, tasks));
        let operator = self.operator.as_deref();
        let (started, caller_cpu) = (std::time::Instant::now(), thread_cpu_nanos());
        let result = (0..tasks)
            .into_par_iter()
            .map(|i| {
                let task = stage.as_ref().map(|s| s.task(i));
                let (task_started, task_cpu) = (std::time::Instant::now(), thread_cpu_nanos());
                let result = run(i, &TaskOutput(task.as_ref()));
                if let Some(m) = operator {
                    m.stage_task_nanos
                        .fetch_add(task_started.elapsed().as_nanos() as u64, Relaxed);
                    m.stage_task_cpu_nanos
                        .fetch_add(thread_cpu_nanos().saturating_sub(task_cpu), Relaxed);
                }
                if let Some(task) = task {
                    task.finish(result.as_ref().err().map(|e| e.to_string()));
                }
                result
            })
            .collect();
        if let Some(stage) = stage {
            stage.complete();
        }
        if let Some(m) = operator {
            m.stage_nanos
                .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
            m.stage_caller_cpu_nanos
                .fetch_add(thread_cpu_nanos().saturating_sub(caller_cpu), Relaxed);
        }
        result
    }
}

/// Where a stage's task says what it handed on (nothing is kept without a trace).
pub struct TaskOutput<'a>(Option<&'a TaskRun>);

impl TaskOutput<'_> {
    /// The task handed on `records` rows, and wrote `bytes` bytes to files.
    pub fn output(&self, records: u64, bytes: u64) {
        if let Some(task) = self.0 {
            task.output(records, bytes);
        }
    }
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
                        Ok(Box::new((0..batches.len()).map(move |i| {
                            // Rows another stage gathered: read back like Spark's shuffle.
                            count_shuffle_read(batches[i].num_rows() as u64);
                            Ok(batches[i].clone())
                        })) as BatchStream<'static>)
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
        Partitions {
            schema: self.schema,
            parts: self
                .parts
                .into_iter()
                .map(|open| {
                    let metrics = metrics.clone();
                    Arc::new(move || -> Result<BatchStream<'static>> {
                        let stream = timed(&metrics, &mut || open());
                        metrics.tasks.fetch_add(1, Relaxed);
                        let mut stream = stream?;
                        let metrics = metrics.clone();
                        Ok(Box::new(std::iter::from_fn(move || {
                            let next = timed(&metrics, &mut || stream.next());
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

    /// Drain every partition as a stage of its own (see `collect_stage`): every batch,
    /// partitions in order.
    pub fn gather(
        &self,
        ctx: &ExecContext,
        name: impl FnOnce() -> String,
        kind: StageKind,
    ) -> Result<Vec<RecordBatch>> {
        Ok(self
            .collect_stage(ctx, name, kind)?
            .into_iter()
            .flatten()
            .collect())
    }

    /// As `gather`, holding what is gathered against the memory budget as it arrives (for
    /// `operator`), so that an input too large for the budget stops early with the budget
    /// error rather than after it has all been read.
    pub fn gather_reserved(
        &self,
        ctx: &ExecContext,
        name: impl FnOnce() -> String,
        kind: StageKind,
        operator: &'static str,
    ) -> Result<(Vec<RecordBatch>, Vec<crate::memory::Reservation>)> {
        let parts = ctx.run_stage(name, kind, self.parts.len(), |i, task| {
            let mut held = crate::memory::Reservation::new(operator).gauged(ctx.memory_gauge());
            let mut bytes = 0;
            let mut batches = Vec::new();
            for batch in (self.parts[i])()? {
                let batch = batch?;
                bytes += batch.get_array_memory_size();
                held.resize(bytes)?;
                batches.push(batch);
            }
            task.output(batches.iter().map(|b| b.num_rows() as u64).sum(), 0);
            Ok((batches, held))
        })?;
        let (batches, held): (Vec<Vec<RecordBatch>>, Vec<_>) = parts.into_iter().unzip();
        Ok((batches.into_iter().flatten().collect(), held))
    }

    /// Drain every partition as a stage of its own (traced when `ctx` traces): batches kept
    /// per partition, in order.
    pub fn collect_stage(
        &self,
        ctx: &ExecContext,
        name: impl FnOnce() -> String,
        kind: StageKind,
    ) -> Result<Vec<Vec<RecordBatch>>> {
        ctx.run_stage(name, kind, self.parts.len(), |i, task| {
            let batches = (self.parts[i])()?.collect::<Result<Vec<_>>>()?;
            task.output(batches.iter().map(|b| b.num_rows() as u64).sum(), 0);
            Ok(batches)
        })
    }
}

/// Run `f`, adding its wall and CPU time to `metrics`.
fn timed<T>(metrics: &super::metrics::OperatorMetrics, f: &mut dyn FnMut() -> T) -> T {
    let (started, cpu) = (std::time::Instant::now(), thread_cpu_nanos());
    let result = f();
    metrics
        .nanos
        .fetch_add(started.elapsed().as_nanos() as u64, Relaxed);
    metrics
        .cpu_nanos
        .fetch_add(thread_cpu_nanos().saturating_sub(cpu), Relaxed);
    result
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

/// The columns a scan reads: its output columns, then any more its filters need.
pub fn scan_read_columns(columns: &[usize], filters: &[Bound]) -> Vec<usize> {
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
    read
}

/// A scan: the dataset's tasks (after partition and row-group pruning), each reading only the
/// needed columns, applying the filters and stopping at the limit.
pub fn scan_partitions(
    dataset: &Arc<Dataset>,
    columns: &[usize],
    filters: &[Bound],
    limit: Option<usize>,
    top_n: Option<&super::late::TopN>,
    ctx: &ExecContext,
) -> Partitions {
    let dataset = dataset.clone();
    let pruning = super::prune::prune(&dataset, filters);
    let tasks = if ctx.scan_tasks_are_files {
        dataset.tasks_pruned(pruning.as_ref())
    } else {
        dataset.tasks_for_pool(pruning.as_ref())
    };
    let read = scan_read_columns(columns, filters);
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
    // Parquet with a filter or a top-N above: decode what they test first, the rest late.
    let late =
        super::late::LateScan::plan(&dataset, &read, filters, top_n, limit, ctx.operator.clone())
            .map(Arc::new);
    // CSV with a filter: the reader builds the filter's columns first, the rest for kept rows.
    let row_filter = match late {
        None => csv_row_filter(&dataset, &read, filters, ctx.operator.clone()),
        Some(_) => None,
    };
    // A late scan or a row filter has applied the filter already, and counted the rows read.
    let filtered_in_read = late.is_some() || row_filter.is_some();
    let filter = if filtered_in_read { None } else { filter };
    let parts = tasks
        .into_iter()
        .map(|task| {
            let dataset = dataset.clone();
            let read = read.clone();
            let filter = filter.clone();
            let out_schema = out_schema.clone();
            let progress = ctx.progress.clone();
            let operator = ctx.operator.clone();
            let late = late.clone();
            let row_filter = row_filter.clone();
            Arc::new(move || {
                let stream = match (&late, &row_filter) {
                    (Some(late), _) => late.open(&task, &progress),
                    (None, Some(row_filter)) => dataset.open_task_filtered(
                        &task,
                        read.clone(),
                        row_filter.clone(),
                        &progress,
                    ),
                    (None, None) => dataset.open_task_shared(&task, Some(read.clone()), &progress),
                };
                // Bytes read: the task's share of CSV files, its Parquet column chunks.
                let bytes = dataset.bytes_read_by(&task, &read);
                count_input(0, bytes);
                if let Some(m) = &operator {
                    m.bytes_read.fetch_add(bytes, Relaxed);
                }
                let operator = operator.clone();
                let filter = filter.clone();
                let out_schema = out_schema.clone();
                let mut remaining = limit.unwrap_or(usize::MAX);
                let counted_late = filtered_in_read;
                Ok(Box::new(stream.filter_map(move |batch| {
                    if remaining == 0 {
                        return None;
                    }
                    let batch = match batch {
                        Ok(b) => b,
                        Err(e) => return Some(Err(e)),
                    };
                    if !counted_late {
                        let rows = batch.num_rows() as u64;
                        count_input(rows, 0);
                        if let Some(m) = &operator {
                            m.scanned_rows.fetch_add(rows, Relaxed);
                        }
                    }
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

/// A CSV scan's filters as a row filter for its reader, which then parses the columns they
/// test first and the other columns read only for the rows they keep. None when that saves
/// nothing (no filter, or every column read is tested), when a filter tests a partition column
/// or none at all, or for other formats. The predicate counts the rows it sees as scanned.
fn csv_row_filter(
    dataset: &Dataset,
    read: &[usize],
    filters: &[Bound],
    operator: Option<Arc<super::metrics::OperatorMetrics>>,
) -> Option<Arc<RowFilter>> {
    if filters.is_empty() || !dataset.reads_with_row_filter() {
        return None;
    }
    let mut columns = Vec::new();
    filters.iter().for_each(|f| f.columns(&mut columns));
    columns.sort_unstable();
    columns.dedup();
    let tests_data_only = columns.iter().all(|&c| c < dataset.data_columns());
    if columns.is_empty() || !tests_data_only || read.iter().all(|c| columns.contains(c)) {
        return None;
    }
    let position = |c: usize| columns.binary_search(&c).unwrap_or(0);
    let filter = Bound::conjunction(filters.iter().map(|f| f.remap(&position)).collect())?;
    let predicate: RowPredicate = Box::new(move |batch: &RecordBatch| {
        let rows = batch.num_rows() as u64;
        count_input(rows, 0);
        if let Some(m) = &operator {
            m.scanned_rows.fetch_add(rows, Relaxed);
        }
        evaluate_mask(&filter, batch)
    });
    Some(Arc::new(RowFilter { columns, predicate }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::metrics::PlanMetrics;
    use arrow::array::Int64Array;
    use std::sync::atomic::Ordering;

    /// A batch of one column, `x`, holding 0..n.
    fn batch(n: i64) -> RecordBatch {
        RecordBatch::try_from_iter([(
            "x",
            Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef,
        )])
        .unwrap()
    }

    #[test]
    fn counted_streams_add_rows_batches_and_tasks() {
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

    #[test]
    fn a_stage_records_each_task_and_what_it_read_and_handed_on() {
        let parts = Partitions::materialized(
            batch(1).schema(),
            vec![vec![batch(3), batch(4)], vec![], vec![batch(5)]],
        );
        let trace = Arc::new(JobTrace::new(0, 0, None));
        let metrics = PlanMetrics::default();
        let mut ctx = ExecContext::new(8192, 0, Progress::disabled());
        ctx.trace = Some(trace.clone());
        ctx.operator = Some(metrics.entry(1));
        ctx.input_names = Arc::from(vec!["scan t.csv".to_string()]);
        let collected = parts
            .collect_stage(&ctx, || ctx.stage_name(0, "sort"), StageKind::ShuffleMap)
            .unwrap();
        assert_eq!(
            collected.iter().map(Vec::len).collect::<Vec<_>>(),
            [2, 0, 1]
        );
        let stages = trace.stages();
        assert_eq!(stages.len(), 1);
        assert_eq!(stages[0].info.name, "scan t.csv → sort");
        let counts: Vec<(u64, u64)> = stages[0]
            .tasks
            .iter()
            .map(|t| (t.counts.shuffle_records_read, t.counts.records_out))
            .collect();
        assert_eq!(counts, [(7, 7), (0, 0), (5, 5)]);
        // The operator that ran the stage has its wall time (the tasks' times summed).
        let m = metrics.get(1).unwrap();
        assert!(m.stage_nanos.load(Ordering::Relaxed) > 0);
        assert!(m.stage_task_nanos.load(Ordering::Relaxed) > 0);
    }
}

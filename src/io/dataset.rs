//! A dataset: the files behind an INPUT (a file, a directory of part files, or a glob), their
//! format, the schema (data columns, then `col=value` partition columns), and the tasks that
//! read it in parallel. A task is a CSV byte range of whole records or a group of Parquet row
//! groups; small files are packed into one task, with Spark's `maxPartitionBytes` and
//! `openCostInBytes` arithmetic.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::io::csv::{self, CsvOptions, HeaderInfo, Inferred, RecordRange};
use crate::io::parquet::{read_row_groups, ParquetFooter};
use crate::io::partition::parse_directory_name;
use crate::progress::Progress;

/// Spark's `spark.sql.files.maxPartitionBytes` default.
const MAX_PARTITION_BYTES: u64 = 128 << 20;
/// Spark's `spark.sql.files.openCostInBytes` default.
const OPEN_COST_BYTES: u64 = 4 << 20;
/// Bytes of a CSV file read to infer types when only a preview is needed.
const PREVIEW_INFERENCE_BYTES: u64 = 1 << 20;
/// Bytes of a CSV file whose types a `Sampled` read starts from.
const SAMPLE_INFERENCE_BYTES: u64 = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// How to read an INPUT.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The format, when it cannot (or should not) come from file extensions.
    pub format: Option<Format>,
    pub csv: CsvOptions,
    pub batch_size: usize,
    /// Overrides the task size (Spark's `maxPartitionBytes`); tests use it to force many tasks.
    pub max_partition_bytes: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            csv: CsvOptions::default(),
            batch_size: 8192,
            max_partition_bytes: None,
        }
    }
}

/// How much of the data opening a dataset may look at.
#[derive(Debug, Clone, Copy)]
pub enum Depth {
    /// Only the first `rows` rows will be read (`show`): CSV types are inferred from the start of
    /// the first file, so opening costs milliseconds whatever the size.
    Preview { rows: usize },
    /// Everything will be read: CSV files are scanned once, in parallel, for record boundaries
    /// (tasks), counts and types inferred from every row.
    Full,
    /// Everything will be read, and CSV types come from the first rows (a few MB). Readers fail
    /// with `Error::InferenceContradicted` at any value those types do not hold (a later row
    /// that full inference would have widened for); the caller then opens again with `Full`.
    /// The result is the same as `Full`; the scan for record boundaries is much cheaper.
    Sampled,
}

pub struct DataFile {
    pub path: Arc<Path>,
    pub size: u64,
    pub gzip: bool,
    /// Raw values of the partition columns (None: `__HIVE_DEFAULT_PARTITION__`).
    pub partition_values: Vec<Option<String>>,
}

/// What a scan's filters leave to read: files (partition pruning) and, per Parquet file, row
/// groups (statistics pruning; None keeps all).
#[derive(Debug, Clone)]
pub struct Pruning {
    pub files: Vec<bool>,
    pub row_groups: Vec<Option<Vec<bool>>>,
}

/// One unit of parallel work: pieces of one or more files, read in order.
#[derive(Debug, Clone)]
pub struct ScanTask {
    pub pieces: Vec<Piece>,
    pub bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Piece {
    pub file: usize,
    pub kind: PieceKind,
}

#[derive(Debug, Clone)]
pub enum PieceKind {
    Csv(RecordRange),
    /// Row groups of a Parquet file (None: all).
    Parquet(Option<Vec<usize>>),
}

enum Layout {
    Csv {
        options: Arc<CsvOptions>,
        headers: Vec<HeaderInfo>,
        scans: Option<Vec<csv::FileScan>>,
        /// With `Depth::Sampled` types: for each column, whether the sample saw only nulls.
        sampled: Option<Arc<Vec<bool>>>,
    },
    Parquet {
        footers: Vec<ParquetFooter>,
    },
}

pub struct Dataset {
    pub input: String,
    pub format: Format,
    pub files: Vec<DataFile>,
    /// Data columns, then partition columns.
    pub schema: SchemaRef,
    data_schema: SchemaRef,
    layout: Layout,
    read: ReadOptions,
}

/// Batches read by a task or a piece; it may borrow the dataset it reads.
pub type BatchStream<'a> = Box<dyn Iterator<Item = Result<RecordBatch>> + Send + 'a>;

impl Dataset {
    pub fn open(
        input: &str,
        read: &ReadOptions,
        depth: Depth,
        progress: &Progress,
    ) -> Result<Dataset> {
        let (files, partition_names) = discover(input, read.format)?;
        let format = file_format(&files, read.format)?;
        let (data_schema, layout) = match format {
            Format::Csv => open_csv(&files, read, depth, progress)?,
            Format::Parquet => open_parquet(&files, depth)?,
        };
        let mut fields: Vec<Field> = data_schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        for (i, name) in partition_names.iter().enumerate() {
            if fields.iter().any(|f| f.name().eq_ignore_ascii_case(name)) {
                return Err(Error::Dataset(format!(
                    "{input}: partition column '{name}' is also a column of the data files"
                )));
            }
            let class = files.iter().fold(Inferred::Null, |acc, file| {
                match &file.partition_values[i] {
                    Some(value) => acc.merge(csv::classify_partition_value(value, acc)),
                    None => acc,
                }
            });
            fields.push(Field::new(name, class.data_type(), true));
        }
        Ok(Dataset {
            input: input.to_string(),
            format,
            files,
            schema: Arc::new(Schema::new(fields)),
            data_schema,
            layout,
            read: read.clone(),
        })
    }

    /// Number of rows, from Parquet footers or the CSV scan when they can tell (a `permissive`
    /// read keeps every record); None when the data has to be read.
    pub fn known_row_count(&self) -> Option<u64> {
        match &self.layout {
            Layout::Parquet { footers } if footers.len() == self.files.len() => {
                Some(footers.iter().map(|f| f.num_rows()).sum())
            }
            Layout::Parquet { .. } => None,
            Layout::Csv {
                options,
                scans: Some(scans),
                ..
            } if options.mode == csv::ParseMode::Permissive => Some(
                scans
                    .iter()
                    .flat_map(|s| &s.blocks)
                    .map(|b| b.records)
                    .sum(),
            ),
            Layout::Csv { .. } => None,
        }
    }

    /// The tasks that read the whole dataset, sized for the pool (Spark's split arithmetic).
    /// Only for datasets opened with `Depth::Full` (a preview knows only its first file).
    pub fn tasks(&self) -> Vec<ScanTask> {
        self.tasks_pruned(None)
    }

    /// The tasks that read the files and Parquet row groups `pruning` keeps (all when None):
    /// as many as Spark's split arithmetic makes, but evened out. Spark's next-fit packing fills
    /// every task to the split size and leaves the remainder to the last one (955 MB on 2 cores:
    /// seven tasks of 128 MB and one of 59 MB, so one worker reads 512 MB while the other reads
    /// 443 MB); the smallest split that still gives that many tasks spreads the bytes evenly.
    pub fn tasks_pruned(&self, pruning: Option<&Pruning>) -> Vec<ScanTask> {
        let split = self.split_bytes();
        let spark = self.pack(pruning, split);
        let count = spark.len();
        if count <= 1 {
            return spark;
        }
        let (mut low, mut high) = (1, split);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.pack(pruning, middle).len() <= count {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        let even = self.pack(pruning, low);
        if even.len() == count {
            even
        } else {
            spark
        }
    }

    /// Spark's packing of the kept files and row groups into tasks of at most `split` bytes.
    fn pack(&self, pruning: Option<&Pruning>, split: u64) -> Vec<ScanTask> {
        let mut pieces: Vec<(Piece, u64)> = Vec::new();
        let keep_file = |i: usize| pruning.is_none_or(|p| p.files[i]);
        let keep_group = |i: usize, rg: usize| {
            pruning.is_none_or(|p| p.row_groups[i].as_ref().is_none_or(|g| g[rg]))
        };
        match &self.layout {
            Layout::Csv { headers, scans, .. } => {
                for (file_index, (file, header)) in self.files.iter().zip(headers).enumerate() {
                    if !keep_file(file_index) {
                        continue;
                    }
                    let whole = RecordRange {
                        start: header.data_start,
                        end: None,
                        first_line: header.data_line,
                    };
                    match scans.as_ref().map(|s| &s[file_index]) {
                        Some(scan) if !file.gzip => {
                            // Consecutive blocks, as many as fit in a split.
                            let mut current: Option<(&csv::Block, &csv::Block)> = None;
                            for block in &scan.blocks {
                                current = match current {
                                    Some((first, last)) if block.end - first.start > split => {
                                        pieces.push(csv_piece(file_index, first, last));
                                        Some((block, block))
                                    }
                                    Some((first, _)) => Some((first, block)),
                                    None => Some((block, block)),
                                };
                            }
                            if let Some((first, last)) = current {
                                pieces.push(csv_piece(file_index, first, last));
                            }
                        }
                        Some(scan) if scan.blocks.is_empty() => {}
                        _ => pieces.push((
                            Piece {
                                file: file_index,
                                kind: PieceKind::Csv(whole),
                            },
                            file.size,
                        )),
                    }
                }
            }
            Layout::Parquet { footers } => {
                for (file_index, footer) in footers.iter().enumerate() {
                    if !keep_file(file_index) {
                        continue;
                    }
                    let mut group: Vec<usize> = Vec::new();
                    let mut bytes = 0;
                    for (rg, size) in footer.row_group_sizes().into_iter().enumerate() {
                        if !keep_group(file_index, rg) {
                            continue;
                        }
                        if !group.is_empty() && bytes + size > split {
                            pieces.push((
                                Piece {
                                    file: file_index,
                                    kind: PieceKind::Parquet(Some(std::mem::take(&mut group))),
                                },
                                bytes,
                            ));
                            bytes = 0;
                        }
                        group.push(rg);
                        bytes += size;
                    }
                    if !group.is_empty() {
                        pieces.push((
                            Piece {
                                file: file_index,
                                kind: PieceKind::Parquet(Some(group)),
                            },
                            bytes,
                        ));
                    }
                }
            }
        }
        // Spark's next-fit packing: a task takes pieces until the next would overflow the split.
        let mut tasks = Vec::new();
        let mut current = ScanTask {
            pieces: Vec::new(),
            bytes: 0,
        };
        let mut weight = 0;
        for (piece, bytes) in pieces {
            if !current.pieces.is_empty() && weight + bytes > split {
                tasks.push(std::mem::replace(
                    &mut current,
                    ScanTask {
                        pieces: Vec::new(),
                        bytes: 0,
                    },
                ));
                weight = 0;
            }
            current.pieces.push(piece);
            current.bytes += bytes;
            weight += bytes + OPEN_COST_BYTES;
        }
        if !current.pieces.is_empty() {
            tasks.push(current);
        }
        tasks
    }

    fn split_bytes(&self) -> u64 {
        if let Some(bytes) = self.read.max_partition_bytes {
            return bytes.max(1);
        }
        split_bytes_for(&self.files)
    }

    /// Read one task's batches, in order, with the partition columns appended.
    pub fn open_task<'a>(&'a self, task: &ScanTask, progress: &Progress) -> BatchStream<'a> {
        self.open_task_columns(task, None, progress)
    }

    /// Read one task's batches with only `columns` (positions in `schema`, in that order).
    pub fn open_task_columns<'a>(
        &'a self,
        task: &ScanTask,
        columns: Option<Arc<Vec<usize>>>,
        progress: &Progress,
    ) -> BatchStream<'a> {
        stream_task(self, task, columns, progress)
    }

    /// As `open_task_columns`, for a shared dataset: the stream keeps it alive.
    pub fn open_task_shared(
        self: &Arc<Self>,
        task: &ScanTask,
        columns: Option<Arc<Vec<usize>>>,
        progress: &Progress,
    ) -> BatchStream<'static> {
        stream_task(self.clone(), task, columns, progress)
    }

    /// The first `rows` rows (or all, when fewer), reading files in order and stopping early.
    pub fn head(&self, rows: usize) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        let mut remaining = rows;
        for file in 0..self.files.len() {
            if remaining == 0 {
                break;
            }
            let kind = match &self.layout {
                Layout::Csv { headers, .. } => PieceKind::Csv(RecordRange {
                    start: headers[file].data_start,
                    end: None,
                    first_line: headers[file].data_line,
                }),
                Layout::Parquet { .. } => PieceKind::Parquet(None),
            };
            for batch in self.open_piece(
                &Piece { file, kind },
                Some(remaining),
                None,
                &Progress::disabled(),
            )? {
                let batch = batch?;
                let take = batch.num_rows().min(remaining);
                remaining -= take;
                batches.push(batch.slice(0, take));
                if remaining == 0 {
                    break;
                }
            }
        }
        Ok(batches)
    }

    fn open_piece(
        &self,
        piece: &Piece,
        limit: Option<usize>,
        columns: Option<&[usize]>,
        progress: &Progress,
    ) -> Result<BatchStream<'static>> {
        let file = &self.files[piece.file];
        let data_len = self.data_schema.fields().len();
        let all: Vec<usize>;
        let columns = match columns {
            Some(c) => c,
            None => {
                all = (0..self.schema.fields().len()).collect();
                &all
            }
        };
        // Data columns to read (sorted, as readers produce them), then partition columns.
        let mut data_columns: Vec<usize> =
            columns.iter().copied().filter(|&c| c < data_len).collect();
        data_columns.sort_unstable();
        data_columns.dedup();
        let partition_columns: Vec<usize> =
            columns.iter().copied().filter(|&c| c >= data_len).collect();
        let read_schema = Arc::new(Schema::new(
            data_columns
                .iter()
                .map(|&c| self.data_schema.field(c).clone())
                .collect::<Vec<_>>(),
        ));
        let batch_size = match limit {
            Some(limit) => self.read.batch_size.min(limit.max(1)),
            None => self.read.batch_size,
        };
        let stream: BatchStream<'static> = match (&self.layout, &piece.kind) {
            (
                Layout::Csv {
                    options, sampled, ..
                },
                PieceKind::Csv(range),
            ) => Box::new(
                csv::CsvBatchReader::try_new(
                    file.path.clone(),
                    file.gzip,
                    *range,
                    &self.data_schema,
                    data_columns.clone(),
                    options.clone(),
                    batch_size,
                    progress.clone(),
                )?
                .with_sampled_types(sampled.clone()),
            ),
            (Layout::Parquet { footers }, PieceKind::Parquet(groups)) => {
                let read;
                let footer = match footers.get(piece.file) {
                    Some(footer) => footer,
                    None => {
                        read = ParquetFooter::read(&file.path)?;
                        &read
                    }
                };
                let sizes = footer.row_group_sizes();
                let bytes: u64 = match groups {
                    Some(groups) => groups.iter().map(|g| sizes[*g]).sum(),
                    None => sizes.iter().sum(),
                };
                let progress = progress.clone();
                let mut reported = false;
                let stream = read_row_groups(
                    file.path.clone(),
                    footer,
                    groups.clone(),
                    read_schema.clone(),
                    batch_size,
                    limit,
                )?;
                Box::new(stream.chain(std::iter::from_fn(move || {
                    if !reported {
                        progress.inc(bytes);
                        reported = true;
                    }
                    None
                })))
            }
            _ => {
                return Err(Error::Dataset(
                    "internal: a piece does not match its file's format".into(),
                ))
            }
        };
        // Where each requested column is in the batch read: data columns by their sorted
        // position, partition columns after them.
        let positions: Vec<usize> = columns
            .iter()
            .map(|c| match data_columns.binary_search(c) {
                Ok(p) => p,
                Err(_) => {
                    data_columns.len() + partition_columns.iter().position(|p| p == c).unwrap_or(0)
                }
            })
            .collect();
        let identity =
            partition_columns.is_empty() && positions.iter().enumerate().all(|(i, &p)| i == p);
        if identity {
            return Ok(stream);
        }
        let out_schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|&c| self.schema.field(c).clone())
                .collect::<Vec<_>>(),
        ));
        let schema = self.schema.clone();
        let values: Vec<Option<String>> = partition_columns
            .iter()
            .map(|&c| file.partition_values[c - data_len].clone())
            .collect();
        Ok(Box::new(stream.map(move |batch| {
            let batch = batch?;
            let rows = batch.num_rows();
            let mut read: Vec<ArrayRef> = batch.columns().to_vec();
            for (value, &c) in values.iter().zip(&partition_columns) {
                let field = schema.field(c);
                let text: ArrayRef = Arc::new(StringArray::from(vec![value.as_deref(); rows]));
                read.push(
                    cast(&text, field.data_type()).map_err(|e| {
                        Error::arrow(format!("partition column {}", field.name()), e)
                    })?,
                );
            }
            let columns: Vec<ArrayRef> = positions.iter().map(|&p| read[p].clone()).collect();
            RecordBatch::try_new_with_options(
                out_schema.clone(),
                columns,
                &RecordBatchOptions::new().with_row_count(Some(rows)),
            )
            .map_err(|e| Error::arrow("adding partition columns", e))
        })))
    }

    /// The Parquet footer of file `i`, when it has been read.
    pub fn parquet_footer(&self, i: usize) -> Option<&ParquetFooter> {
        match &self.layout {
            Layout::Parquet { footers } => footers.get(i),
            Layout::Csv { .. } => None,
        }
    }

    /// How many columns come from the files (the rest are partition columns).
    pub fn data_columns(&self) -> usize {
        self.data_schema.fields().len()
    }

    /// Bytes of all files (what reading the whole dataset works through).
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Paths of every file read, for checks such as "do not overwrite the input".
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_ref())
    }
}

/// The batches of a task's pieces, in order; `dataset` is a reference or an owning pointer.
fn stream_task<'a, D>(
    dataset: D,
    task: &ScanTask,
    columns: Option<Arc<Vec<usize>>>,
    progress: &Progress,
) -> BatchStream<'a>
where
    D: std::ops::Deref<Target = Dataset> + Send + 'a,
{
    let mut pieces: VecDeque<Piece> = task.pieces.iter().cloned().collect();
    let mut current: Option<BatchStream<'static>> = None;
    let progress = progress.clone();
    Box::new(std::iter::from_fn(move || loop {
        if let Some(stream) = current.as_mut() {
            match stream.next() {
                Some(item) => return Some(item),
                None => current = None,
            }
        }
        let piece = pieces.pop_front()?;
        match dataset.open_piece(
            &piece,
            None,
            columns.as_deref().map(|c| c.as_slice()),
            &progress,
        ) {
            Ok(stream) => current = Some(stream),
            Err(e) => {
                pieces.clear();
                return Some(Err(e));
            }
        }
    }))
}

fn csv_piece(file: usize, first: &csv::Block, last: &csv::Block) -> (Piece, u64) {
    let range = RecordRange {
        start: first.start,
        end: Some(last.end),
        first_line: first.first_line,
    };
    (
        Piece {
            file,
            kind: PieceKind::Csv(range),
        },
        last.end - first.start,
    )
}

/// Spark's `maxSplitBytes`: min(128 MB, max(4 MB, bytes per core)), bytes counting the open cost.
fn split_bytes_for(files: &[DataFile]) -> u64 {
    let total: u64 = files.iter().map(|f| f.size + OPEN_COST_BYTES).sum();
    let per_core = total / crate::runtime::parallelism().max(1) as u64;
    MAX_PARTITION_BYTES.min(OPEN_COST_BYTES.max(per_core))
}

fn open_csv(
    files: &[DataFile],
    read: &ReadOptions,
    depth: Depth,
    progress: &Progress,
) -> Result<(SchemaRef, Layout)> {
    let options = Arc::new(read.csv.clone());
    let headers = files
        .par_iter()
        .map(|f| csv::read_header(&f.path, f.gzip, &options))
        .collect::<Result<Vec<_>>>()?;
    // Column names and the inference sample come from the first file that is not empty (empty
    // files hold no rows and are skipped, as Spark skips them).
    let lead = headers
        .iter()
        .position(|h| !h.names.is_empty())
        .unwrap_or(0);
    let first = &headers[lead];
    let names: Vec<String> = match &options.schema {
        Some(schema) => schema.fields().iter().map(|f| f.name().clone()).collect(),
        None => first.names.clone(),
    };
    if names.is_empty() {
        let what = if files.len() == 1 {
            "the file is empty"
        } else {
            "every file is empty"
        };
        return Err(Error::Dataset(format!(
            "{}: {what}; there is no header to take column names from",
            files[0].path.display()
        )));
    }
    let infer = options.schema.is_none() && options.infer;
    let mut sampled = None;
    let (classes, scans) = match depth {
        Depth::Preview { rows } => {
            let classes = if infer {
                Some(csv::infer_prefix(
                    &files[lead].path,
                    files[lead].gzip,
                    &options,
                    first,
                    names.len(),
                    rows + 1,
                    PREVIEW_INFERENCE_BYTES,
                )?)
            } else {
                None
            };
            (classes, None)
        }
        Depth::Full | Depth::Sampled => {
            let sample = (infer && matches!(depth, Depth::Sampled))
                .then(|| {
                    csv::infer_prefix(
                        &files[lead].path,
                        files[lead].gzip,
                        &options,
                        first,
                        names.len(),
                        1,
                        SAMPLE_INFERENCE_BYTES,
                    )
                })
                .transpose()?;
            let split = read
                .max_partition_bytes
                .unwrap_or_else(|| split_bytes_for(files));
            // Blocks are what tasks are made of: small enough (an eighth of a task) that tasks
            // can be evened out, at most 4 MB, never smaller than 64 KB unless tasks are.
            let block_size = (split / 8).clamp(split.min(64 << 10), 4 << 20) as usize;
            progress.start_phase("scanning", files.iter().map(|f| f.size).sum());
            let mut scans = Vec::with_capacity(files.len());
            for (file, header) in files.iter().zip(&headers) {
                let advance = |bytes: u64| progress.inc(bytes);
                scans.push(csv::scan_file(
                    &file.path,
                    file.gzip,
                    &options,
                    header,
                    names.len(),
                    infer && sample.is_none(),
                    block_size,
                    &advance,
                )?);
            }
            if let Some(sample) = sample {
                sampled = Some(Arc::new(
                    sample.iter().map(|c| *c == Inferred::Null).collect(),
                ));
                return Ok((
                    schema_of(&options, &names, Some(sample)),
                    Layout::Csv {
                        options,
                        headers,
                        scans: Some(scans),
                        sampled,
                    },
                ));
            }
            let classes = infer.then(|| {
                scans
                    .iter()
                    .fold(vec![Inferred::Null; names.len()], |acc, scan| {
                        acc.iter()
                            .zip(&scan.inferred)
                            .map(|(a, b)| a.merge(*b))
                            .collect()
                    })
            });
            (classes, Some(scans))
        }
    };
    Ok((
        schema_of(&options, &names, classes),
        Layout::Csv {
            options,
            headers,
            scans,
            sampled,
        },
    ))
}

/// The schema of CSV data: the user's, or the header's names with inferred (or string) types.
fn schema_of(options: &CsvOptions, names: &[String], classes: Option<Vec<Inferred>>) -> SchemaRef {
    match (&options.schema, classes) {
        (Some(schema), _) => crate::types::schema::nullable_schema(schema),
        (None, Some(classes)) => Arc::new(Schema::new(
            names
                .iter()
                .zip(classes)
                .map(|(n, c)| Field::new(n, c.data_type(), true))
                .collect::<Vec<_>>(),
        )),
        (None, None) => Arc::new(Schema::new(
            names
                .iter()
                .map(|n| Field::new(n, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        )),
    }
}

fn open_parquet(files: &[DataFile], depth: Depth) -> Result<(SchemaRef, Layout)> {
    let footers = match depth {
        // A preview reads files in order and stops early: later footers are read when reached.
        Depth::Preview { .. } => vec![ParquetFooter::read(&files[0].path)?],
        Depth::Full | Depth::Sampled => files
            .par_iter()
            .map(|f| ParquetFooter::read(&f.path))
            .collect::<Result<Vec<_>>>()?,
    };
    let schema = footers[0].schema();
    Ok((schema, Layout::Parquet { footers }))
}

/// The files of an INPUT, sorted by path, and the names of its partition columns.
pub fn discover(input: &str, format: Option<Format>) -> Result<(Vec<DataFile>, Vec<String>)> {
    let is_glob = input.contains(['*', '?', '[']);
    let (roots, base): (Vec<PathBuf>, PathBuf) = if is_glob {
        let matches = glob::glob(input)
            .map_err(|e| Error::usage(format!("invalid glob pattern '{input}': {e}")))?
            .filter_map(|m| m.ok())
            .collect::<Vec<_>>();
        let prefix: PathBuf = Path::new(input)
            .components()
            .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
            .collect();
        // Hidden names (`_temporary`, `.crc`) are skipped at every level the glob matched.
        let matches: Vec<PathBuf> = matches
            .into_iter()
            .filter(|m| {
                !m.strip_prefix(&prefix)
                    .unwrap_or(m)
                    .components()
                    .any(|c| is_hidden(Path::new(c.as_os_str())))
            })
            .collect();
        if matches.is_empty() {
            return Err(Error::NotFound {
                path: PathBuf::from(input),
            });
        }
        (matches, prefix)
    } else {
        let path = PathBuf::from(input);
        // An engine job killed while committing here is put right first (if nobody is
        // committing now), so readers see committed output only.
        crate::io::commit::recover_for_reading(&path);
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        let base = if meta.is_dir() {
            path.clone()
        } else {
            path.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        (vec![path], base)
    };

    let mut paths = Vec::new();
    for root in roots {
        collect_files(&root, &[], &mut paths)?;
    }
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return Err(Error::Dataset(format!("{input}: contains no data files")));
    }

    let mut partition_names: Option<Vec<String>> = None;
    let mut files = Vec::with_capacity(paths.len());
    for (path, size) in paths {
        let relative = path.strip_prefix(&base).unwrap_or(&path);
        let mut names = Vec::new();
        let mut values = Vec::new();
        if let Some(parent) = relative.parent() {
            for component in parent.components() {
                if let Some((name, value)) =
                    parse_directory_name(&component.as_os_str().to_string_lossy())
                {
                    names.push(name);
                    values.push(value);
                }
            }
        }
        match &partition_names {
            None => partition_names = Some(names),
            Some(expected) if *expected != names => {
                return Err(Error::Dataset(format!(
                    "{input}: conflicting partition directories: {} has [{}] where other files have [{}]",
                    path.display(),
                    names.join(", "),
                    expected.join(", ")
                )));
            }
            Some(_) => {}
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let gzip =
            name.ends_with(".gz") || (format == Some(Format::Csv) && name.ends_with(".gzip"));
        files.push(DataFile {
            path: Arc::from(path.as_path()),
            size,
            gzip,
            partition_values: values,
        });
    }
    Ok((files, partition_names.unwrap_or_default()))
}

/// Spark skips files and directories whose names start with `_` or `.` (unless they are
/// `col=value` directories) and files still being copied.
fn is_hidden(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ((name.starts_with('_') && !name.contains('=')) || name.starts_with('.'))
        || name.ends_with("._COPYING_")
}

/// The data files under `path`, leaving out the files of appends not yet committed (a job id in
/// `pending`, or with a marker in a directory on the way down).
fn collect_files(path: &Path, pending: &[String], out: &mut Vec<(PathBuf, u64)>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        out.push((path.to_path_buf(), meta.len()));
        return Ok(());
    }
    if !meta.is_dir() {
        // Tasks read byte ranges, which a pipe or a device cannot give.
        return Err(Error::Dataset(format!(
            "{}: not a regular file or a directory (pipes and devices cannot be read; write the data to a file first)",
            path.display()
        )));
    }
    let mut pending = pending.to_vec();
    pending.extend(crate::io::commit::pending_jobs(path));
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let child = entry.path();
        if is_hidden(&child) {
            continue;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if pending
            .iter()
            .any(|job| name.starts_with("part-") && name.contains(&format!("-{job}-")))
        {
            continue;
        }
        collect_files(&child, &pending, out)?;
    }
    Ok(())
}

/// The format of every file, from `--format` or the extensions; all must agree.
fn file_format(files: &[DataFile], forced: Option<Format>) -> Result<Format> {
    if let Some(format) = forced {
        return Ok(format);
    }
    let mut found: Option<(Format, &Path)> = None;
    for file in files {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let stem = name.strip_suffix(".gz").unwrap_or(&name);
        let format = if stem.ends_with(".csv") || stem.ends_with(".tsv") || stem.ends_with(".txt") {
            Format::Csv
        } else if stem.ends_with(".parquet") || stem.ends_with(".parq") || stem.ends_with(".pq") {
            Format::Parquet
        } else {
            return Err(Error::usage(format!(
                "{}: cannot tell the format from the file name; use --format csv or --format parquet",
                file.path.display()
            )));
        };
        match found {
            None => found = Some((format, &file.path)),
            Some((other, other_path)) if other != format => {
                return Err(Error::Dataset(format!(
                    "{} is {:?} but {} is {:?}: an input must hold one format (use --format to choose)",
                    other_path.display(),
                    other,
                    file.path.display(),
                    format
                )));
            }
            Some(_) => {}
        }
    }
    found
        .map(|(f, _)| f)
        .ok_or_else(|| Error::Dataset("no data files".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_as_many_as_sparks_and_even() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let mut text = String::from("id,name,amount\n");
        let mut id = 0u64;
        while text.len() < 30 << 20 {
            text.push_str(&format!(
                "{id},name number {id},{}.{}\n",
                id % 977,
                id % 100
            ));
            id += 1;
        }
        std::fs::write(&path, &text).unwrap();
        let read = ReadOptions {
            max_partition_bytes: Some(12 << 20),
            csv: CsvOptions {
                infer: false,
                ..CsvOptions::default()
            },
            ..ReadOptions::default()
        };
        let dataset = Dataset::open(
            path.to_str().unwrap(),
            &read,
            Depth::Full,
            &Progress::disabled(),
        )
        .unwrap();
        // Spark's packing: 12 MB, 12 MB and the 6 MB rest.
        let spark = dataset.pack(None, 12 << 20);
        assert_eq!(spark.len(), 3);
        let tasks = dataset.tasks();
        assert_eq!(tasks.len(), 3);
        let sizes: Vec<u64> = tasks.iter().map(|t| t.bytes).collect();
        let (smallest, largest) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(largest - smallest <= 2 << 20, "{sizes:?}");
        assert_eq!(
            sizes.iter().sum::<u64>(),
            spark.iter().map(|t| t.bytes).sum::<u64>()
        );
        assert_eq!(dataset.known_row_count(), Some(id));
    }
}

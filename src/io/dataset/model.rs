//! A dataset's parts: the read options, the files and their layout (CSV record scans or
//! Parquet footers), the schema, and the tasks that read it; with what can be known without
//! reading (row counts from footers, sizes).

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::io::csv::{self, CsvOptions, HeaderInfo, RecordRange};
use crate::io::parquet::ParquetFooter;

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
    /// Parquet files whose columns differ are read as the union of their columns (Spark's
    /// `mergeSchema`); without it they are refused.
    pub merge_schema: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            csv: CsvOptions::default(),
            batch_size: 8192,
            max_partition_bytes: None,
            merge_schema: false,
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

pub(super) enum Layout {
    Csv {
        options: Arc<CsvOptions>,
        headers: Vec<HeaderInfo>,
        scans: Option<Vec<csv::FileScan>>,
        /// With `Depth::Sampled` types: what the sample saw and which ranges were checked.
        sampled: Option<Arc<csv::SampledTypes>>,
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
    pub(super) data_schema: SchemaRef,
    pub(super) layout: Layout,
    pub(super) read: ReadOptions,
}

/// Batches read by a task or a piece; it may borrow the dataset it reads.
pub type BatchStream<'a> = Box<dyn Iterator<Item = Result<RecordBatch>> + Send + 'a>;

impl Dataset {
    /// The input's last path component (`trips.parquet`, `yellow_*.csv`): how stages name it.
    pub fn short_name(&self) -> &str {
        self.input
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or(&self.input)
    }

    /// With types from a sample (`Depth::Sampled`): the first file and column among `columns`
    /// (positions in the schema; partition columns have no sampled type) whose values were not
    /// all read and checked against those types. None when every one was, or the types did not
    /// come from a sample. Until this is None, a job's output may not be printed or committed.
    pub fn unchecked_sample(&self, columns: &[usize]) -> Option<(&Path, String)> {
        let Layout::Csv {
            sampled: Some(sampled),
            headers,
            ..
        } = &self.layout
        else {
            return None;
        };
        let data_columns = self.data_schema.fields().len();
        for (index, (file, header)) in self.files.iter().zip(headers).enumerate() {
            // A gzip file's ranges are offsets in its decompressed text, read to the end.
            let end = if file.gzip { u64::MAX } else { file.size };
            for &column in columns.iter().filter(|&&c| c < data_columns) {
                if !sampled.covers(index, column, header.data_start, end) {
                    let name = self.data_schema.field(column).name().clone();
                    return Some((&file.path, name));
                }
            }
        }
        None
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

//! Reading a dataset's tasks: each piece opened with its format's reader, partition columns
//! appended, streamed as batches.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::compute::cast;
use arrow::datatypes::Schema;
use arrow::record_batch::{RecordBatch, RecordBatchOptions};

use crate::error::{Error, Result};
use crate::io::csv::{self, RecordRange};
use crate::io::parquet::{read_row_groups, ParquetFooter};
use crate::progress::Progress;
use parquet::arrow::arrow_reader::RowSelection;

use super::model::*;

impl Dataset {
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
        stream_task(self, task, columns, None, progress)
    }

    /// As `open_task_columns`, for a shared dataset: the stream keeps it alive.
    pub fn open_task_shared(
        self: &Arc<Self>,
        task: &ScanTask,
        columns: Option<Arc<Vec<usize>>>,
        progress: &Progress,
    ) -> BatchStream<'static> {
        stream_task(self.clone(), task, columns, None, progress)
    }

    /// Whether reads of this dataset take a `RowFilter`: CSV, whose reader builds the filter's
    /// columns first. (Parquet reads late through `RowSelection`s instead.)
    pub fn reads_with_row_filter(&self) -> bool {
        matches!(self.layout, Layout::Csv { .. })
    }

    /// As `open_task_shared`, keeping only the rows `filter` keeps; its columns are data
    /// columns among `columns`. Only where `reads_with_row_filter`.
    pub fn open_task_filtered(
        self: &Arc<Self>,
        task: &ScanTask,
        columns: Arc<Vec<usize>>,
        filter: Arc<csv::RowFilter>,
        progress: &Progress,
    ) -> BatchStream<'static> {
        stream_task(self.clone(), task, Some(columns), Some(filter), progress)
    }

    /// The bytes of files that reading `columns` of `task` reads: a CSV task's byte range
    /// whole, a Parquet task's chunks of those columns only.
    pub fn bytes_read_by(&self, task: &ScanTask, columns: &[usize]) -> u64 {
        let Layout::Parquet { footers } = &self.layout else {
            return task.bytes;
        };
        let names: Vec<&str> = columns
            .iter()
            .filter_map(|&c| self.data_schema.fields().get(c))
            .map(|f| f.name().as_str())
            .collect();
        let mut bytes = 0;
        for piece in &task.pieces {
            match (footers.get(piece.file), &piece.kind) {
                (Some(footer), PieceKind::Parquet(groups)) => {
                    bytes += footer.column_bytes(groups.as_deref(), &names)
                }
                // No footer at hand: the task's size, as planned.
                _ => return task.bytes,
            }
        }
        bytes
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
                None,
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

    /// The single-row-group pieces of a Parquet piece, with their row counts, in order (None
    /// for a CSV piece or a file whose footer was not read).
    pub fn row_group_pieces(&self, piece: &Piece) -> Option<Vec<(Piece, u64)>> {
        let (Layout::Parquet { footers }, PieceKind::Parquet(groups)) = (&self.layout, &piece.kind)
        else {
            return None;
        };
        let rows = footers.get(piece.file)?.row_group_rows();
        let groups: Vec<usize> = match groups {
            Some(groups) => groups.clone(),
            None => (0..rows.len()).collect(),
        };
        groups
            .into_iter()
            .map(|g| {
                let piece = Piece {
                    file: piece.file,
                    kind: PieceKind::Parquet(Some(vec![g])),
                };
                Some((piece, *rows.get(g)?))
            })
            .collect()
    }

    /// Read `columns` (positions in `schema`, in that order) of one piece; a `selection` (over
    /// the piece's rows, Parquet only) decodes only the rows it selects.
    pub fn open_piece_columns(
        &self,
        piece: &Piece,
        columns: &[usize],
        selection: Option<RowSelection>,
        progress: &Progress,
    ) -> Result<BatchStream<'static>> {
        self.open_piece(piece, None, Some(columns), selection, None, progress)
    }

    fn open_piece(
        &self,
        piece: &Piece,
        limit: Option<usize>,
        columns: Option<&[usize]>,
        selection: Option<RowSelection>,
        row_filter: Option<&Arc<csv::RowFilter>>,
        progress: &Progress,
    ) -> Result<BatchStream<'static>> {
        if row_filter.is_some() && matches!(piece.kind, PieceKind::Parquet(_)) {
            return Err(Error::Internal(
                "a row filter was asked of a Parquet piece".into(),
            ));
        }
        if selection.is_some() && matches!(piece.kind, PieceKind::Csv(_)) {
            return Err(Error::Internal(
                "a row selection was asked of a CSV piece".into(),
            ));
        }
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
                .with_sampled_types(sampled.clone(), piece.file)
                .with_row_filter(row_filter.cloned())?,
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
                    selection,
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
                return Err(Error::Internal(
                    "a piece does not match its file's format".into(),
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
}

/// The batches of a task's pieces, in order; `dataset` is a reference or an owning pointer.
fn stream_task<'a, D>(
    dataset: D,
    task: &ScanTask,
    columns: Option<Arc<Vec<usize>>>,
    row_filter: Option<Arc<csv::RowFilter>>,
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
            None,
            row_filter.as_ref(),
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

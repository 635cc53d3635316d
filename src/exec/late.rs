//! Late materialization for Parquet scans: the columns a scan's filter and a top-N's sort keys
//! need are decoded first; the scan's other columns are decoded only for the rows that survive,
//! through a Parquet `RowSelection` that lets the decoder pass over the pages and values of the
//! rest. A selective filter, or an `ORDER BY ... LIMIT n` over a wide file, then costs little
//! more than decoding the columns it tests.

use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions};
use arrow::compute::{concat_batches, filter_record_batch};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::row::RowConverter;
use parquet::arrow::arrow_reader::RowSelection;

use super::metrics::OperatorMetrics;
use super::sort_key::SortKey;
use super::trace::count_input;
use crate::error::{Error, Result};
use crate::expr::eval::{evaluate, evaluate_mask};
use crate::expr::Bound;
use crate::io::dataset::{BatchStream, Dataset, Format, Piece, ScanTask};
use crate::progress::Progress;

/// Past this many rows a top-N keeps, sorting whole batches is as cheap as keeping key bytes
/// per candidate row; the scan reads every column as usual.
const LATE_TOP_N_MAX_ROWS: usize = 100_000;

/// The first `n` rows by `keys` (over the dataset's schema): all that a top-N sort above a scan
/// keeps, so each of the scan's pieces may hand on only its own first `n`.
#[derive(Debug, Clone)]
pub struct TopN {
    pub keys: Vec<SortKey>,
    pub n: usize,
}

/// Whether a scan of `dataset` reads the rows of `top_n` late (what EXPLAIN says).
pub fn reads_top_n_late(dataset: &Dataset, top_n: &TopN) -> bool {
    dataset.format == Format::Parquet && top_n.n > 0 && top_n.n <= LATE_TOP_N_MAX_ROWS
}

/// How a scan task reads late: the columns decoded first and what is done with them.
pub struct LateScan {
    dataset: Arc<Dataset>,
    /// The scan's batches: dataset columns in this order.
    read: Arc<Vec<usize>>,
    /// Dataset columns decoded first: those of the filter and the top-N's keys.
    first: Vec<usize>,
    first_schema: SchemaRef,
    /// Columns of `read` decoded afterwards, for surviving rows only.
    rest: Vec<usize>,
    /// Over `first`'s positions.
    filter: Option<Bound>,
    /// Keys over `first`'s positions, and n.
    top_n: Option<(Vec<SortKey>, usize)>,
    operator: Option<Arc<OperatorMetrics>>,
}

impl LateScan {
    /// A late plan for a scan reading `read` with `filters` (over the dataset's schema) and
    /// maybe a top-N; None when reading late would not save work: not Parquet, a row limit,
    /// nothing decoded late, or a top-N too large to keep as key bytes.
    pub fn plan(
        dataset: &Arc<Dataset>,
        read: &Arc<Vec<usize>>,
        filters: &[Bound],
        top_n: Option<&TopN>,
        limit: Option<usize>,
        operator: Option<Arc<OperatorMetrics>>,
    ) -> Option<LateScan> {
        // Every file's footer read (row counts known): pieces can be split by row group.
        let footers_read = dataset.known_row_count().is_some();
        if dataset.format != Format::Parquet || !footers_read || limit.is_some() {
            return None;
        }
        let top_n = top_n.filter(|t| reads_top_n_late(dataset, t));
        if filters.is_empty() && top_n.is_none() {
            return None;
        }
        let mut first: Vec<usize> = Vec::new();
        let mut note = |b: &Bound| {
            let mut cols = Vec::new();
            b.columns(&mut cols);
            for c in cols {
                if !first.contains(&c) {
                    first.push(c);
                }
            }
        };
        filters.iter().for_each(&mut note);
        if let Some(t) = top_n {
            t.keys.iter().for_each(|k| note(&k.expr));
        }
        let rest: Vec<usize> = read
            .iter()
            .copied()
            .filter(|c| !first.contains(c))
            .collect();
        // A filter alone over every column read saves nothing; a top-N always does (only n rows
        // of each piece are taken whole).
        if first.is_empty() || (top_n.is_none() && rest.is_empty()) {
            return None;
        }
        let position = |c: usize| first.iter().position(|&f| f == c).unwrap_or(0);
        let filter = Bound::conjunction(filters.iter().map(|f| f.remap(&position)).collect());
        let top_n = top_n.map(|t| {
            let keys = t
                .keys
                .iter()
                .map(|k| SortKey {
                    expr: k.expr.remap(&position),
                    descending: k.descending,
                    nulls_first: k.nulls_first,
                })
                .collect();
            (keys, t.n)
        });
        let first_schema = Arc::new(Schema::new(
            first
                .iter()
                .map(|&c| dataset.schema.field(c).clone())
                .collect::<Vec<_>>(),
        ));
        Some(LateScan {
            dataset: dataset.clone(),
            read: read.clone(),
            first,
            first_schema,
            rest,
            filter,
            top_n,
            operator,
        })
    }

    /// The batches of `task`, filtered (and cut to each piece's top-N), with `read`'s columns.
    pub fn open(self: &Arc<Self>, task: &ScanTask, progress: &Progress) -> BatchStream<'static> {
        let this = self.clone();
        let progress = progress.clone();
        if self.top_n.is_some() {
            let mut pieces: VecDeque<Piece> = task.pieces.iter().cloned().collect();
            return Box::new(std::iter::from_fn(move || loop {
                let piece = pieces.pop_front()?;
                match this.top_n_of_piece(&piece, &progress) {
                    Ok(Some(batch)) => return Some(Ok(batch)),
                    Ok(None) => continue,
                    Err(e) => {
                        pieces.clear();
                        return Some(Err(e));
                    }
                }
            }));
        }
        // A filter: one row group at a time, so that what is held is one row group's columns
        // decoded first.
        let mut groups: VecDeque<Piece> = VecDeque::new();
        for piece in &task.pieces {
            match self.dataset.row_group_pieces(piece) {
                Some(split) => groups.extend(split.into_iter().map(|(p, _)| p)),
                None => {
                    return Box::new(std::iter::once(Err(Error::Internal(
                        "a late scan was planned over a piece without a Parquet footer".into(),
                    ))))
                }
            }
        }
        let mut current: Option<(BatchStream<'static>, RecordBatch, usize)> = None;
        crate::io::read_ahead::read_ahead(Box::new(std::iter::from_fn(move || loop {
            if let Some((stream, first_rows, offset)) = current.as_mut() {
                match stream.next() {
                    Some(Ok(rest)) => {
                        let rows = rest.num_rows();
                        if *offset + rows > first_rows.num_rows() {
                            current = None;
                            groups.clear();
                            return Some(Err(Error::Internal(
                                "a late read returned more rows than its selection".into(),
                            )));
                        }
                        let first = first_rows.slice(*offset, rows);
                        *offset += rows;
                        return Some(this.assemble(&first, &rest));
                    }
                    Some(Err(e)) => {
                        current = None;
                        groups.clear();
                        return Some(Err(e));
                    }
                    None => {
                        let short = *offset != first_rows.num_rows();
                        current = None;
                        if short {
                            groups.clear();
                            return Some(Err(Error::Internal(
                                "a late read returned fewer rows than its selection".into(),
                            )));
                        }
                    }
                }
            }
            let group = groups.pop_front()?;
            match this.filter_row_group(&group, &progress) {
                Ok(Some(next)) => current = Some(next),
                Ok(None) => {}
                Err(e) => {
                    groups.clear();
                    return Some(Err(e));
                }
            }
        })))
    }

    /// Count rows decoded first, as the scan counts rows it reads.
    fn count_scanned(&self, rows: usize) {
        count_input(rows as u64, 0);
        if let Some(m) = &self.operator {
            m.scanned_rows.fetch_add(rows as u64, Relaxed);
        }
    }

    /// Decode the first columns of one row group and filter them; then open the rest of the
    /// columns for the surviving rows. None when no row survives.
    fn filter_row_group(
        &self,
        group: &Piece,
        progress: &Progress,
    ) -> Result<Option<(BatchStream<'static>, RecordBatch, usize)>> {
        let filter = self
            .filter
            .as_ref()
            .ok_or_else(|| Error::Internal("a late filter scan without a filter".into()))?;
        let mut kept = Vec::new();
        let mut masks: Vec<BooleanArray> = Vec::new();
        let mut selected = 0;
        for batch in self
            .dataset
            .open_piece_columns(group, &self.first, None, progress)?
        {
            let batch = batch?;
            crate::runtime::check_cancelled()?;
            self.count_scanned(batch.num_rows());
            let mask = evaluate_mask(filter, &batch)?;
            let count = mask.true_count();
            if count > 0 {
                selected += count;
                kept.push(
                    filter_record_batch(&batch, &mask)
                        .map_err(|e| Error::arrow("filtering rows", e))?,
                );
            }
            masks.push(mask);
        }
        if selected == 0 {
            return Ok(None);
        }
        let first_rows = concat_batches(&self.first_schema, &kept)
            .map_err(|e| Error::arrow("filtering rows", e))?;
        let selection = RowSelection::from_filters(&masks);
        let rest = self.dataset.open_piece_columns(
            group,
            &self.rest,
            Some(selection),
            &Progress::disabled(),
        )?;
        Ok(Some((rest, first_rows, 0)))
    }

    /// A batch of `read`'s columns from the first columns and the rest, row for row.
    fn assemble(&self, first: &RecordBatch, rest: &RecordBatch) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = self
            .read
            .iter()
            .map(|c| match self.first.iter().position(|f| f == c) {
                Some(p) => first.column(p).clone(),
                None => {
                    let p = self.rest.iter().position(|r| r == c).unwrap_or(0);
                    rest.column(p).clone()
                }
            })
            .collect();
        let schema = Arc::new(Schema::new(
            self.read
                .iter()
                .map(|&c| self.dataset.schema.field(c).clone())
                .collect::<Vec<_>>(),
        ));
        RecordBatch::try_new_with_options(
            schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(first.num_rows())),
        )
        .map_err(|e| Error::arrow("reading columns", e))
    }

    /// The piece's first n rows by the keys, among those the filter keeps, with all of `read`'s
    /// columns (in the piece's order; the sort above orders them). Keys are compared as arrow
    /// row bytes, as the sort does, and ties go to the earlier row, as the sort keeps them.
    fn top_n_of_piece(&self, piece: &Piece, progress: &Progress) -> Result<Option<RecordBatch>> {
        let Some((keys, n)) = &self.top_n else {
            return Ok(None);
        };
        let n = *n;
        let total_rows: u64 = self
            .dataset
            .row_group_pieces(piece)
            .ok_or_else(|| {
                Error::Internal("a late scan was planned over a piece without a footer".into())
            })?
            .iter()
            .map(|(_, rows)| rows)
            .sum();
        let converter = RowConverter::new(keys.iter().map(SortKey::sort_field).collect())
            .map_err(|e| Error::arrow("sorting", e))?;
        // Candidates: key bytes and row number in the piece. Once n are held, the n-th best
        // key is the bar a later row must beat (strictly: on a tie the earlier row wins).
        let mut candidates: Vec<(Vec<u8>, u64)> = Vec::new();
        let mut bar: Option<Vec<u8>> = None;
        let keep = |candidates: &mut Vec<(Vec<u8>, u64)>, bar: &mut Option<Vec<u8>>| {
            candidates.sort_unstable();
            candidates.truncate(n);
            if candidates.len() == n {
                *bar = candidates.last().map(|(key, _)| key.clone());
            }
        };
        let mut offset: u64 = 0;
        for batch in self
            .dataset
            .open_piece_columns(piece, &self.first, None, progress)?
        {
            let batch = batch?;
            crate::runtime::check_cancelled()?;
            let rows = batch.num_rows();
            self.count_scanned(rows);
            let (batch, numbers): (RecordBatch, Vec<u64>) = match &self.filter {
                Some(filter) => {
                    let mask = evaluate_mask(filter, &batch)?;
                    let numbers = (0..rows as u64)
                        .filter(|&i| mask.value(i as usize))
                        .map(|i| offset + i)
                        .collect();
                    let kept = filter_record_batch(&batch, &mask)
                        .map_err(|e| Error::arrow("filtering rows", e))?;
                    (kept, numbers)
                }
                None => (batch, (offset..offset + rows as u64).collect()),
            };
            offset += rows as u64;
            if batch.num_rows() == 0 {
                continue;
            }
            let columns: Vec<ArrayRef> = keys
                .iter()
                .map(|k| evaluate(&k.expr, &batch))
                .collect::<Result<_>>()?;
            let encoded = converter
                .convert_columns(&columns)
                .map_err(|e| Error::arrow("sorting", e))?;
            for (i, number) in numbers.into_iter().enumerate() {
                let key = encoded.row(i);
                if bar.as_deref().is_none_or(|bar| key.as_ref() < bar) {
                    candidates.push((key.as_ref().to_vec(), number));
                }
            }
            if candidates.len() >= (2 * n).max(1024) {
                keep(&mut candidates, &mut bar);
            }
        }
        keep(&mut candidates, &mut bar);
        if candidates.is_empty() {
            return Ok(None);
        }
        if offset != total_rows {
            return Err(Error::Internal(format!(
                "a Parquet piece read {offset} rows where its footer has {total_rows}"
            )));
        }
        let mut numbers: Vec<usize> = candidates.iter().map(|(_, i)| *i as usize).collect();
        numbers.sort_unstable();
        let selection = RowSelection::from_consecutive_ranges(
            numbers.iter().map(|&i| i..i + 1),
            total_rows as usize,
        );
        let batches: Vec<RecordBatch> = self
            .dataset
            .open_piece_columns(piece, &self.read, Some(selection), &Progress::disabled())?
            .collect::<Result<_>>()?;
        let schema = Arc::new(Schema::new(
            self.read
                .iter()
                .map(|&c| self.dataset.schema.field(c).clone())
                .collect::<Vec<_>>(),
        ));
        let batch =
            concat_batches(&schema, &batches).map_err(|e| Error::arrow("reading columns", e))?;
        if batch.num_rows() != numbers.len() {
            return Err(Error::Internal(format!(
                "a late read returned {} rows for a selection of {}",
                batch.num_rows(),
                numbers.len()
            )));
        }
        Ok(Some(batch))
    }
}

//! Reading a range of CSV records into typed arrow record batches, column by column, with
//! Spark's handling of malformed records (`permissive`, `dropmalformed`, `failfast`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow::array::*;
use arrow::compute::filter_record_batch;
use arrow::datatypes::*;
use arrow::record_batch::{RecordBatch, RecordBatchOptions};

use super::fields::split_fields;
use super::options::{CsvOptions, ParseMode};
use super::sampled::SampledTypes;
use super::source::{csv_error, open_stream};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::runtime;
use crate::types::datetime_pattern::DateTimePattern;
use crate::types::parse;

/// Where in a file a reader starts and stops.
#[derive(Debug, Clone, Copy)]
pub struct RecordRange {
    pub start: u64,
    /// Exclusive end offset; `None` reads to the end.
    pub end: Option<u64>,
    /// Line on which `start` lies (for error messages).
    pub first_line: u64,
}

/// A batch of records, however they were split into fields.
trait Records {
    fn count(&self) -> usize;
    fn field(&self, row: usize, column: usize) -> Option<&[u8]>;
    fn width(&self, row: usize) -> usize;
    /// Line of the record, counted from 1 at the start of the reader's stream.
    fn line(&self, row: usize) -> Option<u64>;
}

impl Records for [csv::ByteRecord] {
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn field(&self, row: usize, column: usize) -> Option<&[u8]> {
        self[row].get(column)
    }
    fn width(&self, row: usize) -> usize {
        self[row].len()
    }
    fn line(&self, row: usize) -> Option<u64> {
        self[row].position().map(|p| p.line())
    }
}

/// Records of lines without quotes: field bounds into one copy of the batch's bytes.
#[derive(Default)]
struct PlainBatch {
    bytes: Vec<u8>,
    /// (start, end) of every field, row after row.
    bounds: Vec<(u32, u32)>,
    /// Index in `bounds` of each row's first field, and one past the last row.
    rows: Vec<u32>,
    lines: Vec<u64>,
}

impl Records for PlainBatch {
    fn count(&self) -> usize {
        self.lines.len()
    }
    #[inline]
    fn field(&self, row: usize, column: usize) -> Option<&[u8]> {
        let i = self.rows[row] as usize + column;
        if i < self.rows[row + 1] as usize {
            let (start, end) = self.bounds[i];
            Some(&self.bytes[start as usize..end as usize])
        } else {
            None
        }
    }
    fn width(&self, row: usize) -> usize {
        (self.rows[row + 1] - self.rows[row]) as usize
    }
    fn line(&self, row: usize) -> Option<u64> {
        Some(self.lines[row])
    }
}

/// Some records of a batch, by index: the records a row filter kept.
struct Selected<'a, R: ?Sized> {
    records: &'a R,
    rows: &'a [u32],
}

impl<R: Records + ?Sized> Records for Selected<'_, R> {
    fn count(&self) -> usize {
        self.rows.len()
    }
    #[inline]
    fn field(&self, row: usize, column: usize) -> Option<&[u8]> {
        self.records.field(self.rows[row] as usize, column)
    }
    fn width(&self, row: usize) -> usize {
        self.records.width(self.rows[row] as usize)
    }
    fn line(&self, row: usize) -> Option<u64> {
        self.records.line(self.rows[row] as usize)
    }
}

/// A filter applied while reading: the file columns `columns` (ascending) are built first, for
/// every record, and handed as one batch to `predicate`; a record is kept where it says true
/// (null drops it, as a filter does). The reader's other columns are built only for kept records.
pub struct RowFilter {
    pub columns: Vec<usize>,
    pub predicate: RowPredicate,
}

pub type RowPredicate = Box<dyn Fn(&RecordBatch) -> Result<BooleanArray> + Send + Sync>;

/// A row filter fitted to one reader: where its columns are among the reader's.
struct FittedFilter {
    filter: Arc<RowFilter>,
    /// Position of each filter column in the reader's output.
    positions: Vec<usize>,
    schema: SchemaRef,
}

/// Where records come from. Lines without a quote character (most CSV data) are split at the
/// delimiter directly, no CSV state machine needed; from the first line with a quote (or a lone
/// carriage return, or a byte-order mark) on, the rest of the range goes through csv's reader.
enum Source {
    Plain(PlainLines),
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// Bytes of the range consumed before this reader took over (for progress).
        base: u64,
    },
    /// Only while switching from one to the other.
    Switching,
}

struct PlainLines {
    stream: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Unconsumed data starts here.
    start: usize,
    eof: bool,
    /// Bytes consumed so far.
    consumed: u64,
    /// 1-based line, counted from the range's start, of the next line.
    line: u64,
}

impl PlainLines {
    /// Make sure a whole line (or the end) follows `start`; returns where its newline is.
    fn fill(&mut self, path: &Path) -> Result<Option<usize>> {
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf[self.start..]) {
                return Ok(Some(self.start + nl));
            }
            if self.eof {
                return Ok(None);
            }
            // Keep the unconsumed tail and read more behind it.
            self.buf.drain(..self.start);
            self.start = 0;
            let len = self.buf.len();
            self.buf.resize(len + (1 << 18), 0);
            let read = loop {
                match self.stream.read(&mut self.buf[len..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(Error::io(path, e)),
                }
            };
            self.buf.truncate(len + read);
            if read == 0 {
                self.eof = true;
            }
        }
    }
}

/// Streams record batches of at most `batch_size` rows from a range of records.
pub struct CsvBatchReader {
    path: Arc<Path>,
    source: Source,
    /// Output schema: the file's columns chosen by `columns`, in that order.
    schema: SchemaRef,
    columns: Vec<usize>,
    file_columns: usize,
    options: Arc<CsvOptions>,
    batch_size: usize,
    records: Vec<csv::ByteRecord>,
    line_offset: u64,
    last_byte: u64,
    progress: Progress,
    done: bool,
    /// Types inferred from a sample (see `Depth::Sampled`), and this file's index among the
    /// dataset's: a value that does not fit is then a contradiction, not a malformed value, and
    /// the range is recorded as checked once it is read to its end.
    sampled: Option<(Arc<SampledTypes>, usize)>,
    range: RecordRange,
    row_filter: Option<FittedFilter>,
}

impl CsvBatchReader {
    /// `file_schema` is the full schema of the file's columns; `columns` picks and orders them.
    #[allow(clippy::too_many_arguments)]
    pub fn try_new(
        path: Arc<Path>,
        gzip: bool,
        range: RecordRange,
        file_schema: &Schema,
        columns: Vec<usize>,
        options: Arc<CsvOptions>,
        batch_size: usize,
        progress: Progress,
    ) -> Result<Self> {
        let mut stream = open_stream(&path, gzip, range.start)?;
        if let Some(end) = range.end {
            stream = Box::new(stream.take(end.saturating_sub(range.start)));
        }
        let source = Source::Plain(PlainLines {
            stream,
            buf: Vec::with_capacity(1 << 18),
            start: 0,
            eof: false,
            consumed: 0,
            line: 1,
        });
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|&i| file_schema.field(i).clone())
                .collect::<Vec<_>>(),
        ));
        Ok(CsvBatchReader {
            path,
            source,
            schema,
            columns,
            file_columns: file_schema.fields().len(),
            options,
            batch_size: batch_size.max(1),
            records: Vec::new(),
            line_offset: range.first_line.saturating_sub(1),
            last_byte: 0,
            progress,
            done: false,
            sampled: None,
            range,
            row_filter: None,
        })
    }

    /// Mark the schema's types as inferred from a sample (None: inferred from every row or
    /// given); `file` is this file's index in the dataset.
    pub fn with_sampled_types(mut self, sampled: Option<Arc<SampledTypes>>, file: usize) -> Self {
        self.sampled = sampled.map(|s| (s, file));
        self
    }

    /// The range has been read to its end: every value of its columns was checked.
    fn finished(&mut self) {
        self.done = true;
        if let Some((sampled, file)) = &self.sampled {
            let end = self.range.end.unwrap_or(u64::MAX);
            sampled.record_checked(*file, &self.columns, self.range.start, end);
        }
    }

    /// Keep only the records `filter` keeps. Its columns must be among the reader's.
    pub fn with_row_filter(mut self, filter: Option<Arc<RowFilter>>) -> Result<Self> {
        let Some(filter) = filter else {
            return Ok(self);
        };
        let positions = filter
            .columns
            .iter()
            .map(|c| self.columns.iter().position(|r| r == c))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| Error::Internal("a row filter over a column not read".into()))?;
        let schema = Arc::new(
            self.schema
                .project(&positions)
                .map_err(|e| Error::arrow("a row filter's columns", e))?,
        );
        self.row_filter = Some(FittedFilter {
            filter,
            positions,
            schema,
        });
        Ok(self)
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Up to `batch_size` plain lines; None when the next line needs the full parser (the
    /// source has then switched) or the range is done.
    fn read_plain(&mut self) -> Result<Option<PlainBatch>> {
        let Source::Plain(plain) = &mut self.source else {
            return Ok(None);
        };
        let (quote, delimiter) = (self.options.quote, self.options.delimiter);
        let mut batch = PlainBatch::default();
        batch.rows.push(0);
        let mut switch = false;
        while batch.lines.len() < self.batch_size {
            let newline = plain.fill(&self.path)?;
            let end = match newline {
                Some(nl) => nl,
                None if plain.start < plain.buf.len() => plain.buf.len(),
                None => break,
            };
            let mut text_end = end;
            if text_end > plain.start && plain.buf[text_end - 1] == b'\r' {
                text_end -= 1;
            }
            let text = &plain.buf[plain.start..text_end];
            let bom = plain.consumed == 0 && text.starts_with(&[0xEF, 0xBB, 0xBF]);
            let fields_before = batch.bounds.len();
            let plain_line = !bom
                && split_fields(
                    text,
                    [delimiter, quote],
                    batch.bytes.len() as u32,
                    &mut batch.bounds,
                );
            if !plain_line {
                batch.bounds.truncate(fields_before);
                switch = true;
                break;
            }
            let number = plain.line;
            plain.line += 1;
            let next = (end + 1).min(plain.buf.len());
            if !text.is_empty() {
                batch.bytes.extend_from_slice(text);
                batch.rows.push(batch.bounds.len() as u32);
                batch.lines.push(number);
            }
            plain.consumed += (next - plain.start) as u64;
            plain.start = next;
        }
        if switch {
            self.switch_to_csv();
        }
        if batch.lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(batch))
    }

    /// Hand the rest of the range (buffered bytes, then the stream) to csv's reader.
    fn switch_to_csv(&mut self) {
        if let Source::Plain(plain) = std::mem::replace(&mut self.source, Source::Switching) {
            let rest = plain.buf[plain.start..].to_vec();
            let stream: Box<dyn Read + Send> =
                Box::new(std::io::Cursor::new(rest).chain(plain.stream));
            let reader = self
                .options
                .reader_builder()
                .buffer_capacity(1 << 18)
                .from_reader(stream);
            // csv counts lines from 1 again.
            self.line_offset += plain.line - 1;
            self.source = Source::Csv {
                reader,
                base: plain.consumed,
            };
        }
    }

    fn read_batch(&mut self) -> Result<Option<RecordBatch>> {
        runtime::check_cancelled()?;
        if matches!(self.source, Source::Plain(_)) {
            if let Some(batch) = self.read_plain()? {
                self.report_progress();
                return self.build(&batch);
            }
            if matches!(self.source, Source::Plain(_)) {
                // No switch: the range is done.
                self.finished();
                self.report_progress();
                return Ok(None);
            }
        }
        let mut count = 0;
        let mut ended = false;
        while count < self.batch_size {
            if self.records.len() <= count {
                self.records.push(csv::ByteRecord::new());
            }
            let Source::Csv { reader, .. } = &mut self.source else {
                break;
            };
            let more = reader
                .read_byte_record(&mut self.records[count])
                .map_err(|e| csv_error(&self.path, e))?;
            if !more {
                ended = true;
                break;
            }
            count += 1;
        }
        self.report_progress();
        let built = if count == 0 {
            Ok(None)
        } else {
            self.build(&self.records[..count])
        };
        if ended && built.is_ok() {
            self.finished();
        } else if ended {
            self.done = true;
        }
        built
    }

    fn report_progress(&mut self) {
        let byte = match &self.source {
            Source::Plain(plain) => plain.consumed,
            Source::Csv { reader, base } => base + reader.position().byte(),
            Source::Switching => self.last_byte,
        };
        self.progress.inc(byte.saturating_sub(self.last_byte));
        self.last_byte = byte;
    }

    /// The batch of records, built and filtered. In permissive mode (no record is dropped or
    /// fails for a malformed value) with types from every row, a row filter's columns are built
    /// first and the others only for the records it keeps: a selective filter then costs little
    /// more than parsing the columns it tests. Otherwise every column is built, then filtered.
    fn build<R: Records + ?Sized>(&self, records: &R) -> Result<Option<RecordBatch>> {
        let Some(fitted) = &self.row_filter else {
            return self.build_all(records);
        };
        if self.options.mode != ParseMode::Permissive || self.sampled.is_some() {
            let Some(batch) = self.build_all(records)? else {
                return Ok(None);
            };
            let tested = batch
                .project(&fitted.positions)
                .map_err(|e| Error::arrow("a row filter's columns", e))?;
            let keep = (fitted.filter.predicate)(&tested)?;
            return filter_record_batch(&batch, &keep)
                .map(Some)
                .map_err(|e| Error::arrow("filtering rows", e));
        }
        let count = records.count();
        let tested: Vec<ArrayRef> = fitted
            .positions
            .iter()
            .map(|&output| self.permissive_column(records, output))
            .collect();
        let options = RecordBatchOptions::new().with_row_count(Some(count));
        let tested = RecordBatch::try_new_with_options(fitted.schema.clone(), tested, &options)
            .map_err(|e| Error::arrow(format!("{}: building a batch", self.path.display()), e))?;
        let keep = (fitted.filter.predicate)(&tested)?;
        if keep.len() != count {
            return Err(Error::Internal(
                "a row filter answered for a different number of rows".into(),
            ));
        }
        let rows: Vec<u32> = (0..count as u32)
            .filter(|&row| keep.is_valid(row as usize) && keep.value(row as usize))
            .collect();
        if rows.is_empty() {
            return Ok(Some(RecordBatch::new_empty(self.schema.clone())));
        }
        let indices = UInt32Array::from(rows);
        let selected = Selected {
            records,
            rows: indices.values(),
        };
        let mut arrays = Vec::with_capacity(self.columns.len());
        for output in 0..self.columns.len() {
            arrays.push(match fitted.positions.iter().position(|&p| p == output) {
                Some(i) => arrow::compute::take(tested.column(i), &indices, None)
                    .map_err(|e| Error::arrow("filtering rows", e))?,
                None => self.permissive_column(&selected, output),
            });
        }
        let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map(Some)
            .map_err(|e| Error::arrow(format!("{}: building a batch", self.path.display()), e))
    }

    /// Output column `output` of `records`, a value that does not parse read as null.
    fn permissive_column<R: Records + ?Sized>(&self, records: &R, output: usize) -> ArrayRef {
        convert_column(
            records,
            self.columns[output],
            self.schema.field(output).data_type(),
            self.options.null_value.as_bytes(),
            self.options.timestamp_format.as_ref(),
            &mut Vec::new(),
        )
    }

    /// Typed columns of a batch of records, with Spark's handling of malformed ones.
    fn build_all<R: Records + ?Sized>(&self, records: &R) -> Result<Option<RecordBatch>> {
        let count = records.count();
        let line_of = |row: usize| records.line(row).map(|l| l + self.line_offset);
        let mode = self.options.mode;

        // Rows whose field count differs from the header's are malformed.
        let mut malformed = vec![false; count];
        if mode != ParseMode::Permissive {
            for row in 0..count {
                if records.width(row) != self.file_columns {
                    if mode == ParseMode::FailFast {
                        return Err(Error::Csv {
                            path: self.path.to_path_buf(),
                            line: line_of(row),
                            column: None,
                            message: format!(
                                "malformed record: expected {} fields, found {} (use --parse-mode permissive or dropmalformed to read it anyway)",
                                self.file_columns,
                                records.width(row)
                            ),
                        });
                    }
                    malformed[row] = true;
                }
            }
        }

        let null_value = self.options.null_value.as_bytes();
        let format = self.options.timestamp_format.as_ref();
        let mut arrays = Vec::with_capacity(self.columns.len());
        let mut bad_rows = Vec::new();
        for (output, &column) in self.columns.iter().enumerate() {
            bad_rows.clear();
            let field = self.schema.field(output);
            let array = convert_column(
                records,
                column,
                field.data_type(),
                null_value,
                format,
                &mut bad_rows,
            );
            if let Some((sampled, _)) = &self.sampled {
                let null_only = sampled.null_only.get(column).copied().unwrap_or(false);
                let contradiction = match bad_rows.first() {
                    Some(&row) => Some(row),
                    None if null_only && array.null_count() < array.len() => {
                        (0..array.len()).find(|&row| array.is_valid(row))
                    }
                    None => None,
                };
                if let Some(row) = contradiction {
                    return Err(Error::InferenceContradicted {
                        path: self.path.to_path_buf(),
                        line: line_of(row),
                        column: field.name().clone(),
                    });
                }
            }
            if let Some(&row) = bad_rows.first() {
                match mode {
                    ParseMode::Permissive => {}
                    ParseMode::DropMalformed => bad_rows.iter().for_each(|&r| malformed[r] = true),
                    ParseMode::FailFast => {
                        let value = records.field(row, column).unwrap_or_default();
                        return Err(Error::Csv {
                            path: self.path.to_path_buf(),
                            line: line_of(row),
                            column: Some(field.name().clone()),
                            message: format!(
                                "malformed value '{}': not a valid {} (use --parse-mode permissive to read it as null)",
                                String::from_utf8_lossy(value),
                                crate::types::names::spark_type_name(field.data_type())
                            ),
                        });
                    }
                }
            }
            arrays.push(array);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(count));
        let batch = RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| Error::arrow(format!("{}: building a batch", self.path.display()), e))?;
        if malformed.iter().any(|m| *m) {
            let keep = BooleanArray::from(malformed.iter().map(|m| !m).collect::<Vec<_>>());
            return filter_record_batch(&batch, &keep)
                .map(Some)
                .map_err(|e| Error::arrow("dropping malformed records", e));
        }
        Ok(Some(batch))
    }
}

impl Iterator for CsvBatchReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_batch() {
                Ok(Some(batch)) if batch.num_rows() == 0 => continue,
                Ok(Some(batch)) => return Some(Ok(batch)),
                Ok(None) => return None,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// Build the array of one column from a batch of records. A field equal to `null_value`, empty
/// (Spark reads an empty field as null whatever `nullValue` is) or missing, in a short row, is
/// null; a field that does not parse is null and its row is pushed
/// to `bad_rows`.
fn convert_column<R: Records + ?Sized>(
    records: &R,
    column: usize,
    data_type: &DataType,
    null_value: &[u8],
    format: Option<&DateTimePattern>,
    bad_rows: &mut Vec<usize>,
) -> ArrayRef {
    fn primitive<T: ArrowPrimitiveType, R: Records + ?Sized>(
        records: &R,
        column: usize,
        null_value: &[u8],
        bad_rows: &mut Vec<usize>,
        parse: impl Fn(&[u8]) -> Option<T::Native>,
    ) -> PrimitiveArray<T> {
        let mut builder = PrimitiveBuilder::<T>::with_capacity(records.count());
        for row in 0..records.count() {
            match records.field(row, column) {
                Some(field) if field != null_value && !field.is_empty() => match parse(field) {
                    Some(value) => builder.append_value(value),
                    None => {
                        builder.append_null();
                        bad_rows.push(row);
                    }
                },
                _ => builder.append_null(),
            }
        }
        builder.finish()
    }
    let (r, c, n) = (records, column, null_value);
    match data_type {
        DataType::Int8 => Arc::new(primitive::<Int8Type, R>(r, c, n, bad_rows, parse::parse_i8)),
        DataType::Int16 => Arc::new(primitive::<Int16Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_i16,
        )),
        DataType::Int32 => Arc::new(primitive::<Int32Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_i32,
        )),
        DataType::Int64 => Arc::new(primitive::<Int64Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_i64,
        )),
        DataType::Float32 => Arc::new(primitive::<Float32Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_f32,
        )),
        DataType::Float64 => Arc::new(primitive::<Float64Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_f64,
        )),
        DataType::Date32 => Arc::new(primitive::<Date32Type, R>(
            r,
            c,
            n,
            bad_rows,
            parse::parse_date,
        )),
        DataType::Timestamp(TimeUnit::Microsecond, None) => {
            Arc::new(primitive::<TimestampMicrosecondType, R>(
                r,
                c,
                n,
                bad_rows,
                |text| parse::parse_timestamp(text, format),
            ))
        }
        DataType::Decimal128(precision, scale) => {
            let (precision, scale) = (*precision, *scale);
            let array = primitive::<Decimal128Type, R>(r, c, n, bad_rows, |text| {
                parse::parse_decimal128(text, precision, scale)
            });
            Arc::new(
                array
                    .with_precision_and_scale(precision, scale)
                    .unwrap_or_else(|_| {
                        // Precision and scale come from a checked schema; an invalid pair cannot get here.
                        PrimitiveArray::<Decimal128Type>::new_null(records.count())
                    }),
            )
        }
        DataType::Boolean => {
            let mut builder = BooleanBuilder::with_capacity(records.count());
            for row in 0..records.count() {
                match records.field(row, column) {
                    Some(field) if field != null_value && !field.is_empty() => {
                        match parse::parse_bool(field) {
                            Some(value) => builder.append_value(value),
                            None => {
                                builder.append_null();
                                bad_rows.push(row);
                            }
                        }
                    }
                    _ => builder.append_null(),
                }
            }
            Arc::new(builder.finish())
        }
        // Strings (and any type a schema check let through as text).
        _ => {
            let bytes: usize = (0..records.count())
                .map(|row| records.field(row, column).map_or(0, |f| f.len()))
                .sum();
            let mut builder = StringBuilder::with_capacity(records.count(), bytes);
            for row in 0..records.count() {
                match records.field(row, column) {
                    Some(field) if field != null_value && !field.is_empty() => {
                        match std::str::from_utf8(field) {
                            Ok(text) => builder.append_value(text),
                            // Invalid UTF-8 reads as U+FFFD, as Java's decoder (and so Spark) does.
                            Err(_) => builder.append_value(String::from_utf8_lossy(field)),
                        }
                    }
                    _ => builder.append_null(),
                }
            }
            Arc::new(builder.finish())
        }
    }
}

//! One output file: a Parquet writer (encodings chosen from its first rows, as parquet-mr
//! would) or a CSV or JSON lines stream (gzipped if asked), finished and synced before the
//! commit.

use crate::error::{Error, Result};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::options::*;
use super::shared::*;

pub(super) enum FileSink {
    Parquet(Box<ColumnParallelWriter<BufWriter<File>>>),
    /// CSV or JSON lines.
    Text(Box<TextStream>),
}

/// Where CSV or JSON bytes go: the file, or a gzip stream into it.
pub(super) enum TextStream {
    Plain(BufWriter<File>),
    Gzip(Box<flate2::write::GzEncoder<BufWriter<File>>>),
}

impl Write for TextStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            TextStream::Plain(w) => w.write(buf),
            TextStream::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            TextStream::Plain(w) => w.flush(),
            TextStream::Gzip(w) => w.flush(),
        }
    }
}

impl TextStream {
    pub(super) fn finish(self, path: &Path) -> Result<()> {
        let file = match self {
            TextStream::Plain(w) => w.into_inner().map_err(|e| e.into_error()),
            TextStream::Gzip(w) => (*w)
                .finish()
                .and_then(|w| w.into_inner().map_err(|e| e.into_error())),
        }
        .map_err(|e| Error::io(path, e))?;
        file.sync_all().map_err(|e| Error::io(path, e))
    }
}

pub(super) fn open_sink(path: &Path, shared: &JobShared, first: &RecordBatch) -> Result<FileSink> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    // A partitioned write may hold hundreds of files open per task: small buffers there.
    let capacity = if shared.partition_columns.is_empty() {
        1 << 20
    } else {
        64 << 10
    };
    let buffered = BufWriter::with_capacity(capacity, file);
    match shared.options.format {
        OutputFormat::Parquet => {
            let mut properties = shared.properties.clone().into_builder();
            for (field, dictionary) in first.schema().fields().iter().zip(dictionary_pays(first)) {
                if !dictionary {
                    properties = properties.set_column_dictionary_enabled(
                        ColumnPath::from(field.name().as_str()),
                        false,
                    );
                }
            }
            // No embedded arrow schema: the Parquet schema alone describes the file, as Spark's do.
            let options = ArrowWriterOptions::new()
                .with_properties(properties.build())
                .with_skip_arrow_metadata(true);
            let writer =
                ArrowWriter::try_new_with_options(buffered, shared.file_schema.clone(), options)
                    .and_then(|writer| {
                        ColumnParallelWriter::new(
                            writer,
                            shared.file_schema.clone(),
                            shared.options.row_group_rows(),
                        )
                    })
                    .map_err(|e| Error::parquet(path, e))?;
            Ok(FileSink::Parquet(Box::new(writer)))
        }
        OutputFormat::Csv | OutputFormat::Json => {
            let mut stream = match shared.options.compression() {
                Compression::Gzip => TextStream::Gzip(Box::new(flate2::write::GzEncoder::new(
                    buffered,
                    flate2::Compression::default(),
                ))),
                _ => TextStream::Plain(buffered),
            };
            if shared.options.format == OutputFormat::Csv {
                stream
                    .write_all(&shared.options.text.csv_header(&shared.file_schema))
                    .map_err(|e| Error::io(path, e))?;
            }
            Ok(FileSink::Text(Box::new(stream)))
        }
    }
}

/// Rows of a file's first batch looked at to choose its columns' encodings.
const ENCODING_SAMPLE_ROWS: usize = 16 << 10;

/// For each column of `batch`, whether dictionary encoding would make it smaller than plain
/// encoding, judged on its first rows: parquet-mr's rule (which Spark's files follow), a
/// dictionary is kept only when dictionary plus indices are smaller than the plain values.
/// Nearly unique columns (timestamps, ids) are written plain from the start, which spares
/// hashing every value into a dictionary that would be dropped.
fn dictionary_pays(batch: &RecordBatch) -> Vec<bool> {
    let rows = batch.num_rows().min(ENCODING_SAMPLE_ROWS);
    batch
        .columns()
        .iter()
        .map(|column| {
            let column = column.slice(0, rows);
            let values = column.len() - column.null_count();
            if values == 0 || column.data_type() == &DataType::Boolean {
                return true;
            }
            let plain_bytes = match (
                column.data_type().primitive_width(),
                column.as_string_opt::<i32>(),
            ) {
                (Some(width), _) => values * width,
                // Strings: their bytes plus a 4-byte length each.
                (None, Some(strings)) => {
                    let offsets = strings.value_offsets();
                    (offsets[offsets.len() - 1] - offsets[0]) as usize + 4 * values
                }
                (None, None) => return true,
            };
            let value_bytes = plain_bytes as f64 / values as f64;
            let dictionary_bytes = |distinct: usize| {
                let index_bits = (usize::BITS - distinct.leading_zeros()).max(1) as f64;
                distinct as f64 * value_bytes + values as f64 * index_bits / 8.0
            };
            // The dictionary's size only grows with its values: counting stops once it has
            // reached the plain size.
            let limit = |distinct: usize| dictionary_bytes(distinct) >= plain_bytes as f64;
            let Some(distinct) = count_distinct(column.as_ref(), limit) else {
                return false;
            };
            dictionary_bytes(distinct) < plain_bytes as f64
        })
        .collect()
}

/// Distinct non-null values of `column`, compared as their bytes (so -0.0 and 0.0 differ, as
/// they do in a Parquet dictionary), or None as soon as `past` says the count so far is too
/// many. Primitive values are hashed as their bit patterns: no row encoding made to be hashed.
/// Asked only of fixed-width and string columns (None for others).
fn count_distinct(column: &dyn Array, past: impl Fn(usize) -> bool) -> Option<usize> {
    fn count<T: std::hash::Hash + Eq>(
        values: impl Iterator<Item = Option<T>>,
        past: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut distinct = hashbrown::HashSet::new();
        for value in values.flatten() {
            if distinct.insert(value) && past(distinct.len()) {
                return None;
            }
        }
        Some(distinct.len())
    }
    let data = column.to_data();
    let nulls = column.logical_nulls();
    let valid = |row: usize| nulls.as_ref().is_none_or(|n| n.is_valid(row));
    if let Some(strings) = column.as_string_opt::<i32>() {
        return count(strings.iter(), past);
    }
    let width = column.data_type().primitive_width()?;
    let buffer = data.buffers().first()?;
    let bytes = &buffer.as_slice()[data.offset() * width..(data.offset() + data.len()) * width];
    let rows = (0..data.len()).filter(|&row| valid(row));
    // A value's bytes as an array of its width, hashed and compared whole.
    fn values<'a, const N: usize>(
        bytes: &'a [u8],
        rows: impl Iterator<Item = usize> + 'a,
    ) -> impl Iterator<Item = Option<[u8; N]>> + 'a {
        rows.map(move |r| bytes[r * N..(r + 1) * N].try_into().ok())
    }
    match width {
        1 => count(values::<1>(bytes, rows), past),
        2 => count(values::<2>(bytes, rows), past),
        4 => count(values::<4>(bytes, rows), past),
        8 => count(values::<8>(bytes, rows), past),
        16 => count(values::<16>(bytes, rows), past),
        _ => count(rows.map(|r| Some(&bytes[r * width..(r + 1) * width])), past),
    }
}

impl FileSink {
    pub(super) fn write(&mut self, batch: &RecordBatch, shared: &JobShared) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => writer
                .write(batch)
                .map_err(|e| Error::parquet(&shared.temp, e)),
            FileSink::Text(stream) => {
                let mut text = Vec::new();
                match shared.options.format {
                    OutputFormat::Json => shared.options.text.write_json_rows(&mut text, batch),
                    _ => shared.options.text.write_csv_rows(&mut text, batch),
                }
                stream
                    .write_all(&text)
                    .map_err(|e| Error::io(&shared.temp, e))
            }
        }
    }

    /// Write the row group in progress out now, freeing its buffers.
    pub(super) fn flush_row_group(&mut self, path: &Path) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => writer.flush().map_err(|e| Error::parquet(path, e)),
            FileSink::Text(_) => Ok(()),
        }
    }

    pub(super) fn finish(self, path: &Path) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => {
                let mut inner = (*writer)
                    .into_inner()
                    .map_err(|e| Error::parquet(path, e))?;
                inner.flush().map_err(|e| Error::io(path, e))?;
                // On disk before the commit renames it into view (a power loss must not leave
                // a committed name over missing bytes).
                inner.get_ref().sync_all().map_err(|e| Error::io(path, e))
            }
            FileSink::Text(stream) => stream.finish(path),
        }
    }
}

/// A Parquet file written as arrow-rs's `ArrowWriter` writes it (same row groups, pages,
/// encodings and footer), but with each batch's columns encoded in parallel on the rayon pool.
/// Tasks that write keep their cores busy by themselves; this lets a core with no task left
/// (three tasks on two cores, or a one-task write) take columns from the tasks still running,
/// instead of idling while they finish.
pub(super) struct ColumnParallelWriter<W: Write + Send> {
    file: parquet::file::writer::SerializedFileWriter<W>,
    row_groups: parquet::arrow::arrow_writer::ArrowRowGroupWriterFactory,
    schema: arrow::datatypes::SchemaRef,
    /// The row group being written: a writer per leaf column, and its rows so far.
    in_progress: Option<(Vec<parquet::arrow::arrow_writer::ArrowColumnWriter>, usize)>,
    row_group_rows: usize,
}

impl<W: Write + Send> ColumnParallelWriter<W> {
    fn new(
        writer: ArrowWriter<W>,
        schema: arrow::datatypes::SchemaRef,
        row_group_rows: usize,
    ) -> parquet::errors::Result<Self> {
        let (file, row_groups) = writer.into_serialized_writer()?;
        Ok(ColumnParallelWriter {
            file,
            row_groups,
            schema,
            in_progress: None,
            row_group_rows: row_group_rows.max(1),
        })
    }

    pub(super) fn write(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        use parquet::arrow::arrow_writer::compute_leaves;
        use rayon::prelude::*;
        let mut remaining = batch.clone();
        while remaining.num_rows() > 0 {
            let index = self.file.flushed_row_groups().len();
            let (writers, rows) = match &mut self.in_progress {
                Some(in_progress) => in_progress,
                empty => empty.insert((self.row_groups.create_column_writers(index)?, 0)),
            };
            // The rows that fit in this row group; the rest go to the next.
            let take = remaining.num_rows().min(self.row_group_rows - *rows);
            let part = remaining.slice(0, take);
            remaining = remaining.slice(take, remaining.num_rows() - take);
            let mut leaves = Vec::with_capacity(writers.len());
            for (field, column) in self.schema.fields().iter().zip(part.columns()) {
                leaves.extend(compute_leaves(field.as_ref(), column)?);
            }
            if leaves.len() != writers.len() {
                return Err(parquet::errors::ParquetError::General(format!(
                    "{} leaf columns for {} column writers",
                    leaves.len(),
                    writers.len()
                )));
            }
            writers
                .par_iter_mut()
                .zip(leaves.par_iter())
                .try_for_each(|(writer, leaf)| writer.write(leaf))?;
            *rows += take;
            if *rows >= self.row_group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Write the row group in progress out now (its column chunks closed in parallel).
    pub(super) fn flush(&mut self) -> parquet::errors::Result<()> {
        use rayon::prelude::*;
        let Some((writers, _)) = self.in_progress.take() else {
            return Ok(());
        };
        let chunks: Vec<_> = writers
            .into_par_iter()
            .map(|writer| writer.close())
            .collect::<parquet::errors::Result<_>>()?;
        let mut row_group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        Ok(())
    }

    /// Flush, write the footer, and hand back the file.
    fn into_inner(mut self) -> parquet::errors::Result<W> {
        self.flush()?;
        self.file.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn dictionary_only_where_it_is_smaller() {
        let rows = 50_000;
        let unique = Int64Array::from_iter_values(0..rows as i64);
        let repeated = Float64Array::from_iter_values((0..rows).map(|i| (i % 300) as f64 / 4.0));
        let ids = StringArray::from_iter_values((0..rows).map(|i| format!("trip-{i:08}")));
        let flags =
            StringArray::from_iter_values((0..rows).map(|i| if i % 7 == 0 { "Y" } else { "N" }));
        let nulls = Int64Array::from(vec![None::<i64>; rows]);
        let batch = RecordBatch::try_from_iter([
            ("unique", Arc::new(unique) as ArrayRef),
            ("repeated", Arc::new(repeated)),
            ("ids", Arc::new(ids)),
            ("flags", Arc::new(flags)),
            ("nulls", Arc::new(nulls)),
        ])
        .unwrap();
        assert_eq!(
            dictionary_pays(&batch),
            vec![false, true, false, true, true]
        );
        assert_eq!(dictionary_pays(&batch.slice(0, 0)), vec![true; 5]);
    }
}

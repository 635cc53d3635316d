//! Reading Parquet files: the footer (schema, row counts, row groups) and streams of record
//! batches for a set of row groups, conformed to the dataset's schema by column name.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{new_null_array, ArrayRef};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::arrow::ProjectionMask;

use crate::error::{catch_panic, Error, Result};
use crate::io::parquet_check::{check_footer, check_pages};
use crate::runtime;
use crate::types::schema::{conform_array, normalize_schema};

/// The error for a panic inside the parquet crate: the file is corrupt in a way the checks did
/// not catch.
fn decoder_failed(path: &Path, panic: String) -> Error {
    Error::parquet(
        path,
        format!("corrupt Parquet file: the decoder failed ({panic})"),
    )
}

/// The footer of one Parquet file.
#[derive(Clone)]
pub struct ParquetFooter {
    pub metadata: ArrowReaderMetadata,
}

impl ParquetFooter {
    /// Read and check the footer: row counts agree, every column chunk lies inside the file.
    pub fn read(path: &Path) -> Result<ParquetFooter> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let length = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let metadata = catch_panic(
            || {
                ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                    .map_err(|e| Error::parquet(path, format!("not a readable Parquet file ({e})")))
            },
            |panic| decoder_failed(path, panic),
        )?;
        check_footer(path, metadata.metadata(), length)?;
        Ok(ParquetFooter { metadata })
    }

    /// The file's schema in the engine's types (see `types::normalize_type`), all nullable.
    pub fn schema(&self) -> SchemaRef {
        crate::types::schema::nullable_schema(&normalize_schema(self.metadata.schema()))
    }

    pub fn num_rows(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Compressed bytes of the column chunks of `names` (top-level columns) in `row_groups`
    /// (all when None): what reading only those columns reads.
    pub fn column_bytes(&self, row_groups: Option<&[usize]>, names: &[&str]) -> u64 {
        let groups = self.metadata.metadata().row_groups();
        let chosen: Vec<usize> = match row_groups {
            Some(chosen) => chosen.to_vec(),
            None => (0..groups.len()).collect(),
        };
        chosen
            .iter()
            .filter_map(|&g| groups.get(g))
            .flat_map(|group| group.columns())
            .filter(|chunk| {
                chunk
                    .column_path()
                    .parts()
                    .first()
                    .is_some_and(|top| names.contains(&top.as_str()))
            })
            .map(|chunk| chunk.compressed_size().max(0) as u64)
            .sum()
    }

    /// Rows of each row group, in order.
    pub fn row_group_rows(&self) -> Vec<u64> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| rg.num_rows().max(0) as u64)
            .collect()
    }

    /// Where the middle of each row group lies in the file: the first page (dictionary or data)
    /// of its first column chunk plus half its compressed size. A split of the file reads the
    /// row groups whose midpoint it holds, as parquet-mr assigns them to Spark's splits
    /// (`filterFileMetaDataByMidpoint`).
    pub fn row_group_midpoints(&self) -> Vec<u64> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| {
                let start = rg.columns().first().map_or(0, |column| {
                    let data = column.data_page_offset();
                    match column.dictionary_page_offset() {
                        Some(dictionary) if dictionary < data => dictionary,
                        _ => data,
                    }
                });
                (start.max(0) + rg.compressed_size().max(0) / 2) as u64
            })
            .collect()
    }

    /// Compressed size of each row group, in order.
    pub fn row_group_sizes(&self) -> Vec<u64> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| rg.compressed_size().max(0) as u64)
            .collect()
    }
}

/// Batches of `row_groups` (all when None) of `path`, conformed to `target` (the dataset's data
/// columns): columns are matched by name, cast to the target type, and missing ones read as null.
/// With a `selection` (over the rows of those row groups, in order), only the rows it selects
/// are decoded: pages and values it skips are passed over.
pub fn read_row_groups(
    path: Arc<Path>,
    footer: &ParquetFooter,
    row_groups: Option<Vec<usize>>,
    target: SchemaRef,
    batch_size: usize,
    limit: Option<usize>,
    selection: Option<RowSelection>,
) -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>> {
    let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let file_schema = footer.metadata.schema().clone();
    // Root columns of the file that the target asks for, and where each target column comes from.
    let mut roots = Vec::new();
    let sources: Vec<Option<usize>> = target
        .fields()
        .iter()
        .map(|field| {
            file_schema.index_of(field.name()).ok().inspect(|root| {
                roots.push(*root);
            })
        })
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let descriptor = footer.metadata.parquet_schema();
    let mask = ProjectionMask::roots(descriptor, roots.iter().copied());
    // Every page header these batches will decode is checked first (a few hundred bytes read
    // per page), so that sizes the decoder would trust are known to fit the file.
    let leaves: Vec<usize> = (0..descriptor.num_columns())
        .filter(|&leaf| roots.contains(&descriptor.get_column_root_idx(leaf)))
        .collect();
    let mut groups: Vec<usize> = match &row_groups {
        Some(groups) => groups.clone(),
        None => (0..footer.metadata.metadata().num_row_groups()).collect(),
    };
    if let Some(limit) = limit {
        // `show` reads only the first rows: only the row groups that hold them are decoded.
        let meta = footer.metadata.metadata();
        let mut rows = 0usize;
        let needed = groups
            .iter()
            .take_while(|&&g| {
                let before = rows;
                rows = rows.saturating_add(meta.row_group(g).num_rows().max(0) as usize);
                before < limit
            })
            .count();
        groups.truncate(needed.max(1));
    }
    check_pages(&path, &file, footer.metadata.metadata(), &groups, &leaves)?;
    let mut builder =
        ParquetRecordBatchReaderBuilder::new_with_metadata(file, footer.metadata.clone())
            .with_projection(mask)
            .with_batch_size(batch_size.max(1));
    if let Some(groups) = row_groups {
        builder = builder.with_row_groups(groups);
    }
    if let Some(limit) = limit {
        builder = builder.with_limit(limit);
    }
    if let Some(selection) = selection {
        builder = builder.with_row_selection(selection);
    }
    let mut reader = catch_panic(
        || builder.build().map_err(|e| Error::parquet(&path, e)),
        |panic| decoder_failed(&path, panic),
    )?;
    let mut failed = false;
    let batches = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        // A panic inside the decoder ends this stream with an error naming the file.
        let next = catch_panic(|| Ok(reader.next()), |panic| decoder_failed(&path, panic));
        let result = match next {
            Ok(None) => return None,
            Ok(Some(batch)) => conform_batch(&path, batch, &target, &sources, &file_schema),
            Err(e) => Err(e),
        };
        failed = result.is_err();
        Some(result)
    });
    // More than one batch to decode: the next is decoded on the pool while this one is used.
    let rows: i64 = groups
        .iter()
        .map(|&g| footer.metadata.metadata().row_group(g).num_rows())
        .sum();
    if limit.is_none() && rows > batch_size as i64 {
        return Ok(crate::io::read_ahead::read_ahead(Box::new(batches)));
    }
    Ok(Box::new(batches))
}

/// Check for Ctrl-C, then conform a decoded batch to the dataset's columns.
fn conform_batch(
    path: &Path,
    batch: std::result::Result<RecordBatch, arrow::error::ArrowError>,
    target: &SchemaRef,
    sources: &[Option<usize>],
    file_schema: &SchemaRef,
) -> Result<RecordBatch> {
    {
        runtime::check_cancelled()?;
        let batch = batch.map_err(|e| Error::parquet(path, format!("cannot read: {e}")))?;
        let rows = batch.num_rows();
        let columns = target
            .fields()
            .iter()
            .zip(sources)
            .map(|(field, source)| -> Result<ArrayRef> {
                match source.and_then(|root| batch.column_by_name(file_schema.field(root).name())) {
                    Some(column) => conform_array(
                        column,
                        field.data_type(),
                        &format!("{}: column {}", path.display(), field.name()),
                    ),
                    None => Ok(new_null_array(field.data_type(), rows)),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new_with_options(
            target.clone(),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| {
            Error::arrow(
                format!("{}: conforming to the dataset schema", path.display()),
                e,
            )
        })
    }
}

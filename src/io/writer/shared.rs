//! What every task of one write shares: the staging directory, the job id, the options, and
//! the schema files store (partition columns removed, timestamps as UTC instants).

use arrow::datatypes::{DataType, Field, SchemaRef, TimeUnit};
use arrow::row::RowConverter;
use parquet::file::properties::WriterProperties;
use std::path::PathBuf;

use super::options::*;

pub(super) struct JobShared {
    pub temp: PathBuf,
    pub job_id: String,
    pub options: WriteOptions,
    /// Columns written into the files (the partition columns are removed).
    pub file_schema: SchemaRef,
    pub data_columns: Vec<usize>,
    pub partition_columns: Vec<usize>,
    pub partition_names: Vec<String>,
    /// Encodes the partition columns as comparable bytes (rows are grouped by them).
    pub partition_keys: RowConverter,
    pub properties: WriterProperties,
}

/// The zone written on timestamps: an offset, so no time-zone database is needed.
pub(super) const UTC: &str = "+00:00";

/// The field as stored in files: timestamps are written as UTC instants (Parquet
/// `TIMESTAMP(MICROS, isAdjustedToUTC=true)`, what Spark reads as `timestamp`).
pub(super) fn file_field(field: &Field) -> Field {
    match field.data_type() {
        DataType::Timestamp(_, None) => field
            .clone()
            .with_data_type(DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))),
        _ => field.clone(),
    }
}

//! Opening a dataset: its files found, its format told, and its schema read (Parquet footers)
//! or inferred (CSV, from a preview, a sample, or every row, as the depth allows).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::io::csv::{self, CsvOptions, Inferred};
use crate::io::parquet::ParquetFooter;
use crate::progress::Progress;

use super::discover::{discover, file_format};
use super::model::*;
use super::tasks::split_bytes_for;

/// Bytes of a CSV file read to infer types when only a preview is needed.
const PREVIEW_INFERENCE_BYTES: u64 = 1 << 20;
/// Bytes of a CSV file whose types a `Sampled` read starts from.
const SAMPLE_INFERENCE_BYTES: u64 = 4 << 20;

impl Dataset {
    pub fn open(
        input: &str,
        read: &ReadOptions,
        depth: Depth,
        progress: &Progress,
    ) -> Result<Dataset> {
        Dataset::open_all(&[input], read, depth, progress)
    }

    /// One dataset over the files of several inputs (Spark's `read.parquet(*paths)`).
    pub fn open_all(
        inputs: &[&str],
        read: &ReadOptions,
        depth: Depth,
        progress: &Progress,
    ) -> Result<Dataset> {
        let input = inputs.join(", ");
        let (files, partition_names) = discover(inputs, read.format)?;
        let format = file_format(&files, read.format)?;
        let (data_schema, layout) = match format {
            Format::Csv => open_csv(&files, read, depth, progress)?,
            Format::Parquet => open_parquet(&files, depth, read.merge_schema)?,
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
    if options.header && options.schema.is_none() {
        // Spark reads every file by the first one's columns, by position: a file whose header
        // says otherwise would have its columns dropped or misread, so it is refused.
        if let Some(other) = headers
            .iter()
            .position(|h| !h.names.is_empty() && h.names != first.names)
        {
            return Err(Error::Dataset(format!(
                "{} has columns [{}] where {} has [{}]: CSV files of one input are read by \
                 position, so their headers must agree{}; read them as separate inputs and \
                 combine them with `query A --union-by-name B`",
                files[other].path.display(),
                headers[other].names.join(", "),
                files[lead].path.display(),
                first.names.join(", "),
                if read.merge_schema {
                    " (--merge-schema applies to Parquet)"
                } else {
                    ""
                }
            )));
        }
    }
    let names: Vec<String> = match &options.schema {
        Some(schema) => schema.fields().iter().map(|f| f.name().clone()).collect(),
        None => first.names.clone(),
    };
    // Every file empty: an empty dataset with no columns, as Spark reads it (no error).
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
                sampled = Some(Arc::new(csv::SampledTypes::new(
                    sample.iter().map(|c| *c == Inferred::Null).collect(),
                    files.len(),
                )));
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

fn open_parquet(files: &[DataFile], depth: Depth, merge: bool) -> Result<(SchemaRef, Layout)> {
    let footers = match depth {
        // A preview reads files in order and stops early: later footers are read when reached
        // (unless the schema is the union of every file's).
        Depth::Preview { .. } if !merge => vec![ParquetFooter::read(&files[0].path)?],
        Depth::Preview { .. } | Depth::Full | Depth::Sampled => files
            .par_iter()
            .map(|f| ParquetFooter::read(&f.path))
            .collect::<Result<Vec<_>>>()?,
    };
    let schemas: Vec<SchemaRef> = footers.iter().map(|f| f.schema()).collect();
    let schema = merge_schemas(files, &schemas, merge)?;
    Ok((schema, Layout::Parquet { footers }))
}

/// The one schema of the files. With `merge` (Spark's `mergeSchema`), the union of their
/// columns by name in order of appearance. Without it, the first file's, as Spark takes one
/// file's: columns only some files have are then left out (or read as null), so a warning on
/// stderr names the files, the difference and the option. Either way a column's type must be
/// the same in every file that has it.
fn merge_schemas(files: &[DataFile], schemas: &[SchemaRef], merge: bool) -> Result<SchemaRef> {
    let first = &schemas[0];
    let mut merged: Vec<Field> = first.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut origin: Vec<usize> = vec![0; merged.len()];
    let mut differs: Option<usize> = None;
    for (i, schema) in schemas.iter().enumerate().skip(1) {
        for field in schema.fields() {
            match merged.iter().position(|m| m.name() == field.name()) {
                Some(at) if merged[at].data_type() != field.data_type() => {
                    return Err(Error::Dataset(format!(
                        "column '{}' is {} in {} and {} in {}: files of one input must agree on \
                         a column's type (Spark's mergeSchema fails too)",
                        field.name(),
                        crate::types::names::sql_type_name(merged[at].data_type()),
                        files[origin[at]].path.display(),
                        crate::types::names::sql_type_name(field.data_type()),
                        files[i].path.display(),
                    )))
                }
                Some(_) => {}
                None if merge => {
                    merged.push(field.as_ref().clone());
                    origin.push(i);
                }
                None => {
                    differs.get_or_insert(i);
                }
            }
        }
        if !merge && schema.fields().len() != first.fields().len() {
            differs.get_or_insert(i);
        }
    }
    if let Some(i) = differs {
        let names = |s: &SchemaRef| {
            s.fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Reading goes on as Spark's does; what it leaves out must not go unsaid.
        eprintln!(
            "engine: warning: {} has columns [{}] where {} has [{}]: reading the first file's \
             columns; give --merge-schema to read the union of the files' columns, missing \
             ones as null (Spark's mergeSchema)",
            files[i].path.display(),
            names(&schemas[i]),
            files[0].path.display(),
            names(first)
        );
    }
    Ok(Arc::new(Schema::new(merged)))
}

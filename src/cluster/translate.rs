//! A command's parts as a cluster job: inputs become read steps with every option spelled out
//! (Spark's CSV defaults, no header and no inference, are not the engine's) and the engine's own
//! inferred schema; SQL statements are parsed, their file references (``csv.`path` ``) turned
//! into views that carry the engine's read options, and printed again as Spark SQL; sinks
//! become actions; and what comes back is printed as a local run prints it.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast;

use super::job::{Action, Job, Step, WriteSpec};
use super::master::Master;
use super::results::print_rows;
use super::results::Outcome;
use crate::error::{Error, Result};
use crate::exec::write::Distribution;
use crate::io::csv::ParseMode;
use crate::io::dataset::{Dataset, Depth, Format, ReadOptions};
use crate::io::text_out::TextOptions;
use crate::io::writer::{Compression, OutputFormat, SaveMode};
use crate::job::{Reporter, Sink, WritePlan};

/// Whether a path names a file system by scheme (`hdfs://`, `s3a://`, `gs://`, `abfss://`).
fn has_scheme(path: &str) -> bool {
    match path.split_once("://") {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// A path as the cluster must see it: a local path made absolute, as a `file:` URI (a path
/// without a scheme would be read on the cluster's default file system, HDFS on YARN); one
/// with a scheme as given. Local paths going to another machine's cluster get a warning.
pub fn cluster_path(path: &str, master: &Master, reporter: &Reporter) -> Result<String> {
    if has_scheme(path) && !path.starts_with("file://") {
        return Ok(path.to_string());
    }
    let local = path.strip_prefix("file://").unwrap_or(path);
    let local = local.strip_prefix("file:").unwrap_or(local);
    let absolute = std::path::absolute(local).map_err(|e| Error::io(local, e))?;
    let uri = format!("file://{}", absolute.display());
    if !master.on_this_machine() {
        reporter.warn(&format!(
            "engine: warning: {path} is a local path: every Spark executor of {} must see it at \
             {uri} (shared storage such as NFS), or use an hdfs://, s3a://, gs:// or abfss:// path",
            master.url()
        ));
    }
    Ok(uri)
}

/// The local file behind a path, when there is one to look at here.
fn local_path(path: &str) -> Option<&str> {
    if path.starts_with("file:") {
        let rest = path.trim_start_matches("file:");
        return Some(rest.strip_prefix("//").unwrap_or(rest));
    }
    (!has_scheme(path)).then_some(path)
}

fn char_option(byte: u8) -> String {
    char::from(byte).to_string()
}

/// Spark's read options for the engine's CSV options, every one spelled out.
fn csv_read_options(read: &ReadOptions) -> Vec<(String, String)> {
    let csv = &read.csv;
    let mut options = vec![
        ("header".to_string(), csv.header.to_string()),
        ("sep".to_string(), char_option(csv.delimiter)),
        ("quote".to_string(), char_option(csv.quote)),
        // No escape: Spark's "\u0000" turns escaping off.
        (
            "escape".to_string(),
            csv.escape
                .map(char_option)
                .unwrap_or_else(|| "\u{0}".into()),
        ),
        ("nullValue".to_string(), csv.null_value.clone()),
        (
            "mode".to_string(),
            match csv.mode {
                ParseMode::Permissive => "PERMISSIVE",
                ParseMode::DropMalformed => "DROPMALFORMED",
                ParseMode::FailFast => "FAILFAST",
            }
            .to_string(),
        ),
        // The engine always reads a quoted line break as part of its field.
        ("multiLine".to_string(), "true".to_string()),
    ];
    if let Some(pattern) = &csv.timestamp_format {
        options.push(("timestampFormat".to_string(), pattern.text().to_string()));
    }
    options
}

/// Add a read step for `paths` (read as one input, as the engine reads them) and return its
/// frame name. CSV types are the engine's: inferred here from the local files (as `engine
/// schema` does) and sent as a DDL schema, so Spark reads the same types; remote CSV files
/// are inferred by Spark (`inferSchema`).
#[allow(clippy::too_many_arguments)]
pub fn read_step(
    job: &mut Job,
    paths: &[&str],
    read: &ReadOptions,
    alias: Option<String>,
    view: Option<String>,
    master: &Master,
    reporter: &Reporter,
) -> Result<String> {
    let all_local: Option<Vec<&str>> = paths.iter().map(|p| local_path(p)).collect();
    let (format, schema) = match &all_local {
        Some(local) => {
            let progress = reporter.progress("inferring schema");
            let dataset = Dataset::open_all(local, read, Depth::Full, &progress)?;
            progress.finish();
            let schema = match dataset.format {
                Format::Csv => Some(crate::types::names::schema_ddl(&dataset.schema)),
                Format::Parquet => None,
            };
            (dataset.format, schema)
        }
        None => {
            let format = read.format.unwrap_or_else(|| {
                if paths
                    .iter()
                    .all(|p| p.to_ascii_lowercase().contains(".parquet"))
                {
                    Format::Parquet
                } else {
                    Format::Csv
                }
            });
            let schema = read
                .csv
                .schema
                .as_ref()
                .map(|s| crate::types::names::schema_ddl(s));
            (format, schema)
        }
    };
    let mut options = match format {
        Format::Csv => csv_read_options(read),
        Format::Parquet => Vec::new(),
    };
    if format == Format::Csv {
        let infer = schema.is_none() && read.csv.infer;
        options.push(("inferSchema".to_string(), infer.to_string()));
    }
    if read.merge_schema {
        options.push(("mergeSchema".to_string(), "true".to_string()));
    }
    let paths = paths
        .iter()
        .map(|p| cluster_path(p, master, reporter))
        .collect::<Result<Vec<_>>>()?;
    let name = job.frame_name();
    job.steps.push(Step::Read {
        name: name.clone(),
        format: match format {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        },
        paths,
        options,
        schema,
        alias,
        view,
    });
    Ok(name)
}

/// A job named `name` that reads `inputs` as one: the job and the input's frame.
pub fn input_job(
    name: String,
    inputs: &[String],
    read: &ReadOptions,
    master: &Master,
    reporter: &Reporter,
) -> Result<(Job, String)> {
    let mut job = Job::new(name);
    let paths: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let frame = read_step(&mut job, &paths, read, None, None, master, reporter)?;
    Ok((job, frame))
}

/// `df.write` for a write plan: format, save mode, codec, partition columns, repartition or
/// coalesce, and the CSV/JSON text options that differ from Spark's defaults.
pub fn write_spec(
    output: &str,
    plan: &WritePlan,
    master: &Master,
    reporter: &Reporter,
) -> Result<WriteSpec> {
    let options = &plan.options;
    if options.single_file {
        return Err(Error::usage(
            "--single-file has no equivalent on a Spark cluster, which writes a directory of \
             part files: use --coalesce 1 for one part file",
        ));
    }
    if options.row_group_rows.is_some() {
        return Err(Error::usage(
            "--row-group-rows is a local test setting; on a Spark cluster set \
             --conf spark.hadoop.parquet.block.size=BYTES",
        ));
    }
    let mut spark_options: Vec<(String, String)> = Vec::new();
    if let Some(codec) = options.compression {
        let name = match codec {
            Compression::Snappy => "snappy",
            Compression::Zstd => "zstd",
            Compression::Gzip => "gzip",
            Compression::None => "none",
        };
        spark_options.push(("compression".into(), name.into()));
    }
    if options.format != OutputFormat::Parquet {
        spark_options.extend(text_options(&options.text)?);
    }
    let (repartition, coalesce) = match plan.distribution {
        Distribution::PerTask => (None, None),
        Distribution::Repartition(n) => (Some(n), None),
        Distribution::Coalesce(n) => (None, Some(n)),
    };
    Ok(WriteSpec {
        path: cluster_path(output, master, reporter)?,
        format: match options.format {
            OutputFormat::Parquet => "parquet",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
        },
        mode: match options.mode {
            // "error", not "errorifexists": Spark Connect refuses the latter.
            SaveMode::ErrorIfExists => "error",
            SaveMode::Overwrite => "overwrite",
            SaveMode::Append => "append",
            SaveMode::Ignore => "ignore",
        },
        options: spark_options,
        partition_by: options.partition_by.clone(),
        repartition,
        coalesce,
    })
}

/// Spark's writer options for the text options that differ from Spark's defaults.
fn text_options(text: &TextOptions) -> Result<Vec<(String, String)>> {
    if text.csv.rfc4180 || text.json_nulls {
        return Err(Error::usage(
            "--plain has no equivalent on a Spark cluster: Spark writes CSV and JSON its own way",
        ));
    }
    let spark = TextOptions::spark();
    let mut out = Vec::new();
    let pattern = |p: &Option<crate::types::datetime_pattern::DateTimePattern>| {
        p.as_ref().map(|p| p.text().to_string()).unwrap_or_default()
    };
    if pattern(&text.timestamp_format) != pattern(&spark.timestamp_format) {
        out.push(("timestampFormat".into(), pattern(&text.timestamp_format)));
    }
    if pattern(&text.date_format) != pattern(&spark.date_format) {
        out.push(("dateFormat".into(), pattern(&text.date_format)));
    }
    let (csv, default) = (&text.csv, &spark.csv);
    if csv.delimiter != default.delimiter {
        out.push(("sep".into(), csv.delimiter.to_string()));
    }
    if csv.quote != default.quote {
        out.push(("quote".into(), csv.quote.to_string()));
    }
    if csv.escape != default.escape {
        out.push(("escape".into(), csv.escape.to_string()));
    }
    // The engine writes a header by default, as df.write.option("header", True) would.
    out.push(("header".into(), csv.header.to_string()));
    if csv.null_value != default.null_value {
        out.push(("nullValue".into(), csv.null_value.clone()));
    }
    Ok(out)
}

/// The action a sink asks of a frame.
pub fn sink_action(sink: &Sink, master: &Master, reporter: &Reporter) -> Result<Action> {
    Ok(match sink {
        // One row more than shown, to know whether to say "only showing top N rows".
        Sink::Show(options) => Action::Collect {
            limit: Some(options.rows.saturating_add(1)),
        },
        Sink::Csv(_) | Sink::Json(_) => Action::Collect { limit: None },
        Sink::Write { output, plan } => Action::Write(write_spec(output, plan, master, reporter)?),
        Sink::Explain => Action::Explain,
        Sink::ExplainAnalyze => {
            return Err(Error::usage(
                "--explain analyze is not supported on a Spark cluster: Spark's UI and History \
                 Server show what each operator did (--conf spark.eventLog.enabled=true)",
            ))
        }
    })
}

/// Print what an action gave back, as the local run prints its sink.
pub fn print_outcome(sink: &Sink, outcome: &Outcome) -> Result<()> {
    match (sink, outcome) {
        (_, Outcome::Rows { schema, batches }) => print_rows(sink, schema, batches),
        (_, Outcome::Plan(plan)) => {
            let mut text = plan.trim_end().to_string();
            text.push('\n');
            crate::job::stdout::print(&text)
        }
        (_, Outcome::Written) => Ok(()),
        (_, other) => Err(Error::Internal(format!(
            "a sink given the wrong outcome: {other:?}"
        ))),
    }
}

/// The views that stand for files named in SQL (``csv.`path` ``), one per file and format.
#[derive(Default)]
pub struct FileViews {
    views: HashMap<(String, Option<String>), String>,
}

/// A statement (or query) as Spark SQL for the cluster: every file named in FROM becomes a
/// view with the engine's read options for it (added to the job on first use).
#[allow(clippy::too_many_arguments)]
pub fn sql_for_cluster<T: ast::VisitMut + std::fmt::Display + Clone>(
    node: &T,
    job: &mut Job,
    files: &mut FileViews,
    read: &ReadOptions,
    views: &[String],
    master: &Master,
    reporter: &Reporter,
) -> Result<String> {
    let mut copy = node.clone();
    let mut failure: Option<Error> = None;
    let _ = ast::visit_relations_mut(&mut copy, |name| {
        let file =
            crate::sql::select::file_reference(&crate::sql::select::name_parts(name), |one| {
                views.iter().any(|v| v.eq_ignore_ascii_case(one))
            });
        let Some(key) = file else {
            return ControlFlow::Continue(());
        };
        let view = match files.views.get(&key) {
            Some(view) => view.clone(),
            None => {
                let view = format!("engine_file_{}", files.views.len() + 1);
                let mut options = read.clone();
                match key.1.as_deref() {
                    Some("parquet") => options.format = Some(Format::Parquet),
                    Some(_) => options.format = Some(Format::Csv),
                    None => {}
                }
                match read_step(
                    job,
                    &[key.0.as_str()],
                    &options,
                    None,
                    Some(view.clone()),
                    master,
                    reporter,
                ) {
                    Ok(_) => {}
                    Err(e) => {
                        failure = Some(e);
                        return ControlFlow::Break(());
                    }
                }
                files.views.insert(key, view.clone());
                view
            }
        };
        *name = ast::ObjectName::from(vec![ast::Ident::new(view)]);
        ControlFlow::Continue(())
    });
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(crate::expr::spark_text::to_spark_sql(&copy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_go_to_the_cluster_absolute() {
        let reporter = Reporter::new(true, crate::job::ProgressWhen::Never);
        let master = Master::Submit("spark://127.0.0.1:7077".into());
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            cluster_path("data/x.csv", &master, &reporter).unwrap(),
            format!("file://{}/data/x.csv", here.display())
        );
        assert_eq!(
            cluster_path("hdfs://nn:8020/x", &master, &reporter).unwrap(),
            "hdfs://nn:8020/x"
        );
        assert_eq!(
            cluster_path("s3a://bucket/trips/*.parquet", &master, &reporter).unwrap(),
            "s3a://bucket/trips/*.parquet"
        );
        assert_eq!(
            cluster_path("file:///tmp/x", &master, &reporter).unwrap(),
            "file:///tmp/x"
        );
        assert_eq!(local_path("file:///tmp/x"), Some("/tmp/x"));
        assert_eq!(local_path("gs://b/x"), None);
    }
}

//! `engine sql "SELECT ..."`: Spark SQL over `--table NAME=INPUT`s and files named in FROM
//! (``parquet.`dir` ``), or a job file (`-f job.sql`) of statements separated by `;`:
//! `CREATE [OR REPLACE] TEMP VIEW v AS SELECT ...`, then a final query whose result goes to the
//! sink (the same sinks as `engine query`), or `INSERT OVERWRITE DIRECTORY 'out' SELECT ...`.

use std::collections::HashMap;

use sqlparser::ast;

use super::query::{run_with_retry, split_alias, Inputs, Sink, SinkArgs, Tuning};
use super::{Context, FormatArg, ReadArgs};
use crate::error::{Error, Result};
use crate::io::dataset::{Dataset, Format};
use crate::plan::Frame;
use crate::sql::select::{plan_query, Catalog};
use crate::sql::statements::{parse_statements, Statement};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL text (or use -f).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub query: Option<String>,
    /// A file of statements separated by ';'.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,
    /// A view over an input: NAME=INPUT (a file, a directory or a glob).
    #[arg(long = "table", value_name = "NAME=INPUT", action = clap::ArgAction::Append)]
    pub tables: Vec<String>,
    #[command(flatten)]
    pub sink: SinkArgs,
    /// Input format, when the file names do not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<FormatArg>,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, context: &Context) -> Result<()> {
    let text = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
        (None, None) => return Err(Error::usage("give a query or -f FILE")),
    };
    let statements = parse_statements(&text)?;
    let Some((last, setup)) = statements.split_last() else {
        return Err(Error::usage("no SQL statement given"));
    };
    let mut tables = Vec::new();
    for t in &args.tables {
        match split_alias(t) {
            (Some(name), path) => tables.push((name, path.to_string())),
            (None, _) => return Err(Error::usage(format!("--table '{t}': expected NAME=INPUT"))),
        }
    }
    // The final statement decides the sink.
    let (final_query, sink) =
        match last {
            Statement::Sql(ast::Statement::Query(q)) => (q.as_ref(), args.sink.sink()?),
            Statement::InsertDirectory {
                path,
                format,
                query,
            } => {
                let mut options = crate::cli::convert::WriteArgs {
                    mode: vec![crate::cli::convert::ModeValue::Save(
                        crate::io::writer::SaveMode::Overwrite,
                    )],
                    ..Default::default()
                };
                options.format = match format.as_deref() {
                    None | Some("parquet") => Some(FormatArg::Parquet),
                    Some("csv") | Some("textfile") => Some(FormatArg::Csv),
                    Some(other) => {
                        return Err(Error::usage(format!(
                            "INSERT OVERWRITE DIRECTORY ... USING {other}: expected parquet or csv"
                        )))
                    }
                };
                (
                    query.as_ref(),
                    Sink::Write {
                        output: path.clone(),
                        plan: options.plan(path)?,
                    },
                )
            }
            Statement::Sql(other) => {
                return Err(Error::usage(format!(
                    "the last statement must be a query or INSERT OVERWRITE DIRECTORY, not: {}",
                    first_words(other)
                )))
            }
            Statement::ViewUsing { .. } => return Err(Error::usage(
                "the last statement must be a query or INSERT OVERWRITE DIRECTORY, not CREATE VIEW",
            )),
        };
    let parse_mode = args.sink.parse_mode()?;
    let read = args.read.to_options(
        args.input_format.map(Into::into),
        parse_mode.unwrap_or_default(),
    )?;
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    run_with_retry(context, &read, tuning, &sink, &|inputs: &Inputs| {
        let open = |path: &str, format: Option<&str>| -> Result<Frame> {
            let mut read = inputs.read.clone();
            if let Some(f) = format {
                read.format = Some(if f.eq_ignore_ascii_case("parquet") {
                    Format::Parquet
                } else {
                    Format::Csv
                });
            }
            let dataset = Dataset::open(path, &read, inputs.depth, inputs.progress)?;
            Ok(Frame::scan(std::sync::Arc::new(dataset), None))
        };
        let mut catalog = Catalog {
            views: HashMap::new(),
            open: &open,
        };
        for (name, path) in &tables {
            let frame = inputs.frame(path)?.alias(name);
            catalog.views.insert(name.to_ascii_lowercase(), frame);
        }
        for statement in setup {
            match statement {
                Statement::Sql(s) => run_setup(s, &mut catalog)?,
                Statement::InsertDirectory { .. } => {
                    return Err(Error::usage(
                        "INSERT OVERWRITE DIRECTORY must be the last statement",
                    ))
                }
                Statement::ViewUsing {
                    name,
                    or_replace,
                    format,
                    options,
                } => {
                    let key = name.to_ascii_lowercase();
                    if catalog.views.contains_key(&key) && !or_replace {
                        return Err(Error::usage(format!(
                            "view {name} already exists; use CREATE OR REPLACE TEMP VIEW"
                        )));
                    }
                    let frame = view_using(format, options, inputs)?.alias(name);
                    catalog.views.insert(key, frame);
                }
            }
        }
        plan_query(final_query, &catalog)
    })
}

/// `CREATE TEMP VIEW v USING csv OPTIONS (path '...', header 'true', ...)`: Spark's data source
/// options, with Spark's defaults for this form (no header, no inference, unless asked).
fn view_using(format: &str, options: &[(String, String)], inputs: &Inputs) -> Result<Frame> {
    let mut read = inputs.read.clone();
    read.format = Some(match format {
        "csv" => Format::Csv,
        "parquet" => Format::Parquet,
        other => {
            return Err(Error::usage(format!(
                "USING {other}: expected csv or parquet"
            )))
        }
    });
    read.csv.header = false;
    read.csv.infer = false;
    let mut path = None;
    let flag = |key: &str, value: &str| -> Result<bool> {
        match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::usage(format!(
                "option {key} '{value}': expected true or false"
            ))),
        }
    };
    for (key, value) in options {
        match key.as_str() {
            "path" => path = Some(value.clone()),
            "header" => read.csv.header = flag(key, value)?,
            "inferschema" => read.csv.infer = flag(key, value)?,
            "sep" | "delimiter" => {
                read.csv.delimiter = crate::io::csv::parse_char_option(key, value)?
            }
            "quote" => read.csv.quote = crate::io::csv::parse_char_option(key, value)?,
            "escape" => read.csv.escape = Some(crate::io::csv::parse_char_option(key, value)?),
            "nullvalue" => read.csv.null_value = value.clone(),
            "timestampformat" => {
                read.csv.timestamp_format = Some(
                    crate::types::datetime_pattern::spark_pattern_to_strftime(value)?,
                )
            }
            "mode" => {
                read.csv.mode = <super::ParseModeArg as clap::ValueEnum>::from_str(value, true)
                    .map_err(|_| {
                        Error::usage(format!(
                            "option mode '{value}': expected permissive, dropmalformed or failfast"
                        ))
                    })?
                    .into()
            }
            other => {
                return Err(Error::usage(format!(
                    "unsupported option '{other}' for USING {format}"
                )))
            }
        }
    }
    let path =
        path.ok_or_else(|| Error::usage("CREATE TEMP VIEW ... USING needs OPTIONS (path '...')"))?;
    let dataset = Dataset::open(&path, &read, inputs.depth, inputs.progress)?;
    Ok(Frame::scan(std::sync::Arc::new(dataset), None))
}

fn first_words(statement: &ast::Statement) -> String {
    statement
        .to_string()
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A statement before the last: a temp view.
fn run_setup(statement: &ast::Statement, catalog: &mut Catalog) -> Result<()> {
    match statement {
        ast::Statement::CreateView(view) => {
            let name = view
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone())
                .unwrap_or_default();
            let key = name.to_ascii_lowercase();
            if catalog.views.contains_key(&key) && !view.or_replace {
                return Err(Error::usage(format!(
                    "view {name} already exists; use CREATE OR REPLACE TEMP VIEW"
                )));
            }
            let frame = plan_query(&view.query, catalog)?.alias(&name);
            catalog.views.insert(key, frame);
            Ok(())
        }
        ast::Statement::Query(_) => Err(Error::usage(
            "only the last statement may be a query; earlier ones create views",
        )),
        other => Err(Error::usage(format!(
            "unsupported statement: {}",
            first_words(other)
        ))),
    }
}

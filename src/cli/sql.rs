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
use crate::sql::select::{parse_statements, plan_query, Catalog};

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
            (None, _) => {
                return Err(Error::usage(format!(
                    "--table '{t}': expected NAME=INPUT"
                )))
            }
        }
    }
    // The final statement decides the sink.
    let (final_query, sink) = match last {
        ast::Statement::Query(q) => (q.as_ref(), args.sink.sink()?),
        ast::Statement::Directory {
            overwrite,
            path,
            source,
            ..
        } => {
            if !overwrite {
                return Err(Error::usage("INSERT INTO DIRECTORY: use INSERT OVERWRITE DIRECTORY"));
            }
            let mut options = crate::cli::convert::WriteArgs::default();
            options.mode = vec![crate::cli::convert::ModeValue::Save(crate::io::writer::SaveMode::Overwrite)];
            (
                source.as_ref(),
                Sink::Write {
                    output: path.clone(),
                    plan: options.plan(path)?,
                },
            )
        }
        other => {
            return Err(Error::usage(format!(
                "the last statement must be a query or INSERT OVERWRITE DIRECTORY, not: {}",
                first_words(other)
            )))
        }
    };
    let parse_mode = args.sink.parse_mode()?;
    let read = args
        .read
        .to_options(args.input_format.map(Into::into), parse_mode.unwrap_or_default())?;
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
            run_setup(statement, &mut catalog)?;
        }
        plan_query(final_query, &catalog)
    })
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


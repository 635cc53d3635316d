//! `engine sql "SELECT ..."`: Spark SQL over `--table NAME=INPUT`s and files named in FROM
//! (``parquet.`dir` ``), or a job file (`-f job.sql`) of statements separated by `;`:
//! `CREATE [OR REPLACE] TEMP VIEW v AS SELECT ...`, then a final query whose result goes to the
//! sink (the same sinks as `engine query`), or `INSERT OVERWRITE DIRECTORY 'out' SELECT ...`.

use super::args::{FormatArg, ReadArgs, SinkArgs};
use crate::error::{Error, Result};
use crate::io::writer::{OutputFormat, SaveMode, WriteOptions};
use crate::job::{self, Reporter, Sink, Tuning, WritePlan};
use crate::plan::inputs::split_alias;
use crate::sql::session::{plan_script, split_script, FinalStatement};
use crate::sql::statements::parse_statements;

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

pub fn run(args: Args, reporter: &Reporter) -> Result<()> {
    let text = match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
        (None, None) => return Err(Error::usage("give a query or -f FILE")),
    };
    let statements = parse_statements(&text)?;
    let (setup, last) = split_script(&statements)?;
    let mut tables = Vec::new();
    for t in &args.tables {
        match split_alias(t) {
            (Some(name), path) => tables.push((name, path.to_string())),
            (None, _) => return Err(Error::usage(format!("--table '{t}': expected NAME=INPUT"))),
        }
    }
    // The final statement decides the sink.
    let (final_query, sink) = match last {
        FinalStatement::Query(query) => (query, args.sink.sink()?),
        // --explain never runs anything, whatever the job's last statement would write.
        FinalStatement::InsertDirectory { query, .. } if args.sink.explain => {
            (query, Sink::Explain)
        }
        FinalStatement::InsertDirectory {
            path,
            format,
            query,
        } => {
            // The statement says where and how the result is written; options that would say
            // otherwise are refused, not dropped.
            let refused = args
                .sink
                .destination_given()
                .or_else(|| args.sink.show_option_given())
                .or_else(|| {
                    args.sink.write_option_given().filter(|flag| {
                        !["--coalesce", "--repartition", "--compression"].contains(flag)
                    })
                });
            if let Some(flag) = refused {
                return Err(Error::usage(format!(
                    "{flag} does not apply to this job: its last statement, INSERT OVERWRITE \
                     DIRECTORY '{path}', says where its result goes (--coalesce, --repartition \
                     and --compression apply to that write)"
                )));
            }
            let format = match format {
                None | Some("parquet") => OutputFormat::Parquet,
                Some("csv") | Some("textfile") => OutputFormat::Csv,
                Some(other) => {
                    return Err(Error::usage(format!(
                        "INSERT OVERWRITE DIRECTORY ... USING {other}: expected parquet or csv"
                    )))
                }
            };
            // --coalesce, --repartition and --compression shape the statement's write.
            let given = args.sink.write_options.plan(path)?;
            let options = WriteOptions {
                format,
                mode: SaveMode::Overwrite,
                compression: given.options.compression,
                partition_by: Vec::new(),
                single_file: false,
            };
            options.validate()?;
            let plan = WritePlan {
                options,
                distribution: given.distribution,
            };
            (
                query,
                Sink::Write {
                    output: path.to_string(),
                    plan,
                },
            )
        }
    };
    let parse_mode = args.sink.parse_mode()?;
    let read = args.read.to_options(
        args.input_format.map(Into::into),
        parse_mode.unwrap_or_default(),
    )?;
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    job::run(reporter, &read, tuning, &sink, "querying", &|inputs| {
        plan_script(&tables, setup, final_query, inputs)
    })
}

//! `engine sql "SELECT ..."`: Spark SQL over `--table NAME=INPUT`s and files named in FROM
//! (``parquet.`dir` ``), or a job file (`-f job.sql`, `-f -` for stdin) of statements separated
//! by `;`: `CREATE [OR REPLACE] TEMP VIEW v AS SELECT ...`, `SET key=value`, queries whose results
//! go to the sink (the same sinks as `engine query`), and `INSERT OVERWRITE DIRECTORY 'out'
//! SELECT ...`, run in turn.

use std::io::{IsTerminal, Read};

use super::args::{ReadArgs, SinkArgs};
use crate::error::{Error, Result};
use crate::exec::write::Distribution;
use crate::io::dataset::Depth;
use crate::io::writer::{OutputFormat, SaveMode, WriteOptions};
use crate::job::{self, Reporter, Sink, Tuning, WritePlan};
use crate::plan::inputs::split_alias;
use crate::plan::inputs::Inputs;
use crate::sql::session::{check_views, plan_script, script_steps, Output, Step};
use crate::sql::statements::parse_statements;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The SQL text (or use -f; without either, the SQL is read from stdin).
    #[arg(conflicts_with = "file")]
    pub query: Option<String>,
    /// A file of statements separated by ';' ('-': stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,
    /// A view over an input: NAME=INPUT (a file, a directory or a glob).
    #[arg(long = "table", value_name = "NAME=INPUT", action = clap::ArgAction::Append)]
    pub tables: Vec<String>,
    #[command(flatten)]
    pub sink: SinkArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The job's SQL text: the argument, -f FILE, or stdin.
fn script_text(args: &Args) -> Result<String> {
    Ok(match (&args.query, &args.file) {
        (Some(q), _) => q.clone(),
        (None, Some(f)) if f == "-" => read_stdin("-f -")?,
        (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
        (None, None) if !std::io::stdin().is_terminal() => read_stdin("the query")?,
        (None, None) => {
            return Err(Error::usage(
                "give a query, -f FILE, or the SQL on stdin (-f - or a pipe)",
            ))
        }
    })
}

/// The `--table NAME=INPUT` views.
fn command_tables(args: &Args) -> Result<Vec<(String, String)>> {
    args.tables
        .iter()
        .map(|t| match split_alias(t) {
            (Some(name), path) => Ok((name, path.to_string())),
            (None, _) => Err(Error::usage(format!("--table '{t}': expected NAME=INPUT"))),
        })
        .collect()
}

pub fn run(mut args: Args, reporter: &Reporter) -> Result<()> {
    args.sink.adopt_legacy(&mut args.read, reporter)?;
    let text = script_text(&args)?;
    let statements = parse_statements(&text)?;
    let steps = script_steps(&statements)?;
    let tables = command_tables(&args)?;
    let sinks = step_sinks(&args.sink, &steps)?;
    let read = args.read.to_options()?;
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    if steps.is_empty() {
        // Only views, SETs and DROPs: nothing to print, but every view must plan.
        let progress = reporter.progress("checking");
        let inputs = Inputs {
            read: &read,
            depth: Depth::Sampled,
            progress: &progress,
        };
        let checked = check_views(&tables, &statements, &inputs);
        progress.finish();
        return checked;
    }
    // Each result-giving statement runs in turn, as Spark runs a script's statements.
    for (position, (step, sink)) in steps.iter().zip(&sinks).enumerate() {
        // With several steps, an explained INSERT says where it would write.
        if let (Sink::Explain, Output::InsertDirectory { path, format, .. }) = (sink, &step.output)
        {
            job::stdout::print(&format!(
                "== INSERT OVERWRITE DIRECTORY '{path}' USING {} (not run) ==\n",
                format.unwrap_or("parquet")
            ))?;
        }
        if let Some(statement) = statements.get(step.index) {
            reporter.describe_jobs(statement_text(statement));
        }
        let result = job::run(reporter, &read, tuning, sink, "querying", &|inputs| {
            plan_script(&tables, &statements, step, inputs)
        });
        // An explained job writes nothing, so a statement that reads an earlier INSERT's output
        // may have nothing to read yet: say so rather than only that the path is missing.
        if let (Err(error), Sink::Explain) = (&result, sink) {
            let message = error.to_string();
            let written_earlier = steps[..position].iter().find_map(|s| match s.output {
                Output::InsertDirectory { path, .. } if message.contains(path) => Some(path),
                _ => None,
            });
            if let Some(path) = written_earlier {
                return Err(Error::usage(format!(
                    "{message} (an earlier INSERT of this job writes '{path}', and --explain \
                     runs nothing)"
                )));
            }
        }
        result?;
    }
    Ok(())
}

fn read_stdin(what: &str) -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io("<stdin>", e))?;
    if text.trim().is_empty() {
        return Err(Error::usage(format!("{what}: stdin held no SQL")));
    }
    Ok(text)
}

/// The write flags that shape a job's INSERT OVERWRITE DIRECTORY writes (when there is no
/// `--write`); the others would contradict what the statement says.
const INSERT_WRITE_FLAGS: [&str; 3] = ["--coalesce", "--repartition", "--compression"];

/// Where each step's result goes. Queries go to the command's sink; INSERTs write where they
/// say. Every flag given applies to some step or is refused: `--write` takes one query's result,
/// show and stdout flags need a query, and `--coalesce`, `--repartition` and `--compression`
/// shape the INSERTs' writes when there is no `--write`. `--explain` plans every step and runs
/// none.
fn step_sinks(flags: &SinkArgs, steps: &[Step]) -> Result<Vec<Sink>> {
    let queries = steps
        .iter()
        .filter(|s| {
            !matches!(
                s.output,
                Output::InsertDirectory { .. } | Output::Explain(_) | Output::ExplainAnalyze(_)
            )
        })
        .count();
    let inserts = steps
        .iter()
        .filter(|s| matches!(s.output, Output::InsertDirectory { .. }))
        .count();
    if queries == 0 {
        let refused = flags
            .destination_given()
            .or_else(|| flags.show_option_given())
            .or_else(|| {
                flags
                    .write_option_given()
                    .filter(|flag| !INSERT_WRITE_FLAGS.contains(flag))
            });
        if let Some(flag) = refused {
            return Err(Error::usage(format!(
                "{flag} does not apply to this job: it has no query whose result goes to the \
                 sink (each INSERT OVERWRITE DIRECTORY says where its result goes, and \
                 --coalesce, --repartition and --compression apply to those writes; EXPLAIN \
                 prints a plan)"
            )));
        }
    }
    if flags.write.is_some() && queries > 1 {
        return Err(Error::usage(format!(
            "--write takes one query's result, and this job has {queries} queries"
        )));
    }
    let query_sink = if flags.write.is_some() {
        Some(flags.sink()?)
    } else if queries > 0 {
        let refused = flags
            .write_option_given()
            .filter(|flag| inserts == 0 || !INSERT_WRITE_FLAGS.contains(flag));
        if let (Some(flag), false) = (refused, flags.explaining()) {
            return Err(Error::usage(format!(
                "{flag} applies to --write OUTPUT (or to a job's INSERTs: --coalesce, \
                 --repartition, --compression), and this command does not write"
            )));
        }
        Some(flags.stdout_sink()?)
    } else {
        None
    };
    // Write flags belong to --write when it is given, else to the INSERTs.
    let insert_flags = if flags.write.is_none() && inserts > 0 {
        Some(flags.write_options.plan("")?)
    } else {
        None
    };
    let mut sinks = Vec::new();
    for step in steps {
        let sink = match (&step.output, &query_sink) {
            _ if flags.explaining() => flags.stdout_sink()?,
            (Output::Explain(_), _) => Sink::Explain,
            (Output::ExplainAnalyze(_), _) => Sink::ExplainAnalyze,
            (
                Output::Query(_)
                | Output::Describe(_)
                | Output::ShowTables(_)
                | Output::ShowColumns(_),
                Some(sink),
            ) => sink.clone(),
            (
                Output::Query(_)
                | Output::Describe(_)
                | Output::ShowTables(_)
                | Output::ShowColumns(_),
                None,
            ) => return Err(Error::Internal("a result without a sink".into())),
            (Output::InsertDirectory { path, format, .. }, _) => {
                let format = match format {
                    None | Some("parquet") => OutputFormat::Parquet,
                    Some("csv") | Some("textfile") => OutputFormat::Csv,
                    Some("json") => OutputFormat::Json,
                    Some(other) => {
                        return Err(Error::usage(format!(
                            "INSERT OVERWRITE DIRECTORY ... USING {other}: expected parquet, csv or json"
                        )))
                    }
                };
                let given = insert_flags.as_ref();
                let compression = given.and_then(|g| g.options.compression).or(match format {
                    OutputFormat::Parquet => step.settings.parquet_compression,
                    OutputFormat::Csv | OutputFormat::Json => None,
                });
                let options = WriteOptions {
                    format,
                    mode: SaveMode::Overwrite,
                    compression,
                    partition_by: Vec::new(),
                    single_file: false,
                    text: crate::io::text_out::TextOptions::spark(),
                    merge_schema: false,
                    row_group_rows: given.and_then(|g| g.options.row_group_rows),
                };
                options.validate()?;
                Sink::Write {
                    output: path.to_string(),
                    plan: WritePlan {
                        options,
                        distribution: given.map_or(Distribution::PerTask, |g| g.distribution),
                    },
                }
            }
        };
        sinks.push(sink);
    }
    Ok(sinks)
}

/// A statement as SQL text, to describe its job (the event log's SQL tab).
fn statement_text(statement: &crate::sql::statements::Statement) -> String {
    use crate::sql::statements::Statement;
    match statement {
        Statement::Sql(sql) => sql.to_string(),
        Statement::InsertDirectory {
            path,
            format,
            query,
        } => format!(
            "INSERT OVERWRITE DIRECTORY '{path}' USING {} {query}",
            format.as_deref().unwrap_or("parquet")
        ),
        Statement::ViewUsing { name, .. } => format!("CREATE TEMPORARY VIEW {name} USING ..."),
        Statement::Set { .. } => "SET".to_string(),
    }
}

/// `sql` on a Spark cluster: the `--table` views and the files named in FROM become views read
/// with the engine's options; every statement goes to Spark in order, as Spark SQL printed from
/// the parsed statement; each result comes back to its sink (or INSERT writes there).
pub fn run_on_cluster(
    mut args: Args,
    cluster: &crate::cluster::Cluster,
    reporter: &Reporter,
) -> Result<()> {
    use crate::cluster::job::{Job, Step as ClusterStep};
    use crate::cluster::translate::{
        cluster_path, print_outcome, read_step, sink_action, sql_for_cluster, FileViews,
    };
    use crate::sql::statements::Statement;

    args.sink.adopt_legacy(&mut args.read, reporter)?;
    let text = script_text(&args)?;
    let statements = parse_statements(&text)?;
    let steps = script_steps(&statements)?;
    let tables = command_tables(&args)?;
    let sinks = step_sinks(&args.sink, &steps)?;
    let read = args.read.to_options()?;
    let master = &cluster.master;
    let mut job = Job::new(match &args.file {
        Some(file) => format!("engine sql -f {file}"),
        None => "engine sql".to_string(),
    });
    let mut views: Vec<String> = Vec::new();
    for (name, path) in &tables {
        read_step(
            &mut job,
            &[path.as_str()],
            &read,
            None,
            Some(name.clone()),
            master,
            reporter,
        )?;
        views.push(name.clone());
    }
    let mut files = FileViews::default();
    // Files named in FROM read with the command's options, or with Spark's under
    // engine.sql.files.sparkDefaults.
    let mut file_read = read.clone();
    // Each action's sink, and a line printed before its result.
    let mut printed: Vec<(Sink, Option<String>)> = Vec::new();
    let mut result_steps = steps.iter().zip(&sinks).peekable();
    for (index, statement) in statements.iter().enumerate() {
        let result = result_steps.next_if(|(step, _)| step.index == index);
        match (statement, result) {
            (Statement::Set { key, value }, _) => {
                if key.eq_ignore_ascii_case("engine.sql.files.sparkDefaults") {
                    let on = value
                        .as_deref()
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                    file_read.csv.header = !on && read.csv.header;
                    file_read.csv.infer = !on && read.csv.infer;
                } else if !key.to_ascii_lowercase().starts_with("engine.") {
                    job.steps.push(ClusterStep::Statement(match value {
                        Some(value) => format!("SET {key}={value}"),
                        None => format!("SET {key}"),
                    }));
                }
            }
            (
                Statement::ViewUsing {
                    name,
                    format,
                    options,
                    ..
                },
                _,
            ) => {
                let mut paths = Vec::new();
                let mut spark_options = Vec::new();
                for (key, value) in options {
                    if key == "path" {
                        paths.push(cluster_path(value, master, reporter)?);
                    } else {
                        spark_options.push((key.clone(), value.clone()));
                    }
                }
                let format = match format.as_str() {
                    "csv" => "csv",
                    "parquet" => "parquet",
                    other => {
                        return Err(Error::usage(format!(
                            "USING {other}: expected csv or parquet"
                        )))
                    }
                };
                let frame = job.frame_name();
                job.steps.push(ClusterStep::Read {
                    name: frame,
                    format,
                    paths,
                    options: spark_options,
                    schema: None,
                    alias: None,
                    view: Some(name.clone()),
                });
                views.push(name.clone());
            }
            (Statement::InsertDirectory { path, query, .. }, Some((_, sink))) => {
                let text = sql_for_cluster(
                    query.as_ref(),
                    &mut job,
                    &mut files,
                    &file_read,
                    &views,
                    master,
                    reporter,
                )?;
                let frame = job.query(text);
                let header = matches!(sink, Sink::Explain)
                    .then(|| format!("== INSERT OVERWRITE DIRECTORY '{path}' (not run) ==\n"));
                job.action(&frame, sink_action(sink, master, reporter)?);
                printed.push((sink.clone(), header));
            }
            (Statement::Sql(sql), Some((step, sink))) => {
                let (query_text, sink) = match &step.output {
                    Output::Query(query) => (
                        sql_for_cluster(
                            *query, &mut job, &mut files, &file_read, &views, master, reporter,
                        )?,
                        sink.clone(),
                    ),
                    Output::Explain(query) => (
                        sql_for_cluster(
                            *query, &mut job, &mut files, &file_read, &views, master, reporter,
                        )?,
                        Sink::Explain,
                    ),
                    Output::ExplainAnalyze(_) => {
                        return Err(Error::usage(
                            "EXPLAIN ANALYZE is not supported on a Spark cluster: Spark's UI \
                             and History Server show what each operator did",
                        ))
                    }
                    Output::Describe(_) | Output::ShowTables(_) | Output::ShowColumns(_) => (
                        sql_for_cluster(
                            sql, &mut job, &mut files, &file_read, &views, master, reporter,
                        )?,
                        sink.clone(),
                    ),
                    Output::InsertDirectory { .. } => {
                        return Err(Error::Internal("an INSERT parsed as SQL".into()))
                    }
                };
                let frame = job.query(query_text);
                job.action(&frame, sink_action(&sink, master, reporter)?);
                printed.push((sink, None));
            }
            (Statement::Sql(sql), None) => {
                if let sqlparser::ast::Statement::CreateView(view) = sql {
                    views.push(view.name.to_string().trim_matches('`').to_string());
                }
                let text = sql_for_cluster(
                    sql, &mut job, &mut files, &file_read, &views, master, reporter,
                )?;
                job.steps.push(ClusterStep::Statement(text));
            }
            (Statement::InsertDirectory { .. }, None) => {
                return Err(Error::Internal("an INSERT without a step".into()))
            }
        }
    }
    let outcomes = cluster.run(&job, reporter)?;
    if outcomes.len() != printed.len() {
        return Err(Error::Internal(format!(
            "{} results for {} actions",
            outcomes.len(),
            printed.len()
        )));
    }
    for (outcome, (sink, header)) in outcomes.iter().zip(&printed) {
        if let Some(header) = header {
            job::stdout::print(header)?;
        }
        print_outcome(sink, outcome)?;
    }
    Ok(())
}

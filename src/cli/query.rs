//! `engine query INPUT [verbs...]`: DataFrame transformations from the shell. The verbs run in
//! the order given (`--filter`, `--select`, `--with-column`, `--drop`, `--rename`,
//! `--group-by/--agg`, `--join/--on/--how`, `--union`, `--distinct`, `--order-by`, `--limit`);
//! the result goes to a sink: Spark's show table (default), CSV or JSON lines on stdout, or
//! files with every option of `convert` (`--write`). `--explain` prints the optimized plan.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use clap::ArgMatches;

use super::convert::{WriteArgs, WritePlan};
use super::{print, Context, FormatArg, ReadArgs};
use crate::error::{Error, Result};
use crate::exec::partitions::{ExecContext, Partitions};
use crate::exec::write::write_partitions;
use crate::expr::{parse_expr, parse_expr_list, parse_sort_list};
use crate::io::dataset::{Dataset, Depth, ReadOptions};
use crate::io::show::{show_string, ShowOptions};
use crate::io::writer::{should_write, OutputJob};
use crate::plan::{explain::explain, optimize::optimize, run::execute, Frame, JoinType};
use crate::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Verbs run in the order given. Expressions are Spark SQL expressions, e.g.
  engine query data/yellow.csv --filter 'total_amount > 20' \\
      --group-by PULocationID --agg 'sum(total_amount) AS revenue, count(*)' \\
      --order-by 'revenue DESC' --limit 10"
)]
pub struct Args {
    /// A file, a directory of part files, or a glob.
    pub input: String,
    /// Keep rows where the condition holds (Spark's filter / where).
    #[arg(long, value_name = "EXPR", action = clap::ArgAction::Append)]
    pub filter: Vec<String>,
    /// Keep these columns or expressions (`a, b * 2 AS c, *`).
    #[arg(long, value_name = "EXPR,...", action = clap::ArgAction::Append)]
    pub select: Vec<String>,
    /// Add or replace a column: NAME=EXPR.
    #[arg(long, value_name = "NAME=EXPR", action = clap::ArgAction::Append)]
    pub with_column: Vec<String>,
    /// Remove columns.
    #[arg(long, value_name = "COL,...", action = clap::ArgAction::Append)]
    pub drop: Vec<String>,
    /// Rename a column: OLD=NEW.
    #[arg(long, value_name = "OLD=NEW", action = clap::ArgAction::Append)]
    pub rename: Vec<String>,
    /// Group by these expressions; the next --agg gives the aggregates.
    #[arg(long, value_name = "EXPR,...", action = clap::ArgAction::Append)]
    pub group_by: Vec<String>,
    /// Aggregates (`sum(x) AS total, count(*)`), per group of the preceding --group-by, or over
    /// all rows without one.
    #[arg(long, value_name = "AGG,...", action = clap::ArgAction::Append)]
    pub agg: Vec<String>,
    /// Join with another input ([ALIAS=]INPUT); give --on (and --how) after it.
    #[arg(long, value_name = "INPUT", action = clap::ArgAction::Append)]
    pub join: Vec<String>,
    /// The join condition (an expression), or column names both sides share (`a, b`), which
    /// then appear once in the result.
    #[arg(long, value_name = "EXPR", action = clap::ArgAction::Append)]
    pub on: Vec<String>,
    /// Join type: inner (default), left, right, full, semi, anti.
    #[arg(long, value_name = "TYPE", action = clap::ArgAction::Append)]
    pub how: Vec<String>,
    /// Append the rows of another input, column by position.
    #[arg(long, value_name = "INPUT", action = clap::ArgAction::Append)]
    pub union: Vec<String>,
    /// Append the rows of another input, columns matched by name.
    #[arg(long, value_name = "INPUT", action = clap::ArgAction::Append)]
    pub union_by_name: Vec<String>,
    /// Keep one copy of each distinct row.
    #[arg(long, action = clap::ArgAction::Count)]
    pub distinct: u8,
    /// Sort: `expr [ASC|DESC] [NULLS FIRST|LAST], ...`.
    #[arg(long, value_name = "EXPR,...", action = clap::ArgAction::Append)]
    pub order_by: Vec<String>,
    /// Keep the first N rows.
    #[arg(long, value_name = "N", action = clap::ArgAction::Append)]
    pub limit: Vec<usize>,

    #[command(flatten)]
    pub sink: SinkArgs,
    /// Input format, when the file names do not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<FormatArg>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Where the result goes: shared by `query` and `sql`.
#[derive(Debug, clap::Args)]
pub struct SinkArgs {
    /// Print the optimized plan instead of running the query.
    #[arg(long)]
    pub explain: bool,
    /// Sink: Spark's show table (the default).
    #[arg(long, conflicts_with_all = ["csv", "json", "write"])]
    pub show: bool,
    /// Sink: CSV with a header on stdout.
    #[arg(long, conflicts_with_all = ["json", "write"])]
    pub csv: bool,
    /// Sink: JSON lines on stdout (null fields left out, as Spark writes them).
    #[arg(long, conflicts_with = "write")]
    pub json: bool,
    /// Sink: write the result to OUTPUT as `convert` does (same options).
    #[arg(long, value_name = "OUTPUT")]
    pub write: Option<String>,
    #[command(flatten)]
    pub write_options: WriteArgs,
    /// Rows to show.
    #[arg(short = 'n', long = "num-rows", default_value_t = 20)]
    pub rows: usize,
    /// Cut shown cells longer than this.
    #[arg(
        long,
        default_value_t = 20,
        value_name = "N",
        conflicts_with = "no_truncate"
    )]
    pub truncate: usize,
    /// Never cut shown cells.
    #[arg(long)]
    pub no_truncate: bool,
    /// Show one block per row.
    #[arg(long)]
    pub vertical: bool,
}

impl SinkArgs {
    /// The CSV parse mode given to --mode, if any (a save mode needs --write).
    pub fn parse_mode(&self) -> Result<Option<crate::io::csv::ParseMode>> {
        let (save_mode, parse_mode) = self.write_options.modes()?;
        if save_mode.is_some() && self.write.is_none() {
            return Err(Error::usage(
                "--mode error|overwrite|append|ignore applies to --write OUTPUT",
            ));
        }
        Ok(parse_mode)
    }

    pub fn sink(&self) -> Result<Sink> {
        Ok(if self.explain {
            Sink::Explain
        } else if let Some(output) = &self.write {
            Sink::Write {
                output: output.clone(),
                plan: self.write_options.plan(output)?,
            }
        } else if self.csv {
            Sink::Csv
        } else if self.json {
            Sink::Json
        } else {
            Sink::Show(ShowOptions {
                rows: self.rows,
                truncate: if self.no_truncate { 0 } else { self.truncate },
                vertical: self.vertical,
            })
        })
    }
}

/// One verb, with what it needs.
#[derive(Debug, Clone)]
enum Verb {
    Filter(String),
    Select(String),
    WithColumn(String),
    Drop(String),
    Rename(String),
    GroupBy {
        keys: Option<String>,
        aggs: String,
    },
    Join {
        input: String,
        on: String,
        how: JoinType,
    },
    Union {
        input: String,
        by_name: bool,
    },
    Distinct,
    OrderBy(String),
    Limit(usize),
}

/// The verbs in command-line order (clap keeps each flag's values apart; their indices say
/// where each occurrence was).
fn ordered_verbs(args: &Args, matches: &ArgMatches) -> Result<Vec<Verb>> {
    let mut items: Vec<(usize, &str, usize)> = Vec::new(); // (index, id, occurrence)
    for id in [
        "filter",
        "select",
        "with_column",
        "drop",
        "rename",
        "group_by",
        "agg",
        "join",
        "on",
        "how",
        "union",
        "union_by_name",
        "distinct",
        "order_by",
        "limit",
    ] {
        if matches.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
            continue;
        }
        if let Some(indices) = matches.indices_of(id) {
            for (n, index) in indices.enumerate() {
                items.push((index, id, n));
            }
        }
    }
    items.sort();
    let mut verbs = Vec::new();
    let mut pending_group: Option<String> = None;
    for (_, id, n) in items {
        match id {
            "filter" => verbs.push(Verb::Filter(args.filter[n].clone())),
            "select" => verbs.push(Verb::Select(args.select[n].clone())),
            "with_column" => verbs.push(Verb::WithColumn(args.with_column[n].clone())),
            "drop" => verbs.push(Verb::Drop(args.drop[n].clone())),
            "rename" => verbs.push(Verb::Rename(args.rename[n].clone())),
            "group_by" => {
                if pending_group.replace(args.group_by[n].clone()).is_some() {
                    return Err(Error::usage("--group-by must be followed by --agg"));
                }
            }
            "agg" => verbs.push(Verb::GroupBy {
                keys: pending_group.take(),
                aggs: args.agg[n].clone(),
            }),
            "join" => verbs.push(Verb::Join {
                input: args.join[n].clone(),
                on: String::new(),
                how: JoinType::Inner,
            }),
            "on" | "how" => match verbs.last_mut() {
                Some(Verb::Join { on, how, .. }) => {
                    if id == "on" {
                        if !on.is_empty() {
                            return Err(Error::usage("--on given twice for one --join"));
                        }
                        *on = args.on[n].clone();
                    } else {
                        *how = JoinType::parse(&args.how[n]).ok_or_else(|| {
                            Error::usage(format!(
                                "--how '{}': expected inner, left, right, full, semi or anti",
                                args.how[n]
                            ))
                        })?;
                    }
                }
                _ => {
                    return Err(Error::usage(format!(
                        "--{id} must follow the --join it belongs to"
                    )))
                }
            },
            "union" => verbs.push(Verb::Union {
                input: args.union[n].clone(),
                by_name: false,
            }),
            "union_by_name" => verbs.push(Verb::Union {
                input: args.union_by_name[n].clone(),
                by_name: true,
            }),
            "distinct" => verbs.push(Verb::Distinct),
            "order_by" => verbs.push(Verb::OrderBy(args.order_by[n].clone())),
            "limit" => verbs.push(Verb::Limit(args.limit[n])),
            _ => unreachable!("listed above"),
        }
        if pending_group.is_some() && !matches!(id, "group_by") {
            return Err(Error::usage(
                "--group-by must be followed directly by --agg",
            ));
        }
    }
    if pending_group.is_some() {
        return Err(Error::usage(
            "--group-by needs --agg (e.g. --agg 'count(*)')",
        ));
    }
    for verb in &verbs {
        if let Verb::Join { input, on, .. } = verb {
            if on.is_empty() {
                return Err(Error::usage(format!("--join {input} needs --on")));
            }
        }
    }
    Ok(verbs)
}

/// `NAME=EXPR` / `OLD=NEW`.
fn split_assignment<'a>(text: &'a str, flag: &str) -> Result<(&'a str, &'a str)> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
            Ok((name.trim().trim_matches('`'), value.trim()))
        }
        _ => Err(Error::usage(format!(
            "{flag} '{text}': expected NAME=VALUE"
        ))),
    }
}

/// `[ALIAS=]INPUT`: an alias is an identifier before `=` (paths like `year=2019` have a '/').
pub fn split_alias(text: &str) -> (Option<String>, &str) {
    if let Some((alias, path)) = text.split_once('=') {
        let ident = !alias.is_empty()
            && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !alias.chars().next().is_some_and(|c| c.is_ascii_digit());
        if ident && !Path::new(text).exists() {
            return (Some(alias.to_string()), path);
        }
    }
    (None, text)
}

/// A table name for an input: its alias, else its file stem when that is an identifier.
fn default_qualifier(input: &str) -> Option<String> {
    let stem = Path::new(input.trim_end_matches('/'))
        .file_name()?
        .to_string_lossy()
        .split('.')
        .next()?
        .to_string();
    (!stem.is_empty() && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(stem)
}

pub struct Inputs<'a> {
    pub read: &'a ReadOptions,
    pub depth: Depth,
    pub progress: &'a Progress,
}

impl Inputs<'_> {
    pub fn frame(&self, text: &str) -> Result<Frame> {
        let (alias, path) = split_alias(text);
        let dataset = Dataset::open(path, self.read, self.depth, self.progress)?;
        Ok(Frame::scan(
            Arc::new(dataset),
            alias.or_else(|| default_qualifier(path)),
        ))
    }
}

fn build(args: &Args, verbs: &[Verb], inputs: &Inputs) -> Result<Frame> {
    let mut frame = inputs.frame(&args.input)?;
    for verb in verbs {
        frame = match verb {
            Verb::Filter(text) => frame.filter(&parse_expr(text)?)?,
            Verb::Select(text) => frame.select(&parse_expr_list(text)?)?,
            Verb::WithColumn(text) => {
                let (name, expr) = split_assignment(text, "--with-column")?;
                frame.with_column(name, &parse_expr(expr)?)?
            }
            Verb::Drop(text) => {
                let names: Vec<String> = text
                    .split(',')
                    .map(|n| n.trim().trim_matches('`').to_string())
                    .filter(|n| !n.is_empty())
                    .collect();
                frame.drop(&names)?
            }
            Verb::Rename(text) => {
                let (old, new) = split_assignment(text, "--rename")?;
                frame.rename(old, new.trim_matches('`'))?
            }
            Verb::GroupBy { keys, aggs } => {
                let keys = match keys {
                    Some(k) => parse_expr_list(k)?,
                    None => Vec::new(),
                };
                let aggs = parse_expr_list(aggs)?;
                if let Some(plain) = aggs.iter().find(|a| !a.contains_aggregate()) {
                    return Err(Error::usage(format!(
                        "--agg '{}' is not an aggregate (sum, count, avg, min, max, ...)",
                        plain.name()
                    )));
                }
                frame.group_by(&keys, &aggs)?
            }
            Verb::Join { input, on, how } => {
                let other = inputs.frame(input)?;
                let condition = parse_expr_list(on)?;
                let names: Option<Vec<String>> = condition
                    .iter()
                    .map(|e| match e {
                        crate::expr::Expr::Column {
                            qualifier: None,
                            name,
                        } => Some(name.clone()),
                        _ => None,
                    })
                    .collect();
                match names {
                    Some(names) => frame.join_using(other, &names, *how)?,
                    None => frame.join_on(other, &parse_expr(on)?, *how)?,
                }
            }
            Verb::Union { input, by_name } => frame.union(inputs.frame(input)?, *by_name)?,
            Verb::Distinct => frame.distinct()?,
            Verb::OrderBy(text) => frame.order_by(&parse_sort_list(text)?)?,
            Verb::Limit(n) => frame.limit(*n),
        };
    }
    Ok(frame)
}

/// Where a result goes.
pub enum Sink {
    Show(ShowOptions),
    Csv,
    Json,
    Write { output: String, plan: WritePlan },
    Explain,
}

pub fn run(args: Args, matches: &ArgMatches, context: &Context) -> Result<()> {
    let verbs = ordered_verbs(&args, matches)?;
    let parse_mode = args.sink.parse_mode()?;
    let read = args.read.to_options(
        args.input_format.map(Into::into),
        parse_mode.unwrap_or_default(),
    )?;
    let sink = args.sink.sink()?;
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    run_with_retry(context, &read, tuning, &sink, &|inputs| {
        build(&args, &verbs, inputs)
    })
}

/// Build and run a query. CSV types come from a sample first; if a later value contradicts them
/// (before anything is committed or printed), the query runs again with types from every row.
/// Execution settings that are not read options.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    pub broadcast_rows: usize,
}

pub fn run_with_retry(
    context: &Context,
    read: &ReadOptions,
    tuning: Tuning,
    sink: &Sink,
    build: &dyn Fn(&Inputs) -> Result<Frame>,
) -> Result<()> {
    if let Sink::Write { output, plan } = sink {
        if !should_write(Path::new(output), plan.options.mode)? {
            context.note(&format!(
                "{output}: already exists; --mode ignore: nothing written"
            ));
            return Ok(());
        }
    }
    let progress = context.progress("querying");
    let attempt = |depth: Depth| -> Result<()> {
        let inputs = Inputs {
            read,
            depth,
            progress: &progress,
        };
        let mut frame = build(&inputs)?;
        // Streaming sinks print as they go, so they cannot start over once a row is out: unless
        // every input is read to the end before the first row comes out (an aggregate or a sort
        // on top), they infer types from every row.
        if matches!(depth, Depth::Sampled)
            && matches!(sink, Sink::Csv | Sink::Json)
            && !reads_all_before_output(&frame.plan)
        {
            frame = build(&Inputs {
                read,
                depth: Depth::Full,
                progress: &progress,
            })?;
        }
        execute_to_sink(frame, sink, read, tuning, &progress, context)
    };
    let result = match attempt(Depth::Sampled) {
        Err(Error::InferenceContradicted { path, line, column }) => {
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            context.note(&format!(
                "{}{at}: column {column} needs a wider type than its first rows suggest; inferring types from every row",
                path.display()
            ));
            attempt(Depth::Full)
        }
        other => other,
    };
    progress.finish();
    result
}

/// Whether running `plan` reads all of its inputs before it yields its first row.
fn reads_all_before_output(plan: &crate::plan::Plan) -> bool {
    use crate::plan::Plan;
    match plan {
        Plan::Scan(_) => false,
        Plan::Filter { input, .. } | Plan::Project { input, .. } | Plan::Limit { input, .. } => {
            reads_all_before_output(input)
        }
        Plan::Aggregate { .. } | Plan::Sort { .. } | Plan::Window { .. } => true,
        Plan::Join { left, how, .. } => {
            matches!(how, JoinType::Right | JoinType::Full) || reads_all_before_output(left)
        }
        Plan::Union { inputs, .. } => inputs.iter().all(reads_all_before_output),
    }
}

fn execute_to_sink(
    frame: Frame,
    sink: &Sink,
    read: &ReadOptions,
    tuning: Tuning,
    progress: &Progress,
    context: &Context,
) -> Result<()> {
    let ctx = ExecContext {
        batch_size: read.batch_size,
        broadcast_rows: tuning.broadcast_rows,
        progress: progress.clone(),
    };
    match sink {
        Sink::Explain => print(&explain(&optimize(frame.plan))),
        Sink::Show(options) => {
            let schema = frame.schema();
            let plan = optimize(frame.limit(options.rows.saturating_add(1)).plan);
            let batches = execute(&plan, &ctx)?.collect_all()?;
            let mut text = show_string(&schema, &batches, options);
            text.push('\n');
            print(&text)
        }
        Sink::Csv | Sink::Json => {
            let schema = frame.schema();
            let plan = optimize(frame.plan);
            let parts = execute(&plan, &ctx)?;
            stream_out(&parts, &schema, matches!(sink, Sink::Json))
        }
        Sink::Write {
            output,
            plan: write,
        } => {
            let plan = optimize(frame.plan);
            let mut datasets = Vec::new();
            plan.datasets(&mut datasets);
            let inputs: Vec<std::path::PathBuf> = datasets
                .iter()
                .flat_map(|d| d.paths().map(|p| p.to_path_buf()).collect::<Vec<_>>())
                .collect();
            let schema = plan.schema();
            let Some(job) = OutputJob::begin(
                Path::new(output),
                &schema,
                write.options.clone(),
                inputs.iter().map(|p| p.as_path()),
            )?
            else {
                return Ok(());
            };
            let parts = execute(&plan, &ctx)?;
            let summary = write_partitions(&parts, job, write.distribution)?;
            context.note(&summary.describe(Path::new(output)));
            Ok(())
        }
    }
}

/// Print partitions in order as CSV or JSON lines. Partitions are run a pool's width at a
/// time, in parallel, and printed as each window completes.
fn stream_out(parts: &Partitions, schema: &arrow::datatypes::Schema, json: bool) -> Result<()> {
    use rayon::prelude::*;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let broken = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
    if !json {
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|e| Error::io("<stdout>", std::io::Error::from(e)))?;
        let bytes = header
            .into_inner()
            .map_err(|e| Error::io("<stdout>", e.into_error()))?;
        if let Err(e) = out.write_all(&bytes) {
            return if broken(&e) {
                Ok(())
            } else {
                Err(Error::io("<stdout>", e))
            };
        }
    }
    let window = crate::runtime::parallelism().max(1);
    for chunk in parts.parts.chunks(window) {
        let texts: Vec<Vec<u8>> = chunk
            .par_iter()
            .map(|open| -> Result<Vec<u8>> {
                let mut buffer = Vec::new();
                for batch in open()? {
                    let batch = batch?;
                    if json {
                        write_json_rows(&mut buffer, &batch);
                    } else {
                        let mut writer = csv::WriterBuilder::new()
                            .has_headers(false)
                            .from_writer(&mut buffer);
                        crate::io::writer::write_csv_rows(&mut writer, &batch)
                            .map_err(|e| Error::io("<stdout>", e))?;
                        writer.flush().map_err(|e| Error::io("<stdout>", e))?;
                    }
                }
                Ok(buffer)
            })
            .collect::<Result<_>>()?;
        for text in texts {
            if let Err(e) = out.write_all(&text) {
                return if broken(&e) {
                    Ok(())
                } else {
                    Err(Error::io("<stdout>", e))
                };
            }
        }
    }
    match out.flush() {
        Err(e) if !broken(&e) => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

fn write_json_rows(out: &mut Vec<u8>, batch: &arrow::array::RecordBatch) {
    use arrow::datatypes::DataType;
    let schema = batch.schema();
    let mut cell = String::new();
    for row in 0..batch.num_rows() {
        out.push(b'{');
        let mut first = true;
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            cell.clear();
            if !crate::types::display::write_value(&mut cell, column.as_ref(), row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            json_string(out, field.name());
            out.push(b':');
            let bare = match field.data_type() {
                DataType::Boolean => true,
                t if crate::types::coerce::is_numeric(t) => {
                    cell.parse::<f64>().is_ok_and(|v| v.is_finite())
                }
                _ => false,
            };
            if bare {
                out.extend_from_slice(cell.as_bytes());
            } else {
                json_string(out, &cell);
            }
        }
        out.extend_from_slice(b"}\n");
    }
}

fn json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

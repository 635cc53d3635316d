//! The command line: the global flags and dispatch. Each command lives in its own module and
//! turns its arguments (shared ones in `args`) into checked options and a job, then runs it.

pub mod args;
pub mod convert;
pub mod count;
pub mod describe;
pub mod functions;
pub mod query;
pub mod schema;
pub mod show;
pub mod sql;
pub mod stdin_input;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::job::{ProgressWhen, Reporter};

/// `engine --version`: the package version and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("ENGINE_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "engine",
    version = VERSION,
    about = "A single-node, Spark-like DataFrame engine: read CSV and Parquet, show, convert, query",
    after_help = "Exit codes: 0 success, 1 runtime error (bad data, missing file), 2 usage error, \
                  130 interrupted (Ctrl-C or SIGTERM; nothing partial is left behind).\n\
                  Examples (from the project directory):\n  \
                  engine show data/taxi_zone_lookup.csv -n 5\n  \
                  engine count 'data/yellow_tripdata_sample_2019-0{1,2}.csv'\n  \
                  engine describe data/taxi_zone_lookup.csv"
)]
pub struct Cli {
    /// Where to run, as Spark's master URL: local, local[N] or local[*] (all cores) in this
    /// process; sc://host:port on a Spark Connect server; spark://host:port, yarn or
    /// k8s://... through spark-submit (see README, "Scaling out").
    #[arg(
        long,
        global = true,
        default_value = "local[*]",
        value_name = "MASTER",
        env = "ENGINE_MASTER"
    )]
    pub master: String,
    /// A Spark setting for a cluster master (repeatable): --conf spark.executor.memory=2g.
    #[arg(long, global = true, value_name = "KEY=VALUE", action = clap::ArgAction::Append)]
    pub conf: Vec<String>,
    /// Memory the operators that hold data (aggregation, join build side, sort) may use, e.g.
    /// 4G (DuckDB's memory_limit). Past it an aggregation or a join spills to disk (TMPDIR);
    /// what cannot fit even so fails with a clear message. Default: 70% of the machine's memory
    /// (or of `ulimit -v`).
    #[arg(long, global = true, value_name = "SIZE", visible_alias = "memory")]
    pub memory_limit: Option<String>,
    /// No progress bar, no notes and no job summary on stderr (warnings and errors still).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print the job summary (stages, tasks, rows, bytes, time, skew) on stderr even when
    /// stderr is not a terminal (on a terminal it is printed unless -q).
    #[arg(long, global = true)]
    pub summary: bool,
    /// Write each run as a Spark event log in DIR (made if missing), for Spark's History
    /// Server: spark.history.fs.logDirectory=DIR. `DIR/<app id>.inprogress` while it runs.
    #[arg(long, global = true, value_name = "DIR", env = "ENGINE_EVENT_LOG")]
    pub event_log: Option<std::path::PathBuf>,
    /// Progress bar on stderr for work longer than a second.
    #[arg(long, global = true, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the first rows as Spark's df.show() does.
    Show(show::Args),
    /// Print the schema as Spark's df.printSchema() does.
    Schema(schema::Args),
    /// Print the number of rows.
    Count(count::Args),
    /// Print count, mean, stddev, min and max of the numeric and string columns, as Spark's
    /// df.describe() does.
    Describe(describe::Args),
    /// Print df.describe()'s figures and the 25%, 50% and 75% percentiles, as Spark's
    /// df.summary() does.
    Summary(describe::Args),
    /// Write INPUT to OUTPUT as Spark writes it (Parquet by default, or CSV).
    Convert(convert::Args),
    /// Filter, select, group, join, sort: DataFrame verbs run in the order given.
    Query(query::Args),
    /// Spark SQL over inputs and temp views.
    Sql(sql::Args),
    /// List the functions expressions may call, with their kinds.
    Functions(functions::Args),
    /// Print a shell completion script: engine completions bash > ~/.local/share/bash-completion/completions/engine
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): engine man > engine.1 && man ./engine.1
    Man,
}

/// Run a parsed command line.
pub fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<()> {
    let master = crate::cluster::Master::parse(&cli.master)?;
    let cluster = cluster_of(&cli, &master)?;
    let threads = match master {
        crate::cluster::Master::Local(threads) => threads,
        // On a cluster, this process only infers CSV types and prints results.
        _ => crate::runtime::parse_master("local[*]")?,
    };
    crate::runtime::init_pool(threads)?;
    match &cli.memory_limit {
        Some(limit) => crate::memory::set_limit(crate::memory::parse_size(limit)?),
        // Computed now, while little is mapped (it depends on the unmapped address space).
        None => {
            crate::memory::limit();
        }
    }
    crate::runtime::install_interrupt_handler();
    let mut context = Reporter::new(
        cli.quiet,
        match cli.progress {
            ProgressMode::Auto => ProgressWhen::Terminal,
            ProgressMode::Always => ProgressWhen::Always,
            ProgressMode::Never => ProgressWhen::Never,
        },
    );
    if cli.summary {
        context.summary = Some(true);
    }
    if let Some(dir) = cli
        .event_log
        .as_deref()
        .filter(|d| !d.as_os_str().is_empty() && cluster.is_none())
    {
        let command_line = std::env::args().collect::<Vec<_>>().join(" ");
        context.describe_jobs(command_line.clone());
        context.event_log = Some(crate::job::event_log::EventLog::start(
            dir,
            &command_line,
            threads,
        )?);
    }
    // `-` as the INPUT: standard input, spooled first (kept until the command ends).
    let mut cli = cli;
    let mut spooled: Vec<stdin_input::Spooled> = Vec::new();
    let mut stdin_read = false;
    let mut from_stdin = |input: &mut String| -> Result<()> {
        if input == "-" {
            if stdin_read {
                return Err(Error::usage("standard input ('-') can be read once"));
            }
            stdin_read = true;
            let copy = stdin_input::spool_stdin()?;
            *input = copy.path.clone();
            spooled.push(copy);
        } else if stdin_input::is_stream(input) {
            let copy = stdin_input::spool_path(input)?;
            *input = copy.path.clone();
            spooled.push(copy);
        }
        Ok(())
    };
    let mut all_from_stdin =
        |inputs: &mut [String]| -> Result<()> { inputs.iter_mut().try_for_each(&mut from_stdin) };
    match &mut cli.command {
        Command::Show(args) => all_from_stdin(&mut args.inputs)?,
        Command::Schema(args) => all_from_stdin(&mut args.inputs)?,
        Command::Count(args) => all_from_stdin(&mut args.inputs)?,
        Command::Describe(args) | Command::Summary(args) => all_from_stdin(&mut args.inputs)?,
        Command::Convert(args) => {
            let inputs = args.paths.len() - 1;
            all_from_stdin(&mut args.paths[..inputs])?
        }
        Command::Query(args) => all_from_stdin(&mut args.inputs)?,
        Command::Sql(args) => {
            for table in args.tables.iter_mut() {
                if let Some((name, "-")) = table.split_once('=') {
                    if args.query.is_none() && args.file.as_deref().is_none_or(|f| f == "-") {
                        return Err(Error::usage(
                            "--table NAME=- reads standard input, which then cannot also hold \
                             the SQL: give the query as an argument or -f FILE",
                        ));
                    }
                    let mut input = "-".to_string();
                    from_stdin(&mut input)?;
                    *table = format!("{name}={input}");
                }
            }
        }
        Command::Functions(_) | Command::Completions { .. } | Command::Man => {}
    }
    let result = match &cluster {
        Some(cluster) => dispatch_cluster(cli, matches, cluster, &context),
        None => dispatch(cli, matches, &context),
    };
    drop(spooled);
    // The event log ends with the command, failed or not (a failed job is in it as failed).
    let logged = match &context.event_log {
        Some(log) => log.finish(),
        None => Ok(()),
    };
    result.and(logged)
}

/// The cluster a cluster master names, with the `--conf` settings; None for a local master.
/// Flags that only mean something in this process are refused there.
fn cluster_of(
    cli: &Cli,
    master: &crate::cluster::Master,
) -> Result<Option<crate::cluster::Cluster>> {
    let mut conf = Vec::new();
    for setting in &cli.conf {
        match setting.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                conf.push((key.trim().to_string(), value.to_string()))
            }
            _ => {
                return Err(Error::usage(format!(
                    "--conf '{setting}': expected KEY=VALUE"
                )))
            }
        }
    }
    if matches!(master, crate::cluster::Master::Local(_)) {
        if let Some((key, _)) = conf.first() {
            return Err(Error::usage(format!(
                "--conf {key}=...: Spark settings apply to a cluster master (sc://, spark://, \
                 yarn, k8s://); a local run takes engine flags"
            )));
        }
        return Ok(None);
    }
    if cli.memory_limit.is_some() {
        return Err(Error::usage(format!(
            "--memory-limit applies to local runs, not to --master {} (give the cluster's own: \
             --conf spark.executor.memory=4g)",
            cli.master
        )));
    }
    if cli
        .event_log
        .as_deref()
        .is_some_and(|d| !d.as_os_str().is_empty())
    {
        // Often set for every command (ENGINE_EVENT_LOG): said, not refused.
        eprintln!(
            "engine: warning: --event-log records local runs; a cluster's jobs are in Spark's \
             own event log (--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=DIR)"
        );
    }
    Ok(Some(crate::cluster::Cluster {
        master: master.clone(),
        conf,
    }))
}

/// Run a command on a cluster. Every command that reads data goes; the others need no data.
fn dispatch_cluster(
    cli: Cli,
    matches: &clap::ArgMatches,
    cluster: &crate::cluster::Cluster,
    context: &Reporter,
) -> Result<()> {
    match cli.command {
        Command::Show(args) => show::run_on_cluster(args, cluster, context),
        Command::Schema(args) => schema::run_on_cluster(args, cluster, context),
        Command::Count(args) => count::run_on_cluster(args, cluster, context),
        Command::Convert(args) => convert::run_on_cluster(args, cluster, context),
        Command::Query(args) => {
            let sub = matches
                .subcommand_matches("query")
                .ok_or_else(|| Error::Internal("query arguments missing".into()))?;
            query::run_on_cluster(args, sub, cluster, context)
        }
        Command::Sql(args) => sql::run_on_cluster(args, cluster, context),
        Command::Describe(_) | Command::Summary(_) => Err(Error::usage(format!(
            "not supported on --master {}: describe and summary (run them locally, or \
             `engine sql` with the aggregates you need)",
            cli.master
        ))),
        other => dispatch(
            Cli {
                command: other,
                ..cli
            },
            matches,
            context,
        ),
    }
}

fn dispatch(cli: Cli, matches: &clap::ArgMatches, context: &Reporter) -> Result<()> {
    match cli.command {
        Command::Show(args) => show::run(args, context),
        Command::Schema(args) => schema::run(args, context),
        Command::Count(args) => count::run(args, context),
        Command::Describe(args) => describe::run(args, context, false),
        Command::Summary(args) => describe::run(args, context, true),
        Command::Convert(args) => convert::run(args, context),
        Command::Query(args) => {
            let sub = matches
                .subcommand_matches("query")
                .ok_or_else(|| Error::Internal("query arguments missing".into()))?;
            query::run(args, sub, context)
        }
        Command::Sql(args) => sql::run(args, context),
        Command::Functions(args) => functions::run(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "engine", &mut out);
            crate::job::stdout::print(&String::from_utf8_lossy(&out))
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::io("<stdout>", e))?;
            crate::job::stdout::print(&String::from_utf8_lossy(&out))
        }
    }
}

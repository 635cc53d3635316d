//! `engine query INPUT [verbs...]`: DataFrame transformations from the shell. The verbs run in
//! the order given (`--filter`, `--select`, `--with-column`, `--drop`, `--rename`,
//! `--group-by/--agg`, `--join/--on/--how`, `--union`, `--distinct`, `--order-by`, `--limit`);
//! the result goes to a sink: Spark's show table (default), CSV or JSON lines on stdout, or
//! files with every option of `convert` (`--write`). `--explain` prints the optimized plan.

use clap::ArgMatches;

use super::args::{ReadArgs, SinkArgs};
use crate::error::{Error, Result};
use crate::expr::{parse_expr, parse_expr_list, parse_sort_list};
use crate::job::{self, Reporter, Tuning};
use crate::plan::inputs::Inputs;
use crate::plan::{Frame, JoinType};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Verbs run in the order given. Expressions are Spark SQL expressions, e.g.
  engine query data/yellow_tripdata_sample_2019-01.csv --filter 'total_amount > 20' \\
      --group-by pickup_location_id --agg 'sum(total_amount) AS revenue, count(*)' \\
      --order-by 'revenue DESC' --limit 10"
)]
pub struct Args {
    /// Files, directories of part files, or globs (`{a,b}` alternatives too), read as one
    /// input ('-': standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
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
    #[command(flatten)]
    pub read: ReadArgs,
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

/// `--drop a, b`: the column names.
fn drop_names(text: &str) -> Vec<String> {
    text.split(',')
        .map(|n| n.trim().trim_matches('`').to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// `--on a, b` names columns both sides share (Spark's `on=[...]`); None when `--on` is a
/// condition.
fn using_names(on: &str) -> Result<Option<Vec<String>>> {
    Ok(parse_expr_list(on)?
        .iter()
        .map(|e| match e {
            crate::expr::Expr::Column {
                qualifier: None,
                name,
            } => Some(name.clone()),
            _ => None,
        })
        .collect())
}

fn build(args: &Args, verbs: &[Verb], inputs: &Inputs) -> Result<Frame> {
    let mut frame = inputs.frame_all(&args.inputs)?;
    for verb in verbs {
        frame = match verb {
            Verb::Filter(text) => frame.filter(&parse_expr(text)?)?,
            Verb::Select(text) => frame.select(&parse_expr_list(text)?)?,
            Verb::WithColumn(text) => {
                let (name, expr) = split_assignment(text, "--with-column")?;
                frame.with_column(name, &parse_expr(expr)?)?
            }
            Verb::Drop(text) => frame.drop(&drop_names(text))?,
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
                match using_names(on)? {
                    // `on=[...]`: the shared columns once, as Spark's DataFrame join.
                    Some(names) => frame.join_using(other, &names, *how)?.without_hidden(),
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

pub fn run(mut args: Args, matches: &ArgMatches, reporter: &Reporter) -> Result<()> {
    args.sink.adopt_legacy(&mut args.read, reporter)?;
    let verbs = ordered_verbs(&args, matches)?;
    let read = args.read.to_options()?;
    let sink = args.sink.sink()?;
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    job::run(reporter, &read, tuning, &sink, "querying", &|inputs| {
        build(&args, &verbs, inputs)
    })
}

/// `query` on a Spark cluster: the same verbs, in the same order, as DataFrame operations
/// there (expressions checked here and sent as Spark SQL text); the result comes back to the
/// sink, or is written there.
pub fn run_on_cluster(
    mut args: Args,
    matches: &ArgMatches,
    cluster: &crate::cluster::Cluster,
    reporter: &Reporter,
) -> Result<()> {
    use crate::cluster::job::{Action, Job, Verb as SparkVerb};
    use crate::cluster::translate;
    use crate::expr::spark_text::{expression_text, select_item_texts, sort_item_texts};
    use crate::plan::inputs::{default_qualifier, split_alias};

    args.sink.adopt_legacy(&mut args.read, reporter)?;
    let verbs = ordered_verbs(&args, matches)?;
    let read = args.read.to_options()?;
    let sink = args.sink.sink()?;
    let mut job = Job::new(format!("engine query {}", args.inputs.join(" ")));
    let master = &cluster.master;
    // An input as a frame qualified by its alias or file stem, as `Inputs::frame` names it.
    let read_input = |job: &mut Job, texts: &[&str]| -> Result<String> {
        let (alias, first) = split_alias(texts[0]);
        let mut paths = vec![first];
        paths.extend(&texts[1..]);
        let qualifier = alias.or_else(|| default_qualifier(first));
        translate::read_step(job, &paths, &read, qualifier, None, master, reporter)
    };
    let inputs: Vec<&str> = args.inputs.iter().map(String::as_str).collect();
    let mut frame = read_input(&mut job, &inputs)?;
    for verb in &verbs {
        let spark_verb = match verb {
            Verb::Filter(text) => SparkVerb::Filter(expression_text(text)?),
            Verb::Select(text) => SparkVerb::Select(select_item_texts(text)?),
            Verb::WithColumn(text) => {
                let (name, expr) = split_assignment(text, "--with-column")?;
                SparkVerb::WithColumn {
                    name: name.to_string(),
                    expr: expression_text(expr)?,
                }
            }
            Verb::Drop(text) => SparkVerb::Drop(drop_names(text)),
            Verb::Rename(text) => {
                let (old, new) = split_assignment(text, "--rename")?;
                SparkVerb::Rename {
                    old: old.to_string(),
                    new: new.trim_matches('`').to_string(),
                }
            }
            Verb::GroupBy { keys, aggs } => SparkVerb::Aggregate {
                keys: match keys {
                    Some(k) => select_item_texts(k)?,
                    None => Vec::new(),
                },
                aggregates: select_item_texts(aggs)?,
            },
            Verb::Join { input, on, how } => {
                let right = read_input(&mut job, &[input.as_str()])?;
                let names = using_names(on)?;
                let how = match how {
                    JoinType::Inner => "inner",
                    JoinType::Left => "left",
                    JoinType::Right => "right",
                    JoinType::Full => "full",
                    JoinType::Semi => "left_semi",
                    JoinType::Anti => "left_anti",
                    JoinType::NullAwareAnti | JoinType::Single => {
                        return Err(Error::Internal("a join type --how cannot give".into()))
                    }
                };
                SparkVerb::Join {
                    right,
                    condition: match names {
                        Some(_) => None,
                        None => Some(expression_text(on)?),
                    },
                    using: names,
                    how: how.to_string(),
                }
            }
            Verb::Union { input, by_name } => SparkVerb::Union {
                other: read_input(&mut job, &[input.as_str()])?,
                by_name: *by_name,
            },
            Verb::Distinct => SparkVerb::Distinct,
            Verb::OrderBy(text) => SparkVerb::OrderBy(sort_item_texts(text)?),
            Verb::Limit(n) => SparkVerb::Limit(*n),
        };
        frame = job.verb(&frame, spark_verb);
    }
    let action: Action = translate::sink_action(&sink, master, reporter)?;
    job.action(&frame, action);
    for outcome in cluster.run(&job, reporter)? {
        translate::print_outcome(&sink, &outcome)?;
    }
    Ok(())
}

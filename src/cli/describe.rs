//! `engine describe` and `engine summary`: Spark's `df.describe()` (count, mean, stddev, min,
//! max) and `df.summary()` (with the 25%, 50% and 75% percentiles) as show tables. As Spark's
//! `StatFunctions.summary`, only numeric and string columns are described; a string column's
//! mean, stddev and percentiles are those of its values cast to double, its min and max are
//! the strings'; every figure is a string. The figures are Spark SQL aggregates, one query per
//! statistic, run as `engine sql` runs them.

use super::args::{input_paths, ReadArgs, TruncateArgs};
use crate::error::{Error, Result};
use crate::io::dataset::{Dataset, Depth};
use crate::io::show::ShowOptions;
use crate::job::{self, Reporter, Sink, Tuning};
use crate::sql::session::{plan_script, script_steps};
use crate::sql::statements::parse_statements;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file, a directory of part files, or a glob ('-': standard input).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub cells: TruncateArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The statistics of `describe`, and those of `summary`.
const DESCRIBE: [&str; 5] = ["count", "mean", "stddev", "min", "max"];
const SUMMARY: [&str; 8] = ["count", "mean", "stddev", "min", "25%", "50%", "75%", "max"];

pub fn run(args: Args, reporter: &Reporter, summary: bool) -> Result<()> {
    let [input] = args.inputs.as_slice() else {
        return Err(Error::usage(
            "give one INPUT (a glob or a directory reads many files)",
        ));
    };
    let read = args.read.to_options()?;
    let progress = reporter.progress("inferring schema");
    let dataset = Dataset::open_all(&input_paths(&args.inputs), &read, Depth::Full, &progress)?;
    progress.finish();
    let statistics: &[&str] = if summary { &SUMMARY } else { &DESCRIBE };
    let text = statistics_sql(&dataset.schema, statistics);
    let statements = parse_statements(&text)?;
    let steps = script_steps(&statements)?;
    let tables = vec![("described".to_string(), input.clone())];
    let sink = Sink::Show(ShowOptions {
        rows: statistics.len(),
        truncate: args.cells.width(),
        vertical: false,
    });
    let tuning = Tuning {
        broadcast_rows: args.read.broadcast_rows,
    };
    for step in &steps {
        job::run(reporter, &read, tuning, &sink, "describing", &|inputs| {
            plan_script(&tables, &statements, step, inputs)
        })?;
    }
    Ok(())
}

/// One SELECT per statistic, in order, each a row of strings: `summary`, then one column per
/// numeric or string column.
fn statistics_sql(schema: &arrow::datatypes::Schema, statistics: &[&str]) -> String {
    use arrow::datatypes::DataType;
    let columns: Vec<(String, bool)> = schema
        .fields()
        .iter()
        .filter_map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                Some((quote(f.name()), true))
            }
            t if crate::types::coerce::is_numeric(t) => Some((quote(f.name()), false)),
            _ => None,
        })
        .collect();
    let mut selects = Vec::new();
    for (row, statistic) in statistics.iter().enumerate() {
        let mut items = vec![format!("'{statistic}' AS summary")];
        for (name, is_string) in &columns {
            // Spark's StatFunctions.summary: strings are cast to double for the figures that
            // need numbers.
            let numbers = if *is_string {
                format!("CAST({name} AS DOUBLE)")
            } else {
                name.clone()
            };
            let figure = match *statistic {
                "count" => format!("count({name})"),
                "mean" => format!("avg({numbers})"),
                "stddev" => format!("stddev({numbers})"),
                "min" => format!("min({name})"),
                "max" => format!("max({name})"),
                percentile => {
                    let value: f64 = percentile.trim_end_matches('%').parse().unwrap_or(0.0);
                    format!("percentile_approx({numbers}, {}, 10000)", value / 100.0)
                }
            };
            items.push(format!("CAST({figure} AS STRING) AS {name}"));
        }
        // The row number keeps the statistics in order through the union.
        items.push(format!("{row} AS statistic_order"));
        selects.push(format!("SELECT {} FROM described", items.join(", ")));
    }
    let outer: Vec<String> = std::iter::once("summary".to_string())
        .chain(columns.iter().map(|(name, _)| name.clone()))
        .collect();
    format!(
        "SELECT {} FROM ({}) ORDER BY statistic_order",
        outer.join(", "),
        selects.join(" UNION ALL ")
    )
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

//! `engine functions`: the functions expressions may call (Spark's `SHOW FUNCTIONS`), sorted, one
//! per line: the name, its kind (scalar, aggregate, conditional, window) and, for an alias, the
//! function it stands for; tab-separated, for scripts.

use crate::error::Result;
use crate::expr::bind::CONDITIONAL_FORMS;
use crate::expr::{aggregates, functions};
use crate::job::stdout::print;
use crate::plan::build::WINDOW_FUNCTIONS;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    let mut rows: Vec<(&str, &str, &str)> = functions::names()
        .map(|(n, of)| (n, "scalar", of))
        .chain(aggregates::names().map(|(n, of)| (n, "aggregate", of)))
        .chain(CONDITIONAL_FORMS.iter().map(|n| (*n, "conditional", *n)))
        .chain(WINDOW_FUNCTIONS.iter().map(|n| (*n, "window", *n)))
        .collect();
    rows.sort();
    let mut text = String::new();
    for (name, kind, of) in rows {
        text.push_str(name);
        text.push('\t');
        text.push_str(kind);
        if of != name {
            text.push('\t');
            text.push_str(of);
        }
        text.push('\n');
    }
    print(&text)
}

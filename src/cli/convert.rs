//! `engine convert INPUT OUTPUT`: `df.write.parquet(OUTPUT)` (or `.csv`) with Spark's layout,
//! save modes, repartition / coalesce and partitionBy, committed atomically.

use super::args::{ReadArgs, WriteArgs};
use crate::error::Result;
use crate::job::{self, Reporter};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// INPUT... OUTPUT: the inputs (files, directories of part files, or globs with `{a,b}`
    /// alternatives; '-': standard input), read as one, then the output directory (or file,
    /// with --single-file).
    #[arg(required = true, num_args = 2.., value_name = "INPUT... OUTPUT")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub write: WriteArgs,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(mut args: Args, reporter: &Reporter) -> Result<()> {
    args.write.adopt_legacy(&mut args.read, reporter)?;
    let (output, inputs) = args
        .paths
        .split_last()
        .ok_or_else(|| crate::error::Error::usage("convert needs INPUT and OUTPUT"))?;
    let write = args.write.plan(output)?;
    let read = args.read.to_options()?;
    job::convert(reporter, inputs, &read, write, output)
}

/// `convert` on a Spark cluster: read with the engine's options, `df.write` there.
pub fn run_on_cluster(
    mut args: Args,
    cluster: &crate::cluster::Cluster,
    reporter: &Reporter,
) -> Result<()> {
    use crate::cluster::{job::Action, translate};
    args.write.adopt_legacy(&mut args.read, reporter)?;
    let (output, inputs) = args
        .paths
        .split_last()
        .ok_or_else(|| crate::error::Error::usage("convert needs INPUT and OUTPUT"))?;
    let plan = args.write.plan(output)?;
    let read = args.read.to_options()?;
    // What cannot be written on a cluster is refused before anything is read.
    let write = translate::write_spec(output, &plan, &cluster.master, reporter)?;
    let (mut job, frame) = translate::input_job(
        format!("engine convert {}", args.paths.join(" ")),
        inputs,
        &read,
        &cluster.master,
        reporter,
    )?;
    job.action(&frame, Action::Write(write));
    cluster.run(&job, reporter).map(|_| ())
}

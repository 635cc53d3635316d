//! Running a command on a Spark cluster. `--master` picks the route: `local[N]` runs in this
//! process; `sc://host:port` speaks Spark Connect (Spark 3.4+) from Rust; `spark://`, `yarn`
//! and `k8s://` masters get a small generic driver through `spark-submit`. Either way the
//! command becomes a `Job` (inputs with every read option spelled out, SQL, DataFrame verbs,
//! actions), Spark does the distributed work, and the results come back as Arrow to be printed
//! by the engine's own show, CSV and JSON code: the same output as a local run.

pub mod job;
pub mod master;
pub mod results;
pub mod submit;
pub mod translate;

#[cfg(feature = "connect")]
pub mod connect;

use std::time::Instant;

pub use master::Master;
use results::{Outcome, RunInfo};

use crate::error::{Error, Result};
use crate::job::Reporter;

/// A cluster to run jobs on: the master and the `--conf` settings.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub master: Master,
    /// `--conf key=value`, in order.
    pub conf: Vec<(String, String)>,
}

impl Cluster {
    /// Run the job on the cluster; one outcome per action, in order.
    pub fn run(&self, job: &job::Job, reporter: &Reporter) -> Result<Vec<Outcome>> {
        let started = Instant::now();
        let progress = reporter.progress(&format!("running on {}", self.master.url()));
        let result = match &self.master {
            Master::Local(_) => Err(Error::Internal("a local master has no cluster".into())),
            Master::Submit(url) => submit::run(url, &self.conf, job),
            Master::Connect(url) => connect_run(url, &self.conf, job),
        };
        progress.finish();
        let (outcomes, info) = result?;
        if reporter.wants_summary() {
            eprintln!(
                "ran on {} as {} (Spark {}) in {:.1} s, {} action{}",
                info.master,
                info.app_id,
                info.version,
                started.elapsed().as_secs_f64(),
                outcomes.len(),
                if outcomes.len() == 1 { "" } else { "s" }
            );
        }
        Ok(outcomes)
    }
}

#[cfg(feature = "connect")]
fn connect_run(
    url: &str,
    conf: &[(String, String)],
    job: &job::Job,
) -> Result<(Vec<Outcome>, RunInfo)> {
    connect::run(url, conf, job)
}

#[cfg(not(feature = "connect"))]
fn connect_run(
    url: &str,
    _conf: &[(String, String)],
    _job: &job::Job,
) -> Result<(Vec<Outcome>, RunInfo)> {
    Err(Error::usage(format!(
        "--master {url}: this engine was built without Spark Connect; build it with \
         `cargo build --release --features connect` (needs protoc: apt-get install \
         protobuf-compiler), or use a spark:// master through spark-submit"
    )))
}

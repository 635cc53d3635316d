//! Jobs: read options + a plan + a sink -> an outcome. A job owns what happens between the
//! command line and the engine: the retry after a contradicted CSV type sample, the sinks
//! (show, CSV/JSON on stdout, written files with their commit, explain) and what is reported
//! on stderr. `convert` is a scan with a write sink; `query` and `sql` build richer plans.

pub mod event_log;
pub mod report;
pub mod run;
pub mod sink;
pub mod stdout;
pub mod summary;

pub use report::{ProgressWhen, Reporter};
pub use run::{convert, run, run_unplanned, Tuning};
pub use sink::{Sink, WritePlan};

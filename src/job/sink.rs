//! Where a job's result goes: Spark's show table, CSV or JSON lines on stdout, files written
//! as `df.write` writes them, or the optimized plan (`--explain`).

use crate::exec::write::Distribution;
use crate::io::show::ShowOptions;
use crate::io::text_out::TextOptions;
use crate::io::writer::WriteOptions;

/// Where a result goes.
#[derive(Clone)]
pub enum Sink {
    Show(ShowOptions),
    Csv(TextOptions),
    Json(TextOptions),
    Write {
        output: String,
        plan: WritePlan,
    },
    Explain,
    /// EXPLAIN ANALYZE: run the plan, drop its rows, print the plan with what each operator did.
    ExplainAnalyze,
}

/// Checked write options and the rows' distribution over files.
#[derive(Debug, Clone)]
pub struct WritePlan {
    pub options: WriteOptions,
    pub distribution: Distribution,
}

//! How a job reports to the user: on stderr a progress bar (when asked for or on a terminal),
//! notes (summaries, retries), both silenced by `--quiet`, and the job summary (stages and
//! tasks, on a terminal or with `--summary`); and the Spark event log (`--event-log`).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use super::event_log::EventLog;
use super::summary::summarize;
use crate::exec::trace::{JobTrace, TraceListener};

use crate::progress::Progress;

/// When to draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressWhen {
    /// When stderr is a terminal.
    Terminal,
    Always,
    Never,
}

pub struct Reporter {
    pub quiet: bool,
    pub progress: ProgressWhen,
    /// Print the job summary: None when stderr is a terminal and not `--quiet`.
    pub summary: Option<bool>,
    pub event_log: Option<Arc<EventLog>>,
    /// Stage and task ids already used by earlier jobs of this command (they number on).
    pub ids_used: Mutex<(usize, u64)>,
    /// What the next jobs do, in the user's words (the SQL statement, the command line): the
    /// event log's description of their SQL execution.
    description: Mutex<Option<String>>,
}

impl Reporter {
    /// A reporter with no summary and no event log.
    pub fn new(quiet: bool, progress: ProgressWhen) -> Reporter {
        Reporter {
            quiet,
            progress,
            summary: None,
            event_log: None,
            ids_used: Mutex::new((0, 0)),
            description: Mutex::new(None),
        }
    }

    /// Describe the jobs that follow as `text` (until described again).
    pub fn describe_jobs(&self, text: String) {
        if let Ok(mut description) = self.description.lock() {
            *description = Some(text);
        }
    }

    /// What the running jobs were described as, if they were.
    pub fn job_description(&self) -> Option<String> {
        self.description.lock().ok().and_then(|d| d.clone())
    }

    /// Whether a job summary is printed (a terminal and not `-q`, or `--summary`).
    pub fn wants_summary(&self) -> bool {
        self.summary
            .unwrap_or_else(|| !self.quiet && std::io::stderr().is_terminal())
    }

    /// A trace for the next job, when its stages are to be summarized or logged; `listener`
    /// hears of them as they run.
    pub fn trace(&self, listener: Option<Arc<dyn TraceListener>>) -> Option<Arc<JobTrace>> {
        if !self.wants_summary() && self.event_log.is_none() {
            return None;
        }
        let (stages, tasks) = self.ids_used.lock().map(|ids| *ids).unwrap_or((0, 0));
        Some(Arc::new(JobTrace::new(stages, tasks, listener)))
    }

    /// A job traced by `trace` has ended: its ids are used, and its summary printed if asked.
    pub fn job_ended(&self, trace: &JobTrace, succeeded: bool) {
        if let Ok(mut ids) = self.ids_used.lock() {
            let (stages, tasks) = trace.ids_used();
            ids.0 += stages;
            ids.1 += tasks;
        }
        if succeeded && self.wants_summary() {
            eprint!(
                "{}",
                summarize(
                    &trace.stages(),
                    trace.elapsed(),
                    crate::runtime::parallelism()
                )
            );
        }
    }

    /// A progress reporter for `message` (disabled by `-q`, `--progress never`, or no terminal).
    pub fn progress(&self, message: &str) -> Progress {
        let enabled = !self.quiet
            && match self.progress {
                ProgressWhen::Never => false,
                ProgressWhen::Always => true,
                ProgressWhen::Terminal => std::io::stderr().is_terminal(),
            };
        Progress::new(enabled, self.progress == ProgressWhen::Always, message)
    }

    /// Say that `old` is deprecated in favour of `new` (once per flag; it still works).
    pub fn deprecated(&self, old: &str, new: &str) {
        self.note(&format!(
            "engine: note: {old} is deprecated here; use {new} (it means the same)"
        ));
    }

    /// A warning on stderr, whatever `-q` says: the job goes on, but the user should know.
    pub fn warn(&self, message: &str) {
        eprintln!("{message}");
    }

    /// A line for the user on stderr, unless `-q`.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

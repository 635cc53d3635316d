//! How a job reports to the user on stderr: a progress bar (when asked for or on a terminal)
//! and notes (summaries, retries), both silenced by `--quiet`.

use std::io::IsTerminal;

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
}

impl Reporter {
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

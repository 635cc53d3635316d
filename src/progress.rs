//! Progress reporting on stderr (indicatif), shown only for work that lasts more than a second
//! and only when stderr is a terminal (or `--progress always`). Cheap to clone and to call from
//! every task; a disabled `Progress` does nothing. Once the result starts going to stdout
//! (`stdout_begins`), the bar is cleared and not drawn again: the two share the terminal, and a
//! table's first line must not land on the bar's.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone, Default)]
pub struct Progress {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    started: Instant,
    total: AtomicU64,
    done: AtomicU64,
    message: Mutex<String>,
    bar: Mutex<Option<ProgressBar>>,
    force: bool,
    /// The bar has been put on screen once (it is never put back after being cleared).
    shown: AtomicBool,
}

const DELAY: Duration = Duration::from_secs(1);

/// How long work runs before its bar is drawn; tests set ENGINE_TEST_PROGRESS_DELAY_MS to draw
/// at once.
fn delay() -> Duration {
    static DELAY_SET: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *DELAY_SET.get_or_init(|| {
        std::env::var("ENGINE_TEST_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DELAY)
    })
}

/// Set once output has started on stdout: no bar is drawn from then on.
static STDOUT_STARTED: AtomicBool = AtomicBool::new(false);
/// The bar on screen, if any, so that `stdout_begins` can clear it.
static ON_SCREEN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Clear any bar before the first byte goes to stdout, and draw none after.
pub fn stdout_begins() {
    // Called before every chunk written: only the first call has anything to clear.
    if STDOUT_STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Ok(mut shown) = ON_SCREEN.lock() {
        if let Some(bar) = shown.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress {
    /// A progress reporter that never draws.
    pub fn disabled() -> Self {
        Progress { inner: None }
    }

    /// A reporter for `message`, drawn on stderr after a second if `enabled`; `force` draws even
    /// when stderr is not a terminal.
    pub fn new(enabled: bool, force: bool, message: &str) -> Self {
        if !enabled {
            return Self::disabled();
        }
        Progress {
            inner: Some(Arc::new(Inner {
                started: Instant::now(),
                total: AtomicU64::new(0),
                done: AtomicU64::new(0),
                message: Mutex::new(message.to_string()),
                bar: Mutex::new(None),
                force,
                shown: AtomicBool::new(false),
            })),
        }
    }

    /// Start a new phase of the job (`scanning`, `writing`): `total` bytes of work, none done.
    pub fn start_phase(&self, message: &str, total: u64) {
        let Some(inner) = &self.inner else { return };
        inner.total.store(total, Ordering::Relaxed);
        inner.done.store(0, Ordering::Relaxed);
        if let Ok(mut current) = inner.message.lock() {
            *current = message.to_string();
        }
        if let Ok(bar) = inner.bar.lock() {
            if let Some(bar) = bar.as_ref() {
                bar.set_message(message.to_string());
                bar.set_length(total);
                bar.set_position(0);
                bar.reset_eta();
            }
        }
    }

    /// Record `amount` bytes of work done.
    pub fn inc(&self, amount: u64) {
        let Some(inner) = &self.inner else { return };
        let done = inner.done.fetch_add(amount, Ordering::Relaxed) + amount;
        let Ok(mut bar) = inner.bar.lock() else {
            return;
        };
        let total = inner.total.load(Ordering::Relaxed);
        // The bar keeps count from the start, hidden, so that its rate is measured over the
        // whole work; it is put on screen after a second.
        let bar = bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(inner.message.lock().map(|m| m.clone()).unwrap_or_default());
            bar
        });
        bar.set_length(total.max(done));
        bar.set_position(done);
        if bar.is_hidden()
            && inner.started.elapsed() >= delay()
            && !STDOUT_STARTED.load(Ordering::Relaxed)
            && !inner.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(if inner.force {
                ProgressDrawTarget::term_like_with_hz(Box::new(console::Term::stderr()), 10)
            } else {
                ProgressDrawTarget::stderr()
            });
            if let Ok(mut shown) = ON_SCREEN.lock() {
                *shown = Some(bar.clone());
            }
        }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        if let Some(inner) = &self.inner {
            if let Ok(mut bar) = inner.bar.lock() {
                if let Some(bar) = bar.take() {
                    bar.finish_and_clear();
                    if let Ok(mut shown) = ON_SCREEN.lock() {
                        *shown = None;
                    }
                }
            }
        }
    }
}

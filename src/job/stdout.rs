//! Standard output: command text, and query results streamed as CSV or JSON lines in order.
//!
//! Results stream: each partition runs on its own producer thread, a pool's width of
//! partitions at a time, handing its batches over a small bounded channel; the batches are
//! rendered to text on the pool and printed in order. The first rows are printed as soon as
//! the plan yields them, and memory holds a few batches per partition, not whole partitions. A closed pipe (`engine query x --csv | head -1`) ends the job at
//! once and quietly; it is not an error.
//!
//! The producers are plain threads, not tasks on the rayon pool: a producer blocks while its
//! channel is full, and a pool worker blocked there could hold up a parallel drain further
//! down the same plan (a worker waiting in a join steals other tasks, which may be producers).
//! The partitions' own parallel work still runs on the one pool.

use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};
use std::sync::Arc;

use arrow::array::RecordBatch;

use crate::error::{Error, Result};
use crate::exec::partitions::{Partition, Partitions};
use crate::exec::trace::StageRun;
use crate::io::text_out::TextOptions;

/// Batches a partition's producer may run ahead of the printer.
const BATCHES_AHEAD: usize = 2;

/// Write command output to stdout.
pub fn print(text: &str) -> Result<()> {
    crate::progress::stdout_begins();
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}

/// Print partitions in order as CSV (with a header) or JSON lines, as they are produced (each
/// partition a task of `stage`, when the job is traced). Nothing is printed before `may_print`
/// agrees (types from a sample are checked once every value is read): until then the text is
/// held, up to `HELD_BYTES`, past which the job ends with `may_print`'s error.
pub fn stream_out(
    parts: &Partitions,
    schema: &arrow::datatypes::Schema,
    json: bool,
    text: &TextOptions,
    stage: Option<Arc<StageRun>>,
    may_print: &dyn Fn() -> Result<()>,
) -> Result<()> {
    if !json {
        crate::io::writer::check_csv_columns(schema)?;
    }
    let options = text.clone();
    let render: Renderer = Arc::new(move |batch: &RecordBatch| {
        let mut out = Vec::new();
        if json {
            options.write_json_rows(&mut out, batch);
        } else {
            options.write_csv_rows(&mut out, batch);
        }
        Ok(out)
    });
    let header = if json {
        Vec::new()
    } else {
        text.csv_header(schema)
    };
    let mut out = HeldOutput {
        out: std::io::stdout().lock(),
        held: Some(Vec::new()),
        held_bytes: 0,
        limit: held_bytes_limit(),
        may_print,
    };
    let printed = out
        .write(header)
        .and_then(|_| print_partitions(parts, &render, &mut out, stage.clone()))
        .and_then(|printed| match printed {
            Printed::All => out.flush_held(),
            Printed::Closed => Ok(Printed::Closed),
        });
    if let Some(stage) = stage {
        stage.complete();
    }
    match printed {
        Ok(Printed::All) | Ok(Printed::Closed) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Text held back until `may_print` agrees: printed through at once from then on.
const HELD_BYTES: usize = 64 << 20;

/// `HELD_BYTES`, or `ENGINE_TEST_HELD_BYTES` (tests reach the limit with small files).
fn held_bytes_limit() -> usize {
    std::env::var("ENGINE_TEST_HELD_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HELD_BYTES)
}

struct HeldOutput<'a, W: std::io::Write> {
    out: W,
    /// Chunks not printed yet (None once printing has begun), and their bytes.
    held: Option<Vec<Vec<u8>>>,
    held_bytes: usize,
    limit: usize,
    may_print: &'a dyn Fn() -> Result<()>,
}

impl<W: std::io::Write> HeldOutput<'_, W> {
    fn write(&mut self, chunk: Vec<u8>) -> Result<Printed> {
        if let Some(held) = &mut self.held {
            if (self.may_print)().is_err() {
                self.held_bytes += chunk.len();
                held.push(chunk);
                if self.held_bytes > self.limit {
                    // Not allowed to print yet, and too much to hold: the caller decides.
                    (self.may_print)()?;
                }
                return Ok(Printed::All);
            }
            held.push(chunk);
            return self.flush_held();
        }
        write_chunk(&mut self.out, &chunk)
    }

    /// Print what is held, once `may_print` agrees (or fail with its error).
    fn flush_held(&mut self) -> Result<Printed> {
        let Some(held) = self.held.take() else {
            return Ok(Printed::All);
        };
        (self.may_print)()?;
        for chunk in held {
            if let Printed::Closed = write_chunk(&mut self.out, &chunk)? {
                return Ok(Printed::Closed);
            }
        }
        Ok(Printed::All)
    }
}

/// Turns one batch into the bytes printed for it.
type Renderer = Arc<dyn Fn(&RecordBatch) -> Result<Vec<u8>> + Send + Sync>;

enum Printed {
    All,
    /// The reader went away (a closed pipe): stop quietly.
    Closed,
}

/// Write and flush one chunk; a closed pipe is `Closed`, not an error.
fn write_chunk(out: &mut impl std::io::Write, bytes: &[u8]) -> Result<Printed> {
    crate::progress::stdout_begins();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(Printed::All),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Printed::Closed),
        Err(e) => Err(Error::io("<stdout>", e)),
    }
}

/// Run the partitions a pool's width at a time, render their batches on the pool, and print
/// the text in partition and batch order.
fn print_partitions<W: std::io::Write>(
    parts: &Partitions,
    render: &Renderer,
    out: &mut HeldOutput<'_, W>,
    stage: Option<Arc<StageRun>>,
) -> Result<Printed> {
    let stop = Arc::new(AtomicBool::new(false));
    // Producers see `stop` between batches; on return (done, failed or closed) they all go.
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _stop_guard = StopOnDrop(stop.clone());
    let width = crate::runtime::parallelism().max(1);
    let mut batches = OrderedBatches {
        parts: &parts.parts,
        next: 0,
        running: Default::default(),
        width,
        stop,
        stage,
    };
    // Rendering is most of the work and a partition's batches come one after another, so each
    // batch is rendered on the pool as it arrives, a few at a time, and printed in order.
    let mut rendering: VecDeque<Receiver<Result<Vec<u8>>>> = VecDeque::new();
    let mut ended = false;
    loop {
        while !ended && rendering.len() < 2 * width {
            match batches.next(rendering.is_empty())? {
                Next::Batch(batch) => rendering.push_back(render_on_pool(batch, render.clone())),
                Next::NotYet => break,
                Next::End => ended = true,
            }
        }
        let Some(chunk) = rendering.pop_front() else {
            return Ok(Printed::All);
        };
        let chunk = chunk
            .recv()
            .map_err(|_| Error::Internal("an output task ended without its result".into()))??;
        if let Printed::Closed = out.write(chunk)? {
            return Ok(Printed::Closed);
        }
    }
}

/// The partitions' batches in order: a producer thread per partition, a pool's width of them
/// running at once, each a few batches ahead of the printer.
struct OrderedBatches<'a> {
    parts: &'a [Partition],
    next: usize,
    running: VecDeque<Receiver<Result<RecordBatch>>>,
    width: usize,
    stop: Arc<AtomicBool>,
    stage: Option<Arc<StageRun>>,
}

enum Next {
    Batch(RecordBatch),
    NotYet,
    End,
}

impl OrderedBatches<'_> {
    /// The next batch; with `wait`, block until it is there, else `NotYet` if it is not.
    fn next(&mut self, wait: bool) -> Result<Next> {
        loop {
            while self.running.len() < self.width && self.next < self.parts.len() {
                let open = self.parts[self.next].clone();
                let task = self.stage.as_ref().map(|s| (s.clone(), self.next));
                self.running
                    .push_back(produce(open, self.stop.clone(), task)?);
                self.next += 1;
            }
            let Some(current) = self.running.front() else {
                return Ok(Next::End);
            };
            let received = if wait {
                current.recv().map_err(|_| TryRecvError::Disconnected)
            } else {
                current.try_recv()
            };
            match received {
                Ok(batch) => return batch.map(Next::Batch),
                Err(TryRecvError::Empty) => return Ok(Next::NotYet),
                // A disconnected channel is a finished partition.
                Err(TryRecvError::Disconnected) => {
                    self.running.pop_front();
                }
            }
        }
    }
}

/// Render `batch` on the pool; the receiver gets the text.
fn render_on_pool(batch: RecordBatch, render: Renderer) -> Receiver<Result<Vec<u8>>> {
    let (sender, receiver) = sync_channel(1);
    rayon::spawn(move || {
        let text = crate::error::catch_panic(|| render(&batch), Error::Internal);
        let _ = sender.send(text);
    });
    receiver
}

/// Rows a producer gathers from small batches before it waits for room to send them.
const GATHERED_ROWS: usize = 8192;

/// A producer's batches that found its channel full. Only the first running partition is
/// printed, so the others' channels fill; a selective filter's batches are a few rows each, and
/// a producer that waited on two of them would leave its core idle. It gathers them instead
/// (up to `GATHERED_ROWS`) and sends them as one batch when there is room, or when it has
/// gathered enough to wait; batches keep their order either way.
#[derive(Default)]
struct Pending {
    batches: Vec<RecordBatch>,
    rows: usize,
}

impl Pending {
    /// Send `batch`, or gather it; false when the printer has gone.
    fn offer(
        &mut self,
        batch: RecordBatch,
        sender: &std::sync::mpsc::SyncSender<Result<RecordBatch>>,
    ) -> Result<bool> {
        if batch.num_rows() == 0 {
            return Ok(true);
        }
        self.rows += batch.num_rows();
        self.batches.push(batch);
        let gathered = self.take()?;
        if gathered.num_rows() >= GATHERED_ROWS {
            return Ok(sender.send(Ok(gathered)).is_ok());
        }
        match sender.try_send(Ok(gathered)) {
            Ok(()) => Ok(true),
            Err(std::sync::mpsc::TrySendError::Full(Ok(gathered))) => {
                self.rows = gathered.num_rows();
                self.batches = vec![gathered];
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// Send what is gathered (at the partition's end).
    fn flush(&mut self, sender: &std::sync::mpsc::SyncSender<Result<RecordBatch>>) -> Result<()> {
        if !self.batches.is_empty() {
            let _ = sender.send(Ok(self.take()?));
        }
        Ok(())
    }

    /// The gathered batches as one, leaving none.
    fn take(&mut self) -> Result<RecordBatch> {
        self.rows = 0;
        let mut batches = std::mem::take(&mut self.batches);
        if batches.len() == 1 {
            if let Some(one) = batches.pop() {
                return Ok(one);
            }
        }
        let Some(first) = batches.first() else {
            return Err(Error::Internal("no output rows gathered".into()));
        };
        arrow::compute::concat_batches(&first.schema(), &batches)
            .map_err(|e| Error::arrow("gathering output rows", e))
    }
}

/// Start a producer thread that opens `open` and sends its batches, stopping when the stream
/// ends, fails, or `stop` is set; with a stage, it runs as that stage's task `index`.
fn produce(
    open: Partition,
    stop: Arc<AtomicBool>,
    task: Option<(Arc<StageRun>, usize)>,
) -> Result<Receiver<Result<RecordBatch>>> {
    let (sender, receiver) = sync_channel(BATCHES_AHEAD);
    std::thread::Builder::new()
        .name("engine-print".into())
        .stack_size(crate::runtime::WORKER_STACK_BYTES)
        .spawn(move || {
            let task = task.map(|(stage, index)| stage.task(index));
            // A panic (in a dependency, on corrupt input) must reach the printer as an error:
            // a silently closed channel would read as the partition's end.
            let sent = crate::error::catch_panic(
                || {
                    let mut pending = Pending::default();
                    for batch in open()? {
                        if stop.load(Ordering::Relaxed) {
                            return Ok(());
                        }
                        let batch = batch?;
                        if let Some(task) = &task {
                            task.output(batch.num_rows() as u64, 0);
                        }
                        // A send fails only when the printer has gone: nothing more to do.
                        if !pending.offer(batch, &sender)? {
                            return Ok(());
                        }
                    }
                    pending.flush(&sender)?;
                    Ok(())
                },
                Error::Internal,
            );
            if let Some(task) = task {
                task.finish(sent.as_ref().err().map(|e| e.to_string()));
            }
            if let Err(e) = sent {
                let _ = sender.send(Err(e));
            }
        })
        .map_err(|e| Error::Internal(format!("cannot start an output thread: {e}")))?;
    Ok(receiver)
}

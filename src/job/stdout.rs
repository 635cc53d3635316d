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
/// partition a task of `stage`, when the job is traced).
pub fn stream_out(
    parts: &Partitions,
    schema: &arrow::datatypes::Schema,
    json: bool,
    text: &TextOptions,
    stage: Option<Arc<StageRun>>,
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
    let mut out = std::io::stdout().lock();
    let header = if json {
        Vec::new()
    } else {
        text.csv_header(schema)
    };
    let printed = write_chunk(&mut out, &header)
        .and_then(|_| print_partitions(parts, &render, &mut out, stage.clone()));
    if let Some(stage) = stage {
        stage.complete();
    }
    match printed {
        Ok(Printed::All) | Ok(Printed::Closed) => Ok(()),
        Err(e) => Err(e),
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
fn print_partitions(
    parts: &Partitions,
    render: &Renderer,
    out: &mut impl std::io::Write,
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
        if let Printed::Closed = write_chunk(out, &chunk)? {
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
                    for batch in open()? {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let batch = batch?;
                        if let Some(task) = &task {
                            task.output(batch.num_rows() as u64, 0);
                        }
                        // A send fails only when the printer has gone: nothing more to do.
                        if sender.send(Ok(batch)).is_err() {
                            break;
                        }
                    }
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

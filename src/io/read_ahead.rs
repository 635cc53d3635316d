//! Decoding one batch ahead on the pool. A scan task decodes a batch, then hands it to the
//! operators above (a filter, a partial aggregate, a Parquet writer) before it decodes the
//! next: when tasks are fewer than cores (Spark's three tasks for eight 30 MB files on two
//! cores), the last one runs alone and leaves a core idle. With `read_ahead`, the next batch is
//! decoded by a job on the pool while the current one goes up: an idle worker takes the job;
//! a busy pool leaves it queued, and the task decodes the batch itself when it gets there
//! (it never waits for a job that has not started, so no worker waits on a queued job).

use std::sync::{Arc, Condvar, Mutex};

use arrow::array::RecordBatch;

use crate::error::{catch_panic, Error, Result};

type Batches = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

enum State {
    /// The source, its next batch not asked for yet (a job may be queued to ask).
    Pending(Batches),
    /// A job is decoding the next batch.
    Running,
    /// The next batch, decoded ahead, and the source.
    Ready(Batches, Option<Result<RecordBatch>>),
    /// The source ended or failed, or the reader went away.
    Finished,
}

struct Slot {
    state: Mutex<State>,
    ready: Condvar,
}

/// `batches`, each next batch decoded ahead on the pool while the current one is used.
pub fn read_ahead(batches: Batches) -> Batches {
    Box::new(ReadAhead {
        slot: Arc::new(Slot {
            state: Mutex::new(State::Pending(batches)),
            ready: Condvar::new(),
        }),
    })
}

struct ReadAhead {
    slot: Arc<Slot>,
}

impl ReadAhead {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.slot.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue a job that decodes the next batch, if nothing has taken the source meanwhile.
    fn schedule(&self) {
        let slot = self.slot.clone();
        rayon::spawn(move || {
            let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
            // The task decoding it itself, done with it, or gone: nothing to do.
            if !matches!(*state, State::Pending(_)) {
                return;
            }
            let State::Pending(mut source) = std::mem::replace(&mut *state, State::Running) else {
                return;
            };
            drop(state);
            let next = next_of(&mut source);
            let mut state = slot.state.lock().unwrap_or_else(|e| e.into_inner());
            *state = State::Ready(source, next);
            slot.ready.notify_all();
        });
    }
}

/// The next batch of `source`; a panic in it is an error, not a lost job.
fn next_of(source: &mut Batches) -> Option<Result<RecordBatch>> {
    catch_panic(|| Ok(source.next()), Error::Internal).unwrap_or_else(|e| Some(Err(e)))
}

impl Iterator for ReadAhead {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        let mut state = self.lock();
        let (source, next) = loop {
            match std::mem::replace(&mut *state, State::Running) {
                State::Pending(mut source) => {
                    // No job has started on it: decode here rather than wait for one.
                    drop(state);
                    let next = next_of(&mut source);
                    state = self.lock();
                    break (source, next);
                }
                State::Ready(source, next) => break (source, next),
                State::Running => {
                    state = self
                        .slot
                        .ready
                        .wait(state)
                        .unwrap_or_else(|e| e.into_inner());
                }
                State::Finished => {
                    *state = State::Finished;
                    return None;
                }
            }
        };
        match next {
            Some(Ok(batch)) => {
                *state = State::Pending(source);
                drop(state);
                self.schedule();
                Some(Ok(batch))
            }
            // The end, or an error that ends the stream.
            other => {
                *state = State::Finished;
                other
            }
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // A queued job then finds nothing to do; a running one finishes, and its batch drops.
        let mut state = self.lock();
        if let State::Pending(_) | State::Ready(..) = &*state {
            *state = State::Finished;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;

    fn batch(value: i32) -> RecordBatch {
        RecordBatch::try_from_iter([(
            "v",
            Arc::new(Int32Array::from(vec![value])) as arrow::array::ArrayRef,
        )])
        .unwrap()
    }

    #[test]
    fn batches_come_in_order_and_errors_end_the_stream() {
        let source: Batches = Box::new((0..200).map(|i| {
            if i == 150 {
                Err(Error::Internal("bad".into()))
            } else {
                Ok(batch(i))
            }
        }));
        let values: Vec<Result<i32>> = read_ahead(source)
            .map(|b| {
                b.map(|b| {
                    b.column(0)
                        .as_any()
                        .downcast_ref::<Int32Array>()
                        .unwrap()
                        .value(0)
                })
            })
            .collect();
        assert_eq!(values.len(), 151);
        assert!(values[..150]
            .iter()
            .enumerate()
            .all(|(i, v)| matches!(v, Ok(x) if *x == i as i32)));
        assert!(values[150].is_err());
    }

    #[test]
    fn a_panic_in_the_source_is_an_error() {
        let source: Batches = Box::new((0..3).map(|i| {
            if i == 2 {
                panic!("decoder bug");
            }
            Ok(batch(i))
        }));
        let results: Vec<_> = read_ahead(source).collect();
        assert_eq!(results.len(), 3);
        assert!(results[2].is_err());
    }

    #[test]
    fn dropped_early_it_stops() {
        let source: Batches = Box::new((0..1000).map(|i| Ok(batch(i))));
        let mut reader = read_ahead(source);
        assert!(reader.next().is_some());
        drop(reader);
    }
}

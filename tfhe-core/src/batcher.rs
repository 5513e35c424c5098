//! A meeting point where threads that bootstrap independent ciphertexts pool their bootstraps
//! into batches ([`EvaluationKeys::bootstrap_batch`]), so that one pass over the bootstrapping key
//! serves several of them.
//!
//! The computations that need bootstraps (the exact wide-integer functions of
//! [`crate::wide`], one per neuron) are sequential chains: each bootstrap's input depends on the
//! previous one's output. Batching *within* a chain is impossible, but many chains run side by
//! side. A [`BootstrapBatcher`] lets `workers` threads each run their own chain in plain
//! sequential code and hand every bootstrap to [`Seat::bootstrap`], which blocks until the
//! result is there. Whenever `batch` jobs are waiting — or every thread still at work is
//! waiting, so that nothing else could join — one of the waiting threads takes up to `batch`
//! jobs (its own among them), runs them as one batch outside the lock, posts the results and
//! wakes the others. With `T` cores and `T·batch` workers, `T` batches run at a time while the
//! woken threads do their linear work (key switches, additions) for the next round.
//!
//! Results do not depend on how jobs are grouped: every output is bit-identical to a bootstrap
//! on its own ([`crate::bootstrap::programmable_bootstrap_batch`]).
//!
//! Jobs move by value ([`BootstrapJob`] owns its buffers): a worker lends its job buffers to the
//! batcher and gets them back filled, so nothing is copied or allocated per bootstrap. A worker
//! is registered by [`BootstrapBatcher::seat`] and leaves when its [`Seat`] is dropped (also on
//! a panic), so a finished or failed worker never leaves the others waiting for it; a worker
//! that panics while it runs a batch poisons the batcher, and the workers whose jobs it held
//! panic instead of waiting forever.

use crate::bootstrap::BootstrapJob;
use crate::keys::{BatchBuffers, EvaluationKeys};
use std::sync::{Condvar, Mutex, MutexGuard};
use torus::Torus;

/// The meeting point; see the module documentation.
pub struct BootstrapBatcher<'k, T: Torus> {
    keys: &'k EvaluationKeys<T>,
    batch: usize,
    state: Mutex<State<T>>,
    changed: Condvar,
}

/// What the workers share, under the lock.
struct State<T: Torus> {
    /// Seats handed out so far (the next seat's index).
    seats: usize,
    /// Seated workers that are at work: neither waiting for a bootstrap nor gone.
    working: usize,
    /// Jobs waiting for a batch, with their seats.
    pending: Vec<(usize, BootstrapJob<T>)>,
    /// Finished jobs, by seat, until their worker takes them back.
    done: Vec<Option<BootstrapJob<T>>>,
    /// A leader panicked while it held other workers' jobs: they will never come back.
    poisoned: bool,
}

/// One worker's place at a [`BootstrapBatcher`]: its index and the scratch it uses when it runs
/// a batch. Dropping it tells the batcher the worker is gone.
pub struct Seat<'b, 'k, T: Torus> {
    batcher: &'b BootstrapBatcher<'k, T>,
    index: usize,
    /// Inside [`Seat::bootstrap`]: not counted as at work (also while unwinding from there).
    waiting: bool,
    buffers: BatchBuffers<T>,
    /// The jobs of the batch this worker runs, and their seats (reused, never reallocated).
    jobs: Vec<BootstrapJob<T>>,
    owners: Vec<usize>,
}

impl<'k, T: Torus> BootstrapBatcher<'k, T> {
    /// A batcher for `keys` that runs batches of up to `batch ≥ 1` bootstraps.
    pub fn new(keys: &'k EvaluationKeys<T>, batch: usize) -> Self {
        Self {
            keys,
            batch: batch.max(1),
            state: Mutex::new(State {
                seats: 0,
                working: 0,
                pending: Vec::new(),
                done: Vec::new(),
                poisoned: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &'k EvaluationKeys<T> {
        self.keys
    }

    /// The largest batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Registers a worker (counted as at work until it waits for a bootstrap) and returns its
    /// seat. Seat all workers before any of them bootstraps: a batch forms when every seated
    /// worker that is at work waits, so a worker seated late may find smaller batches.
    pub fn seat(&self) -> Seat<'_, 'k, T> {
        let index = {
            let mut state = self.lock();
            let index = state.seats;
            state.seats += 1;
            state.working += 1;
            state.done.push(None);
            state.pending.reserve(1);
            index
        };
        Seat {
            batcher: self,
            index,
            waiting: false,
            buffers: self.keys.batch_buffers(self.batch),
            jobs: Vec::with_capacity(self.batch),
            owners: Vec::with_capacity(self.batch),
        }
    }

    /// The state, also after a worker panicked while holding the lock (the state stays
    /// consistent: every change under the lock is a handful of pushes and counter updates).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<'b, T: Torus> Seat<'b, '_, T> {
    /// `job.output ← PBS(job.input, job.lut)`, in a batch with other workers' jobs; blocks until
    /// done and returns the job.
    pub fn bootstrap(&mut self, job: BootstrapJob<T>) -> BootstrapJob<T> {
        let batcher = self.batcher;
        let mut state = batcher.lock();
        state.working -= 1;
        self.waiting = true;
        state.pending.push((self.index, job));
        loop {
            if let Some(job) = state.done[self.index].take() {
                self.waiting = false;
                return job;
            }
            assert!(
                !state.poisoned,
                "a batch leader panicked while it held this worker's bootstrap"
            );
            let mine_waits = state.pending.iter().any(|(seat, _)| *seat == self.index);
            if mine_waits && (state.pending.len() >= batcher.batch || state.working == 0) {
                state = self.lead(state);
            } else {
                state = batcher
                    .changed
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// Takes this worker's job and up to `batch − 1` others, runs them outside the lock, posts
    /// the results and wakes everyone.
    fn lead(&mut self, mut state: MutexGuard<'b, State<T>>) -> MutexGuard<'b, State<T>> {
        let batcher = self.batcher;
        let mine = state
            .pending
            .iter()
            .position(|(seat, _)| *seat == self.index)
            .expect("the leader's own job waits");
        let (owner, job) = state.pending.swap_remove(mine);
        self.owners.push(owner);
        self.jobs.push(job);
        while self.jobs.len() < batcher.batch {
            let Some((owner, job)) = state.pending.pop() else {
                break;
            };
            self.owners.push(owner);
            self.jobs.push(job);
        }
        drop(state);
        let guard = PoisonOnPanic(batcher);
        batcher
            .keys
            .bootstrap_batch(&mut self.jobs, &mut self.buffers);
        std::mem::forget(guard);
        let mut state = batcher.lock();
        state.working += self.jobs.len();
        for (owner, job) in self.owners.drain(..).zip(self.jobs.drain(..)) {
            state.done[owner] = Some(job);
        }
        batcher.changed.notify_all();
        state
    }
}

/// Marks the batcher poisoned and wakes everyone if a leader unwinds while running a batch, so
/// that the workers whose jobs it held panic too instead of waiting forever.
struct PoisonOnPanic<'b, 'k, T: Torus>(&'b BootstrapBatcher<'k, T>);

impl<T: Torus> Drop for PoisonOnPanic<'_, '_, T> {
    fn drop(&mut self) {
        self.0.lock().poisoned = true;
        self.0.changed.notify_all();
    }
}

impl<T: Torus> Drop for Seat<'_, '_, T> {
    fn drop(&mut self) {
        let mut state = self.batcher.lock();
        if !self.waiting {
            // (A worker unwinding out of `bootstrap` is not counted as at work already.)
            state.working -= 1;
        }
        self.batcher.changed.notify_all();
    }
}

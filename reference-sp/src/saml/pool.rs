//! Where the ACS verifies responses: blocking threads, a bounded number at
//! once.
//!
//! Parsing, canonicalizing and checking a signature are CPU work of up to
//! a few hundred milliseconds on a hostile body. On the reactor they would
//! stall every other request of the process (two hostile posts once held
//! `GET /saml/metadata` for 25 s). On tokio's blocking pool alone they
//! would be unbounded: its 512 threads times 64 MiB each. So each
//! verification takes a slot first, and a request that finds none is
//! answered at once ([`Busy`], a 503 with `Retry-After`) rather than
//! queued behind work it cannot see the end of.
//!
//! The slot travels with the job onto its thread, so a request whose client
//! went away (or that timed out) keeps its slot until its work has really
//! finished.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// The pool had no free slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("every verification slot is in use")]
    Busy,
    #[error("the verification failed unexpectedly")]
    Crashed,
}

/// Verifications at once: two per core, so a few sign-ins arriving
/// together are not turned away on a small machine (the worst body costs
/// well under 100 ms), at least 4 and at most 16 (each may use up to
/// 64 MiB, so 1 GiB at the very worst).
fn default_slots() -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .saturating_mul(2)
        .clamp(4, 16)
}

/// Blocking threads for CPU-bound work, at most `slots` at once.
#[derive(Debug, Clone)]
pub struct VerifyPool {
    slots: Arc<Semaphore>,
    #[cfg(test)]
    gate: Option<Arc<gate::Gate>>,
}

impl Default for VerifyPool {
    fn default() -> Self {
        VerifyPool::new(default_slots())
    }
}

impl VerifyPool {
    pub fn new(slots: usize) -> Self {
        VerifyPool {
            slots: Arc::new(Semaphore::new(slots)),
            #[cfg(test)]
            gate: None,
        }
    }

    /// A pool whose jobs wait for `gate` to open before they start, so a
    /// test can hold verifications in flight for as long as it needs.
    #[cfg(test)]
    pub(crate) fn gated(slots: usize, gate: Arc<gate::Gate>) -> Self {
        VerifyPool {
            gate: Some(gate),
            ..VerifyPool::new(slots)
        }
    }

    /// Runs `job` on a blocking thread if a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let slot = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolError::Busy)?;
        #[cfg(test)]
        let gate = self.gate.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            #[cfg(test)]
            if let Some(g) = gate {
                g.wait();
            }
            job()
        })
        .await
        .map_err(|_| PoolError::Crashed)
    }
}

#[cfg(test)]
pub(crate) mod gate {
    use parking_lot::{Condvar, Mutex};

    /// A latch that blocking threads wait on until a test opens it.
    #[derive(Debug, Default)]
    pub struct Gate {
        open: Mutex<bool>,
        changed: Condvar,
        waiting: Mutex<usize>,
    }

    impl Gate {
        pub fn wait(&self) {
            *self.waiting.lock() += 1;
            let mut open = self.open.lock();
            while !*open {
                self.changed.wait(&mut open);
            }
        }
        pub fn open(&self) {
            *self.open.lock() = true;
            self.changed.notify_all();
        }
        /// How many jobs have reached the gate.
        pub fn waiting(&self) -> usize {
            *self.waiting.lock()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::gate::Gate;
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn a_full_pool_refuses_at_once_and_frees_its_slots() {
        let gate = Arc::new(Gate::default());
        let pool = VerifyPool::gated(2, gate.clone());
        let a = tokio::spawn({
            let p = pool.clone();
            async move { p.run(|| 1).await }
        });
        let b = tokio::spawn({
            let p = pool.clone();
            async move { p.run(|| 2).await }
        });
        // Both jobs hold their slot on a blocking thread, parked at the gate;
        // this single-threaded runtime is still free to go on.
        while gate.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|| 3).await, Err(PoolError::Busy));
        gate.open();
        assert_eq!(a.await.unwrap(), Ok(1));
        assert_eq!(b.await.unwrap(), Ok(2));
        assert_eq!(pool.run(|| 4).await, Ok(4));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panicking_job_is_an_error_not_a_crash() {
        let pool = VerifyPool::new(1);
        let r: Result<(), _> = pool.run(|| panic!("boom")).await;
        assert_eq!(r, Err(PoolError::Crashed));
        assert_eq!(pool.run(|| 5).await, Ok(5));
    }
}

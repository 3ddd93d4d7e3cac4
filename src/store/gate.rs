//! The write gate: lets a backup copy the trees while no write that spans several of them is
//! half done. Writers that touch more than one tree (the crawl's commit groups, a
//! classification, an import, an index batch, a digest) hold it shared for the length of the
//! write; [`WriteGate::pause`] waits until none is in progress and keeps new ones waiting
//! until it is dropped. Entering is re-entrant on a thread, so a writer that calls another
//! never waits for a pause that waits for it.

use std::cell::Cell;
use std::sync::{Condvar, Mutex};

#[derive(Default)]
struct State {
    writers: usize,
    paused: bool,
}

#[derive(Default)]
pub(crate) struct WriteGate {
    state: Mutex<State>,
    changed: Condvar,
}

thread_local! {
    /// How deep this thread is inside writes (it holds the gate while > 0).
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// Held by a writer; dropping it ends the write.
pub(crate) struct Entered<'a>(&'a WriteGate);

/// Held by a backup; dropping it lets writers go on.
pub(crate) struct Paused<'a>(&'a WriteGate);

impl WriteGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Two plain fields, consistent after any panic in a holder.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a write, waiting while a backup holds the gate.
    pub(crate) fn enter(&self) -> Entered<'_> {
        if HELD.with(|h| h.get()) == 0 {
            let mut s = self.lock();
            while s.paused {
                s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
            }
            s.writers += 1;
        }
        HELD.with(|h| h.set(h.get() + 1));
        Entered(self)
    }

    /// Waits until no write is in progress and holds new ones off until the guard drops.
    pub(crate) fn pause(&self) -> Paused<'_> {
        let mut s = self.lock();
        while s.paused {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.paused = true;
        while s.writers > 0 {
            s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        Paused(self)
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        let outer = HELD.with(|h| {
            let n = h.get().saturating_sub(1);
            h.set(n);
            n == 0
        });
        if outer {
            let mut s = self.0.lock();
            s.writers = s.writers.saturating_sub(1);
            drop(s);
            self.0.changed.notify_all();
        }
    }
}

impl Drop for Paused<'_> {
    fn drop(&mut self) {
        self.0.lock().paused = false;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_pause_waits_for_writes_and_holds_new_ones_off() {
        let gate = Arc::new(WriteGate::default());
        let writing = gate.enter();
        // Re-entrant: a nested write on the same thread does not wait.
        drop(gate.enter());
        let paused = Arc::new(AtomicBool::new(false));
        let released = Arc::new(AtomicBool::new(false));
        let (g, p, r) = (gate.clone(), paused.clone(), released.clone());
        let backup = std::thread::spawn(move || {
            let guard = g.pause();
            p.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            r.store(true, Ordering::SeqCst);
            drop(guard);
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!paused.load(Ordering::SeqCst), "paused during a write");
        drop(writing);
        while !paused.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        // A new write waits until the pause is over.
        drop(gate.enter());
        assert!(released.load(Ordering::SeqCst), "wrote during the pause");
        backup.join().unwrap_or_else(|_| panic!("backup thread"));
    }
}

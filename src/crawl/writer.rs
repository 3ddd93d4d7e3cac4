//! The crawl's one store writer. Workers prepare their finished URL's [`Commit`] (encoding,
//! compression: the CPU work) and hand it to a dedicated thread, which applies whatever has
//! queued up meanwhile with [`Store::commit_prepared`] and answers each worker. Being the only
//! writer is what lets that commit check the seen set outside a transaction and order its writes
//! so that an interrupted group resumes correctly.

use tokio::sync::{mpsc, oneshot};

use crate::store::frontier::{Commit, PreparedCommit};
use crate::store::{Store, StoreError};

/// Most commits applied in one group.
const MAX_BATCH: usize = 64;

struct Job {
    commit: PreparedCommit,
    reply: oneshot::Sender<Result<usize, StoreError>>,
}

/// Handle to the writer thread; dropping it lets the thread finish what is queued and waits.
pub(super) struct Writer {
    store: Store,
    run: u64,
    jobs: Option<mpsc::UnboundedSender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Writer {
    pub(super) fn start(store: Store, run: u64) -> Result<Writer, StoreError> {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job>();
        let db = store.clone();
        let thread = std::thread::Builder::new()
            .name("govtrust-writer".into())
            .spawn(move || {
                let store = db;
                let (mut batches, mut commits_done) = (0u64, 0u64);
                let mut busy = std::time::Duration::ZERO;
                while let Some(first) = queue.blocking_recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(j) => batch.push(j),
                            Err(_) => break,
                        }
                    }
                    let (commits, replies): (Vec<_>, Vec<_>) =
                        batch.into_iter().map(|j| (j.commit, j.reply)).unzip();
                    let started = std::time::Instant::now();
                    let result = store.commit_prepared(&commits);
                    busy += started.elapsed();
                    batches += 1;
                    commits_done += commits.len() as u64;
                    match result {
                        Ok(counts) => {
                            for (reply, n) in replies.into_iter().zip(counts) {
                                let _ = reply.send(Ok(n));
                            }
                        }
                        Err(e) => {
                            let why = e.to_string();
                            let mut replies = replies.into_iter();
                            if let Some(r) = replies.next() {
                                let _ = r.send(Err(e));
                            }
                            for r in replies {
                                let _ = r.send(Err(StoreError::Aborted(why.clone())));
                            }
                        }
                    }
                }
                tracing::debug!(
                    batches,
                    commits = commits_done,
                    busy_s = busy.as_secs_f64(),
                    "store writer done"
                );
            })
            .map_err(|e| StoreError::Aborted(format!("cannot start the store writer: {e}")))?;
        Ok(Writer {
            store,
            run,
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Commits (with whatever else is queued); returns the number of entries newly
    /// queued. Returns once the commit is applied, so the frontier already shows its entries.
    pub(super) async fn commit(&self, c: Commit) -> Result<usize, StoreError> {
        let commit = self.store.prepare(self.run, c)?;
        let (reply, answer) = oneshot::channel();
        self.jobs
            .as_ref()
            .ok_or_else(|| StoreError::Aborted("the store writer has stopped".into()))?
            .send(Job { commit, reply })
            .map_err(|_| StoreError::Aborted("the store writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Aborted("the store writer has stopped".into()))?
    }
}

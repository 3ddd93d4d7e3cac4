//! The `score_snapshots` and `digests` trees: per run id, the scores the run produced (what the
//! next run's digest compares with) and the change digest computed after it, kept as JSON
//! through the store's typed trees. Both are written in one transaction, so a digest never
//! exists without the snapshot it was computed from.

use super::{Digest, ScoreSnapshot};
use crate::store::typed::{Codec, Records, Rests, RunId, TreeSpec};
use crate::store::{Result, Store};

pub const SCORE_SNAPSHOTS: TreeSpec<RunId, ScoreSnapshot> =
    TreeSpec::new("score_snapshots", Codec::Json);
pub const DIGESTS: TreeSpec<RunId, Digest> = TreeSpec::new("digests", Codec::Json);

impl Store {
    /// Stores a run's score snapshot and digest (replacing those of the same run), then flushes.
    pub fn put_digest(&self, snapshot: &ScoreSnapshot, digest: &Digest) -> Result<()> {
        let snaps = self.typed(&SCORE_SNAPSHOTS)?;
        let digests = self.typed(&DIGESTS)?;
        self.put_together(vec![
            snaps.write(&RunId(snapshot.run), snapshot),
            digests.write(&RunId(digest.run), digest),
        ])
    }

    /// The latest score snapshot of a run before `run`.
    pub fn score_snapshot_before(&self, run: u64) -> Result<Option<ScoreSnapshot>> {
        Ok(self
            .typed(&SCORE_SNAPSHOTS)?
            .last_before(&RunId(run))?
            .map(|(_, s)| s))
    }

    pub fn score_snapshot(&self, run: u64) -> Result<Option<ScoreSnapshot>> {
        self.typed(&SCORE_SNAPSHOTS)?.get(&RunId(run))
    }

    /// The digest of `run`, or of the latest digested run.
    pub fn digest(&self, run: Option<u64>) -> Result<Option<Digest>> {
        let t = self.typed(&DIGESTS)?;
        match run {
            Some(r) => t.get(&RunId(r)),
            None => Ok(t.last()?.map(|(_, d)| d)),
        }
    }

    /// Every stored digest, oldest first.
    pub fn digests(&self) -> Result<Vec<Digest>> {
        Ok(self
            .typed(&DIGESTS)?
            .all()?
            .into_iter()
            .map(|(_, d)| d)
            .collect())
    }
}

/// Snapshots and digests rest on no snapshot.
pub fn register(records: &mut Records) {
    records.register(&SCORE_SNAPSHOTS, |_, _| Rests::default());
    records.register(&DIGESTS, |_, _| Rests::default());
}

//! The `score_snapshots` and `digests` trees: per run id, the scores the run produced (what the
//! next run's digest compares with) and the change digest computed after it. Both are written
//! in one transaction, so a digest never exists without the snapshot it was computed from.
//! The `alert_deliveries` tree keeps every alert delivery attempted for a run, in order.

use sled::transaction::{TransactionError, Transactional};

use crate::alert::Delivery;
use crate::digest::{Digest, ScoreSnapshot};

use super::frontier::run_key;
use super::{decode, encode, key, prefix, Result, Store, StoreError};

impl Store {
    /// Stores a run's score snapshot and digest (replacing those of the same run), then flushes.
    pub fn put_digest(&self, snapshot: &ScoreSnapshot, digest: &Digest) -> Result<()> {
        let _gate = self.write_gate();
        let snaps = self.tree("score_snapshots")?;
        let digests = self.tree("digests")?;
        let (sk, dk) = (run_key(snapshot.run), run_key(digest.run));
        (&snaps, &digests)
            .transaction(|(snaps, digests)| {
                snaps.insert(sk.as_bytes(), encode(snapshot))?;
                digests.insert(dk.as_bytes(), encode(digest))?;
                Ok(())
            })
            .map_err(|e: TransactionError<String>| match e {
                TransactionError::Abort(m) => StoreError::Aborted(m),
                TransactionError::Storage(s) => StoreError::Sled(s),
            })?;
        self.flush()
    }

    /// The latest score snapshot of a run before `run`.
    pub fn score_snapshot_before(&self, run: u64) -> Result<Option<ScoreSnapshot>> {
        let t = self.tree("score_snapshots")?;
        match t.range(..run_key(run).into_bytes()).next_back() {
            Some(kv) => Ok(Some(decode("score_snapshots", &kv?.1)?)),
            None => Ok(None),
        }
    }

    pub fn score_snapshot(&self, run: u64) -> Result<Option<ScoreSnapshot>> {
        match self.tree("score_snapshots")?.get(run_key(run).as_bytes())? {
            Some(v) => Ok(Some(decode("score_snapshots", &v)?)),
            None => Ok(None),
        }
    }

    /// The digest of `run`, or of the latest digested run.
    pub fn digest(&self, run: Option<u64>) -> Result<Option<Digest>> {
        let t = self.tree("digests")?;
        let v = match run {
            Some(r) => t.get(run_key(r).as_bytes())?,
            None => t.last()?.map(|(_, v)| v),
        };
        v.map(|v| decode("digests", &v)).transpose()
    }

    /// Every stored digest, oldest first.
    pub fn digests(&self) -> Result<Vec<Digest>> {
        self.tree("digests")?
            .iter()
            .values()
            .map(|v| decode("digests", &v?))
            .collect()
    }

    /// Records one alert delivery (success or failure) of a run.
    pub fn put_delivery(&self, d: &Delivery) -> Result<()> {
        let seq = format!("{:020}", self.next_id()?);
        self.tree("alert_deliveries")?
            .insert(key(&[run_key(d.run).as_str(), &seq]), encode(d))?;
        self.flush()
    }

    /// The alert deliveries of a run, in the order they finished.
    pub fn deliveries(&self, run: u64) -> Result<Vec<Delivery>> {
        self.tree("alert_deliveries")?
            .scan_prefix(prefix(&[run_key(run).as_str()]))
            .values()
            .map(|v| decode("alert_deliveries", &v?))
            .collect()
    }
}

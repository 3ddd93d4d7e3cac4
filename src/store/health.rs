//! The `health` tree: the website-health report of each run, keyed by run id (big-endian, so
//! runs sort in order).

use crate::health::HealthReport;

use super::{decode, encode, Result, Store};

impl Store {
    pub fn put_health(&self, run: u64, report: &HealthReport) -> Result<()> {
        self.tree("health")?
            .insert(run.to_be_bytes(), encode(report))?;
        self.flush()
    }

    /// The report of `run`, or of the latest run that has one.
    pub fn health(&self, run: Option<u64>) -> Result<Option<(u64, HealthReport)>> {
        let tree = self.tree("health")?;
        let entry = match run {
            Some(r) => tree.get(r.to_be_bytes())?.map(|v| (r, v)),
            None => tree.last()?.map(|(k, v)| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&k[..8.min(k.len())]);
                (u64::from_be_bytes(b), v)
            }),
        };
        match entry {
            Some((r, v)) => Ok(Some((r, decode("health", &v)?))),
            None => Ok(None),
        }
    }

    /// The report of the latest run before `run` that has one.
    pub fn health_before(&self, run: u64) -> Result<Option<(u64, HealthReport)>> {
        let tree = self.tree("health")?;
        match tree.range(..run.to_be_bytes()).next_back() {
            Some(kv) => {
                let (k, v) = kv?;
                let mut b = [0u8; 8];
                b.copy_from_slice(&k[..8.min(k.len())]);
                Ok(Some((u64::from_be_bytes(b), decode("health", &v)?)))
            }
            None => Ok(None),
        }
    }
}

//! The `health` tree: the website-health report of each run, keyed by run id (big-endian, so
//! runs sort in order), kept as JSON through the store's typed trees (the report's optional
//! fields are skipped when empty, which only a self-describing codec reads back).

use super::HealthReport;
use crate::store::typed::{Codec, Records, Rests, TreeSpec};
use crate::store::{Result, Store};

pub const HEALTH: TreeSpec<u64, HealthReport> = TreeSpec::new("health", Codec::Json);

impl Store {
    pub fn put_health(&self, run: u64, report: &HealthReport) -> Result<()> {
        self.typed(&HEALTH)?.put(&run, report)?;
        self.flush()
    }

    /// The report of `run`, or of the latest run that has one.
    pub fn health(&self, run: Option<u64>) -> Result<Option<(u64, HealthReport)>> {
        let tree = self.typed(&HEALTH)?;
        match run {
            Some(r) => Ok(tree.get(&r)?.map(|h| (r, h))),
            None => tree.last(),
        }
    }

    /// The report of the latest run before `run` that has one.
    pub fn health_before(&self, run: u64) -> Result<Option<(u64, HealthReport)>> {
        self.typed(&HEALTH)?.last_before(&run)
    }
}

/// A stored inspection's proofs rest on their snapshots; the column pages it read are kept with
/// the runs retention keeps (a later run shows them as the column before a backdated document).
pub fn register(records: &mut Records) {
    records.register(&HEALTH, |run, h| match &h.inspection {
        None => Rests::default(),
        Some(i) => Rests {
            snapshots: i.snapshots().into_iter().map(str::to_string).collect(),
            recent: Some((
                *run,
                i.units
                    .values()
                    .flat_map(|u| &u.columns)
                    .filter_map(|c| c.snapshot.clone())
                    .collect(),
            )),
        },
    });
}

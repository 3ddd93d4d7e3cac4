//! The `alert_deliveries` tree: every alert delivery attempted for a run, in the order they
//! finished, keyed by run id and a store-wide sequence number, kept as JSON through the store's
//! typed trees (a delivery's `url` defaults when missing, in records written before it).

use super::Delivery;
use crate::store::typed::{Codec, Records, Rests, RunId, TreeSpec};
use crate::store::{Result, Store};

pub const DELIVERIES: TreeSpec<(RunId, u64), Delivery> =
    TreeSpec::new("alert_deliveries", Codec::Json);

impl Store {
    /// Records one alert delivery (success or failure) of a run.
    pub fn put_delivery(&self, d: &Delivery) -> Result<()> {
        let seq = self.next_id()?;
        self.typed(&DELIVERIES)?.put(&(RunId(d.run), seq), d)?;
        self.flush()
    }

    /// The alert deliveries of a run, in the order they finished.
    pub fn deliveries(&self, run: u64) -> Result<Vec<Delivery>> {
        let from = (RunId(run), 0);
        let to = (RunId(run.saturating_add(1)), 0);
        Ok(self
            .typed(&DELIVERIES)?
            .range(&from, &to)?
            .into_iter()
            .map(|(_, d)| d)
            .collect())
    }
}

/// Deliveries rest on no snapshot.
pub fn register(records: &mut Records) {
    records.register(&DELIVERIES, |_, _| Rests::default());
}

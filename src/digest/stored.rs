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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::digest::{FactSnapshot, ItemSnapshot, UnitSnapshot};
    use crate::fact::Value;

    fn fact() -> impl Strategy<Value = FactSnapshot> {
        (
            "[a-z_]{1,8}",
            "[已公示权力责任清单]{0,6}",
            prop_oneof![
                any::<u64>().prop_map(Value::Int),
                any::<f64>()
                    .prop_filter("finite", |x| x.is_finite())
                    .prop_map(Value::Rate),
                any::<bool>().prop_map(Value::Bool),
            ],
            proptest::option::of(any::<bool>().prop_map(Value::Bool)),
        )
            .prop_map(|(field, label, value, web)| FactSnapshot {
                display: value.to_string(),
                field,
                label,
                value,
                source: "web".into(),
                web,
            })
    }

    fn unit() -> impl Strategy<Value = UnitSnapshot> {
        (
            "[a-z-]{1,10}",
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
            any::<usize>(),
            proptest::collection::vec(
                (
                    "T[0-9]{1,2}(\\.[0-9])?",
                    proptest::option::of(any::<f64>().prop_filter("finite", |x| x.is_finite())),
                    proptest::collection::vec(fact(), 0..3),
                ),
                0..4,
            ),
        )
            .prop_map(|(id, total, rank, items)| UnitSnapshot {
                name: id.to_uppercase(),
                id,
                total,
                rank,
                items: items
                    .into_iter()
                    .map(|(id, score, facts)| ItemSnapshot {
                        content: format!("{id} 的内容"),
                        basis: "依据".into(),
                        id,
                        score,
                        facts,
                    })
                    .collect(),
            })
    }

    proptest! {
        /// A run's scores read back exactly as they were (the next run's digest compares its
        /// scores with them), whatever the floating-point totals.
        #[test]
        fn score_snapshots_round_trip(
            run in any::<u64>(),
            secs in 0i64..4_102_444_800,
            units in proptest::collection::vec(unit(), 0..4),
        ) {
            let s = ScoreSnapshot {
                run,
                period: "2023".into(),
                taken_at: chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default(),
                units,
            };
            let codec = SCORE_SNAPSHOTS.codec;
            prop_assert_eq!(codec.decode::<ScoreSnapshot>(&codec.encode(&s)).ok(), Some(s));
        }
    }
}

//! The records the stages above the store keep in it, registered for the store's care
//! commands: `store verify` decodes them and `store compact` keeps the snapshots they rest on,
//! without the store knowing their types ([`crate::store::typed::Records`]).

use crate::store::typed::Records;

/// Every typed tree of the stages above the store.
pub fn registry() -> Records {
    let mut records = Records::default();
    crate::health::stored::register(&mut records);
    crate::digest::stored::register(&mut records);
    crate::alert::stored::register(&mut records);
    records
}

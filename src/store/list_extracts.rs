//! The `list_extracts` tree: what the extraction of a list page's stored snapshot yielded, so a
//! list page answered 304 (most of them, most nights) is followed without reading its snapshot
//! back or parsing it again. An entry is used only for the same snapshot, the same final URL and
//! the same list definition (a fingerprint of the compiled list, the URL normaliser and this
//! govtrust's version); anything else re-extracts and replaces it.

use serde::{Deserialize, Serialize};

use super::{decode, Result, Store};
use crate::extract::list::ListPage;

/// The list-extraction result of one list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListExtract {
    /// Content hash of the snapshot it was extracted from.
    pub hash: String,
    /// See [`crate::crawl`]'s list fingerprint: the definition it was extracted under.
    pub fingerprint: String,
    pub final_url: String,
    pub page: ListPage,
}

impl Store {
    /// The stored extraction of list page `url`, if any.
    pub fn list_extract(&self, url: &str) -> Result<Option<ListExtract>> {
        match self.tree("list_extracts")?.get(url.as_bytes())? {
            Some(v) => Ok(Some(decode("list_extracts", &v)?)),
            None => Ok(None),
        }
    }
}

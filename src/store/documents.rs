//! The `documents` tree: extracted [`Document`]s keyed by id, each linked to its page and
//! snapshot. The evidence stage reads them from here.

use crate::extract::Document;

use super::{decode, Result, Store};

impl Store {
    pub fn document(&self, id: &str) -> Result<Option<Document>> {
        match self.tree("documents")?.get(id.as_bytes())? {
            Some(v) => Ok(Some(decode("documents", &v)?)),
            None => Ok(None),
        }
    }

    /// Every document, in id order (optionally of one source).
    pub fn documents(&self, source: Option<&str>) -> Result<Vec<Document>> {
        let t = self.tree("documents")?;
        let mut out = Vec::new();
        for v in t.iter().values() {
            let d: Document = decode("documents", &v?)?;
            if source.is_none_or(|s| s == d.source) {
                out.push(d);
            }
        }
        Ok(out)
    }
}

//! The `documents` tree: extracted [`Document`]s keyed by id, each linked to its page and
//! snapshot, their JSON in the value log ([`super::values`]). The evidence stage reads them from
//! here.

use crate::model::Document;

use super::{decode, Result, Store};

impl Store {
    /// A document (`None` also when its value does not decode: skipped, see
    /// [`Store::skipped`]).
    pub fn document(&self, id: &str) -> Result<Option<Document>> {
        match self.tree("documents")?.get(id.as_bytes())? {
            Some(v) => {
                let d = self.decode_document(id.as_bytes(), &v);
                self.skip_bad("documents", id.as_bytes(), d)
            }
            None => Ok(None),
        }
    }

    /// A `documents` tree value (a value-log reference, or inline JSON) as a [`Document`].
    pub(crate) fn decode_document(&self, id: &[u8], v: &[u8]) -> Result<Document> {
        decode("documents", &self.resolve_value("documents", id, v)?)
    }

    /// Every document, in id order (optionally of one source); one whose value does not
    /// decode is skipped ([`Store::skipped`]).
    pub fn documents(&self, source: Option<&str>) -> Result<Vec<Document>> {
        let t = self.tree("documents")?;
        let mut out = Vec::new();
        for kv in t.iter() {
            let (k, v) = kv?;
            let Some(d) = self.skip_bad("documents", &k, self.decode_document(&k, &v))? else {
                continue;
            };
            if source.is_none_or(|s| s == d.source) {
                out.push(d);
            }
        }
        Ok(out)
    }
}

//! The `documents` tree: extracted [`Document`]s keyed by id, each linked to its page and
//! snapshot, their JSON in the value log ([`super::values`]). The evidence stage reads them from
//! here; the search index (`crate::search`) takes the ids of written documents from the
//! `doc_unindexed` queue ([`super::queue`]) and reads them back through [`Store::document`].

use crate::model::Document;

use super::queue::{unindexed_chunk, unindexed_chunk_key, UNINDEXED};
use super::{decode, encode, Result, Store};

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
        let mut out = Vec::new();
        self.visit_documents(|d| {
            if source.is_none_or(|s| s == d.source) {
                out.push(d);
            }
            Ok::<_, super::StoreError>(())
        })?;
        Ok(out)
    }

    /// Every document in id order, one at a time (rebuilding an index over a million of them
    /// without holding them all); one whose value does not decode is skipped.
    pub fn visit_documents<E: From<super::StoreError>>(
        &self,
        mut visit: impl FnMut(Document) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let t = self.tree("documents")?;
        for kv in t.iter() {
            let (k, v) = kv.map_err(super::StoreError::from)?;
            let Some(d) = self.skip_bad("documents", &k, self.decode_document(&k, &v))? else {
                continue;
            };
            visit(d)?;
        }
        Ok(())
    }

    /// Number of stored documents.
    pub fn document_count(&self) -> Result<usize> {
        Ok(self.tree("documents")?.len())
    }

    /// Stores documents and queues them for the search index, in one transaction per call
    /// (bulk loads, imports and benchmarks; the crawler writes through its frontier commit,
    /// which queues them the same way).
    pub fn put_documents(&self, docs: &[Document]) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let _gate = self.write_gate();
        let documents = self.tree("documents")?;
        let queue = self.tree(UNINDEXED)?;
        let json: Vec<Vec<u8>> = docs.iter().map(encode).collect();
        let refs = self.put_values(&json.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
        let encoded: Vec<(&str, [u8; 17])> = docs
            .iter()
            .zip(&refs)
            .map(|(d, r)| (d.id.as_str(), r.encode()))
            .collect();
        let chunk_key = unindexed_chunk_key(self.next_id()?);
        let chunk = unindexed_chunk(docs.iter().map(|d| d.id.as_str()));
        let r: std::result::Result<(), sled::transaction::TransactionError<()>> =
            sled::Transactional::transaction(&(&documents, &queue), |(dc, q)| {
                for (id, r) in &encoded {
                    dc.insert(id.as_bytes(), &r[..])?;
                }
                q.insert(&chunk_key[..], chunk.as_slice())?;
                Ok(())
            });
        match r {
            Ok(()) => Ok(()),
            Err(sled::transaction::TransactionError::Storage(e)) => Err(e.into()),
            Err(sled::transaction::TransactionError::Abort(())) => {
                Err(super::StoreError::Aborted("put_documents".into()))
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::model::{Document, DocumentKind};
    use chrono::NaiveDate;

    /// A small article of `unit` published on `date`.
    pub(crate) fn doc(
        id: &str,
        unit: &str,
        date: (i32, u32, u32),
        title: &str,
        body: &str,
    ) -> Document {
        Document {
            id: id.into(),
            source: "portal".into(),
            list: Some("通知公告".into()),
            kind: DocumentKind::Article,
            url: format!("http://www.tongbai.sim/{id}.html"),
            page_url: format!("http://www.tongbai.sim/{id}.html"),
            snapshot: "h".into(),
            title: Some(title.into()),
            published: NaiveDate::from_ymd_opt(date.0, date.1, date.2),
            publisher: None,
            index_no: None,
            doc_no: None,
            body: body.into(),
            attachments: vec![],
            unit: Some(unit.into()),
            unit_basis: None,
            fields: Default::default(),
            run: 1,
            extracted_at: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn put_documents_stores_and_queues_them() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = crate::store::Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.put_documents(&[
            doc("a", "u", (2023, 1, 1), "x", "y"),
            doc("b", "u", (2023, 1, 2), "x", "y"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.unindexed().unwrap_or_else(|e| panic!("{e}")), ["a", "b"]);
        assert_eq!(s.document_count().unwrap_or_else(|e| panic!("{e}")), 2);
        let d = s.document("b").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.map(|d| d.published),
            Some(NaiveDate::from_ymd_opt(2023, 1, 2))
        );
    }
}

//! The record types every stage and the store share: what the extraction read (documents, list
//! pages), what the evidence rules found (evidence, coverage, unresolved names) and the facts
//! the scorer reads. Plain data with serde derives and the methods that need nothing else; the
//! stages re-export them where they always were (`crate::extract::Document`,
//! `crate::evidence::model::Evidence`, `crate::fact::Fact`) and keep the behaviour that reads
//! the configuration or another stage. The store imports its record types from here and from
//! nowhere above it (`tests/layering.rs`); records that only a report stage reads (health,
//! digests, alert deliveries) stay in their stage and are kept through the store's typed trees.

pub mod document;
pub mod evidence;
pub mod fact;

pub use document::{AttachmentRef, Document, DocumentKind, ListItem, ListPage};

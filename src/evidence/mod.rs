//! Evidence: from stored documents and records to findings per unit and indicator, and from
//! findings to web facts. Parsers and matchers live in one file each; rules come from
//! `crawl-config/rules/`.

pub mod annual;
pub mod classify;
pub mod court;
pub mod facts;
/// The evidence records, kept in [`crate::model`] with the other stored records.
pub use crate::model::evidence as model;
pub mod notice;
pub mod records;
pub mod run;
pub mod title;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod samples_tests;

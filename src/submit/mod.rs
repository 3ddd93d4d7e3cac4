//! Unit submissions (数据填报): the fillable workbook units receive, reading it and the long CSV
//! form back, validating every row against the roster, the catalogs and the period, and storing
//! the result all-or-nothing as submitted facts. Analysts' manual decisions and the per-unit fact
//! review share the same field lookup and type checks, so a value typed at the command line is
//! held to the same rules as a submitted one.
//!
//! Flow: [`csv`] / [`xlsx`] → [`rows::RawRow`] → [`validate`] → `store::facts` ([`import`]).

pub mod csv;
pub mod import;
pub mod manual;
pub mod review;
pub mod rows;
pub mod template;
pub mod validate;
pub mod xlsx;

pub use import::{
    import_dir, import_files, submission_files, FileSummary, ImportError, ImportSummary,
};
pub use rows::{CellValue, ImportProblem, Location, RawRow};
pub use template::{write_template, TemplateError, TemplateFill};

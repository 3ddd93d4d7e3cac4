//! govtrust: monitoring and scoring the government integrity (政务诚信) of a county's units.
//!
//! Data flows one way: sources → pages → documents → evidence → facts → scores → reports. Each
//! module owns one stage and its types; the binary (`src/main.rs`) only parses arguments and
//! calls in here.

pub mod alert;
pub mod calendar;
pub mod cells;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod digest;
pub mod eval;
pub mod evidence;
pub mod export;
pub mod extract;
pub mod fact;
pub mod health;
pub mod inspect;
pub mod model;
pub mod pipeline;
pub mod query;
pub mod records;
pub mod report;
pub mod schedule;
pub mod score;
pub mod search;
pub mod serve;
pub mod service;
pub mod simweb;
pub mod sourcetool;
pub mod store;
pub mod submit;
pub mod uscc;

//! One integration test binary: every test runs the real `engine` executable on real files.

mod common;
mod convert;
mod generator;
mod golden;
mod input;
mod job_view;
mod late;
mod layers;
mod malformed;
mod query;
mod safety;
mod spark_suite;
mod sql;
mod suite;

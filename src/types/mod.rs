//! Spark's values, on the ground floor: type names both ways (`names`), implicit coercion (`coerce`), the engine's type set
//! (`schema`), value text parsing (`parse`) and display (`display`), and the calendar
//! (`calendar`). Every layer above reads and prints values through these, so a rule lives once.

pub mod calendar;
pub mod coerce;
pub mod datetime_pattern;
pub mod decimal;
pub mod display;
pub mod names;
pub mod parse;
pub mod schema;
pub mod spark_datetime;

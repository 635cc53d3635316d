//! `gen_trips`: deterministic TLC-shaped trips at any row count, for benchmarks.
//!
//! Every generated trip starts from a row of the real yellow samples (chosen by a hash of the row
//! number, so value distributions, correlations and nulls are the real ones), with the pickup moved
//! to a hashed second of 2020-2021 and the trip's duration kept. Green trips rename the columns as
//! the TLC's green files name them (adding `ehail_fee`, always null, and `trip_type`); FHVHV trips
//! derive the high-volume for-hire fields (license, bases, request and on-scene times, fares and
//! driver pay) from the same rows. The same arguments always give the same bytes.
//!
//!     gen_trips yellow|green|fhvhv ROWS OUT.csv|OUT.parquet [SAMPLE.csv ...]
//!
//! A `.parquet` OUT is one Parquet file, converted by the `engine` binary built beside this one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use engine::types::calendar::{civil_from_days, days_from_civil};
use rayon::prelude::*;

const DEFAULT_SAMPLES: [&str; 2] = [
    "data/yellow_tripdata_sample_2019-01.csv",
    "data/yellow_tripdata_sample_2019-02.csv",
];
/// Rows formatted per parallel chunk (written in order).
const CHUNK: u64 = 1 << 18;
/// Seconds in 2020-2021.
const SPAN: u64 = 731 * 86_400;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Yellow,
    Green,
    Fhvhv,
}

/// One sample row: raw fields, plus the pickup time and duration in seconds.
struct Trip {
    fields: Vec<String>,
    duration: i64,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn parse_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32) as i64;
    Some(days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

fn write_time(out: &mut Vec<u8>, seconds: i64) {
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400) as i32);
    let s = seconds.rem_euclid(86_400);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
}

fn load(samples: &[String]) -> Result<(Vec<String>, Vec<Trip>), String> {
    let mut header = Vec::new();
    let mut trips = Vec::new();
    for path in samples {
        let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{path}: {e}"))?;
        header = reader
            .headers()
            .map_err(|e| format!("{path}: {e}"))?
            .iter()
            .map(String::from)
            .collect();
        let at = |name: &str| header.iter().position(|h| h == name);
        let (Some(pickup), Some(dropoff)) = (at("pickup_datetime"), at("dropoff_datetime")) else {
            return Err(format!(
                "{path}: expected pickup_datetime and dropoff_datetime columns"
            ));
        };
        for record in reader.records() {
            let record = record.map_err(|e| format!("{path}: {e}"))?;
            let fields: Vec<String> = record.iter().map(String::from).collect();
            let (Some(p), Some(d)) = (
                parse_seconds(&fields[pickup]),
                parse_seconds(&fields[dropoff]),
            ) else {
                continue;
            };
            trips.push(Trip {
                fields,
                duration: (d - p).clamp(0, 86_400),
            });
        }
    }
    if trips.is_empty() {
        return Err("the samples hold no trips".into());
    }
    Ok((header, trips))
}

fn header_for(kind: Kind, sample: &[String]) -> Vec<String> {
    let names: &[&str] = match kind {
        Kind::Yellow => return sample.to_vec(),
        Kind::Green => &[
            "VendorID",
            "lpep_pickup_datetime",
            "lpep_dropoff_datetime",
            "store_and_fwd_flag",
            "RatecodeID",
            "PULocationID",
            "DOLocationID",
            "passenger_count",
            "trip_distance",
            "fare_amount",
            "extra",
            "mta_tax",
            "tip_amount",
            "tolls_amount",
            "ehail_fee",
            "improvement_surcharge",
            "total_amount",
            "payment_type",
            "trip_type",
            "congestion_surcharge",
        ],
        Kind::Fhvhv => &[
            "hvfhs_license_num",
            "dispatching_base_num",
            "originating_base_num",
            "request_datetime",
            "on_scene_datetime",
            "pickup_datetime",
            "dropoff_datetime",
            "PULocationID",
            "DOLocationID",
            "trip_miles",
            "trip_time",
            "base_passenger_fare",
            "tolls",
            "bcf",
            "sales_tax",
            "congestion_surcharge",
            "airport_fee",
            "tips",
            "driver_pay",
            "shared_request_flag",
            "shared_match_flag",
            "access_a_ride_flag",
            "wav_request_flag",
            "wav_match_flag",
        ],
    };
    names.iter().map(|s| s.to_string()).collect()
}

/// Append row `i` (CSV, newline-terminated).
fn write_row(out: &mut Vec<u8>, kind: Kind, i: u64, trips: &[Trip], col: &dyn Fn(&str) -> usize) {
    let h = splitmix(i);
    let trip = &trips[(h % trips.len() as u64) as usize];
    let f = |name: &str| trip.fields[col(name)].as_str();
    let pickup = 1_577_836_800 + (splitmix(h) % SPAN) as i64; // 2020-01-01 00:00:00
    let dropoff = pickup + trip.duration;
    let num = |name: &str| f(name).parse::<f64>().ok();
    match kind {
        Kind::Yellow => {
            for (c, value) in trip.fields.iter().enumerate() {
                if c > 0 {
                    out.push(b',');
                }
                match c {
                    _ if c == col("pickup_datetime") => write_time(out, pickup),
                    _ if c == col("dropoff_datetime") => write_time(out, dropoff),
                    _ => out.extend_from_slice(value.as_bytes()),
                }
            }
        }
        Kind::Green => {
            let trip_type = if f("rate_code_id") == "5" || h % 50 == 0 {
                "2"
            } else {
                "1"
            };
            let parts: [&str; 20] = [
                f("vendor_id"),
                "",
                "",
                f("store_and_fwd_flag"),
                f("rate_code_id"),
                f("pickup_location_id"),
                f("dropoff_location_id"),
                f("passenger_count"),
                f("trip_distance"),
                f("fare_amount"),
                f("extra"),
                f("mta_tax"),
                f("tip_amount"),
                f("tolls_amount"),
                "",
                f("improvement_surcharge"),
                f("total_amount"),
                f("payment_type"),
                trip_type,
                f("congestion_surcharge"),
            ];
            for (c, value) in parts.iter().enumerate() {
                if c > 0 {
                    out.push(b',');
                }
                match c {
                    1 => write_time(out, pickup),
                    2 => write_time(out, dropoff),
                    _ => out.extend_from_slice(value.as_bytes()),
                }
            }
        }
        Kind::Fhvhv => {
            let (license, base) = match h % 100 {
                0..=71 => ("HV0003", "B03404"),
                72..=97 => ("HV0005", "B03406"),
                _ => ("HV0004", "B02800"),
            };
            let wait = (splitmix(h ^ 1) % 600) as i64;
            let fare = num("fare_amount").unwrap_or(0.0).max(0.0) * 1.35;
            let tolls = num("tolls_amount").unwrap_or(0.0);
            let bcf = (fare * 0.025 * 100.0).round() / 100.0;
            let tax = (fare * 0.08875 * 100.0).round() / 100.0;
            let tips = num("tip_amount").unwrap_or(0.0);
            let airport = if matches!(f("pickup_location_id"), "132" | "138") {
                "2.5"
            } else {
                "0.0"
            };
            let shared = if h % 20 == 0 { "Y" } else { "N" };
            let _ = write!(out, "{license},{base},{base},");
            write_time(out, pickup - wait - 60);
            out.push(b',');
            if license == "HV0005" {
                // Lyft does not report on-scene times.
            } else {
                write_time(out, pickup - wait / 4);
            }
            out.push(b',');
            write_time(out, pickup);
            out.push(b',');
            write_time(out, dropoff);
            let _ = write!(
                out,
                ",{},{},{},{},{fare:.2},{tolls:.2},{bcf:.2},{tax:.2},{},{airport},{tips:.2},{:.2},{shared},N,N,N,N",
                f("pickup_location_id"),
                f("dropoff_location_id"),
                f("trip_distance"),
                trip.duration,
                f("congestion_surcharge"),
                fare * 0.72 + tips,
            );
        }
    }
    out.push(b'\n');
}

fn run(args: &[String]) -> Result<(), String> {
    let usage = "usage: gen_trips yellow|green|fhvhv ROWS OUT.csv|OUT.parquet [SAMPLE.csv ...]";
    let [kind, rows, out, samples @ ..] = args else {
        return Err(usage.into());
    };
    let kind = match kind.as_str() {
        "yellow" => Kind::Yellow,
        "green" => Kind::Green,
        "fhvhv" => Kind::Fhvhv,
        _ => return Err(usage.into()),
    };
    let rows: u64 = rows
        .parse()
        .map_err(|_| format!("ROWS '{rows}' is not a count\n{usage}"))?;
    let samples: Vec<String> = if samples.is_empty() {
        DEFAULT_SAMPLES.iter().map(|s| s.to_string()).collect()
    } else {
        samples.to_vec()
    };
    let started = std::time::Instant::now();
    let (sample_header, trips) = load(&samples)?;
    let col = |name: &str| sample_header.iter().position(|h| h == name).unwrap_or(0);
    // Parquet: the CSV goes to a hidden file beside OUT, which the engine then converts.
    let parquet = out.ends_with(".parquet");
    let final_out = out;
    let csv_path;
    let out: &str = if parquet {
        let path = std::path::Path::new(out);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("trips");
        csv_path = path.with_file_name(format!(".{name}.gen_trips.csv"));
        csv_path.to_str().ok_or("OUT is not UTF-8")?
    } else {
        out
    };
    let file = File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let header = header_for(kind, &sample_header).join(",");
    writeln!(writer, "{header}").map_err(|e| format!("{out}: {e}"))?;
    let chunks: Vec<u64> = (0..rows.div_ceil(CHUNK)).collect();
    // A window of chunks at a time, formatted in parallel, written in order.
    for window in chunks.chunks(rayon::current_num_threads().max(1) * 2) {
        let texts: Vec<Vec<u8>> = window
            .par_iter()
            .map(|&c| {
                let mut buf = Vec::with_capacity((CHUNK * 110) as usize);
                for i in c * CHUNK..((c + 1) * CHUNK).min(rows) {
                    write_row(&mut buf, kind, i, &trips, &col);
                }
                buf
            })
            .collect();
        for text in texts {
            writer.write_all(&text).map_err(|e| format!("{out}: {e}"))?;
        }
    }
    writer.flush().map_err(|e| format!("{out}: {e}"))?;
    drop(writer);
    if parquet {
        let converted = to_parquet(out, final_out);
        let _ = std::fs::remove_file(out);
        converted?;
    }
    eprintln!(
        "generated {rows} {} trips in {final_out} ({:.1} s)",
        args[0],
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One Parquet file at `parquet` with the rows of `csv`, typed as the engine infers them,
/// written by the `engine` binary built beside this one (`convert --single-file`).
fn to_parquet(csv: &str, parquet: &str) -> Result<(), String> {
    let engine = std::env::current_exe()
        .map_err(|e| format!("cannot find the engine binary: {e}"))?
        .with_file_name("engine");
    let status = std::process::Command::new(&engine)
        .args([
            "-q",
            "convert",
            csv,
            parquet,
            "--single-file",
            "--save-mode",
            "overwrite",
        ])
        .status()
        .map_err(|e| format!("cannot run {}: {e}", engine.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed to convert {csv} to {parquet}",
            engine.display()
        ))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_trips: {message}");
            ExitCode::from(2)
        }
    }
}

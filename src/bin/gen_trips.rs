//! `gen_trips`: deterministic TLC-shaped trips at any row count, for benchmarks.
//!
//! Every generated trip starts from a row of the real yellow samples (chosen by a hash of the row
//! number, so value distributions, correlations and nulls are the real ones), with the pickup moved
//! to a hashed second of 2020-2021 and the trip's duration kept. Green trips rename the columns as
//! the TLC's green files name them (adding `ehail_fee`, always null, and `trip_type`); FHVHV trips
//! derive the high-volume for-hire fields (license, bases, request and on-scene times, fares and
//! driver pay) from the same rows. The same arguments always give the same bytes.
//!
//!     gen_trips [--tlc-names] [--per-month] yellow|green|fhvhv ROWS OUT.csv|OUT.parquet [SAMPLE.csv ...]
//!
//! A `.parquet` OUT is one Parquet file, converted by the `engine` binary built beside this one.
//! `--tlc-names` names yellow columns as the TLC's files do (`tpep_pickup_datetime`,
//! `PULocationID`, ...); `--per-month` writes one file per pickup month beside OUT
//! (`trips.csv` gives `trips_2020-01.csv` ... `trips_2021-12.csv`). The samples default to the
//! repository's `data/` files, found from the working directory or from the binary's place.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use engine::types::calendar::{civil_from_days, days_from_civil};
use rayon::prelude::*;

const USAGE: &str = "usage: gen_trips [--tlc-names] [--per-month] yellow|green|fhvhv ROWS OUT.csv|OUT.parquet [SAMPLE.csv ...]

Deterministic TLC-shaped trips for benchmarks: every row starts from a row of the samples, its
pickup moved to a hashed second of 2020-2021. A .parquet OUT is converted by the engine binary
built beside this one.

Options:
  --tlc-names   name yellow columns as the TLC's files do (VendorID, tpep_pickup_datetime,
                PULocationID, ...); green and fhvhv always use the TLC's names
  --per-month   one file per pickup month: OUT trips.csv gives trips_2020-01.csv ... trips_2021-12.csv
  -h, --help    this text

SAMPLE.csv defaults to data/yellow_tripdata_sample_2019-0{1,2}.csv, looked up from the working
directory, then from the directories above the binary.";

/// The TLC's names for the yellow sample's columns.
const TLC_YELLOW_NAMES: [(&str, &str); 7] = [
    ("vendor_id", "VendorID"),
    ("pickup_datetime", "tpep_pickup_datetime"),
    ("dropoff_datetime", "tpep_dropoff_datetime"),
    ("rate_code_id", "RatecodeID"),
    ("pickup_location_id", "PULocationID"),
    ("dropoff_location_id", "DOLocationID"),
    ("airport_fee", "airport_fee"),
];

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

fn header_for(kind: Kind, sample: &[String], tlc_names: bool) -> Vec<String> {
    let names: &[&str] = match kind {
        Kind::Yellow if tlc_names => {
            return sample
                .iter()
                .map(|name| {
                    TLC_YELLOW_NAMES
                        .iter()
                        .find(|(ours, _)| ours == name)
                        .map_or(name.clone(), |(_, tlc)| tlc.to_string())
                })
                .collect()
        }
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

/// The month (0 for 2020-01 ... 23 for 2021-12) of row `i`'s pickup, as `write_row` places it.
fn month_of(i: u64) -> usize {
    let pickup = 1_577_836_800 + (splitmix(splitmix(i)) % SPAN) as i64;
    let (year, month, _) = civil_from_days(pickup.div_euclid(86_400) as i32);
    ((year - 2020) * 12 + i64::from(month) - 1).clamp(0, 23) as usize
}

/// `trips.csv` and month 0 -> `trips_2020-01.csv`.
fn month_path(out: &str, month: usize) -> String {
    let path = std::path::Path::new(out);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("trips.csv");
    let (stem, extension) = name.split_once('.').unwrap_or((name, "csv"));
    let tag = format!("{}-{:02}", 2020 + month / 12, month % 12 + 1);
    path.with_file_name(format!("{stem}_{tag}.{extension}"))
        .to_string_lossy()
        .into_owned()
}

/// The default samples: from the working directory, else from a directory above the binary
/// (target/release/gen_trips lies two below the repository).
fn default_samples() -> Vec<String> {
    if DEFAULT_SAMPLES
        .iter()
        .all(|s| std::path::Path::new(s).exists())
    {
        return DEFAULT_SAMPLES.iter().map(|s| s.to_string()).collect();
    }
    let exe = std::env::current_exe().ok();
    for dir in exe.iter().flat_map(|e| e.ancestors().skip(1)) {
        let found: Vec<std::path::PathBuf> = DEFAULT_SAMPLES.iter().map(|s| dir.join(s)).collect();
        if found.iter().all(|p| p.exists()) {
            return found
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
        }
    }
    DEFAULT_SAMPLES.iter().map(|s| s.to_string()).collect()
}

enum Outcome {
    Generated,
    Help,
}

fn run(all_args: &[String]) -> Result<Outcome, String> {
    let mut tlc_names = false;
    let mut per_month = false;
    let mut args = Vec::new();
    for arg in all_args {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Outcome::Help),
            "--tlc-names" => tlc_names = true,
            "--per-month" => per_month = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"))
            }
            _ => args.push(arg.clone()),
        }
    }
    let usage = USAGE.lines().next().unwrap_or(USAGE);
    let [kind, rows, out, samples @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let kind_name = kind.as_str();
    let kind = match kind_name {
        "yellow" => Kind::Yellow,
        "green" => Kind::Green,
        "fhvhv" => Kind::Fhvhv,
        _ => return Err(usage.into()),
    };
    let rows: u64 = rows
        .parse()
        .map_err(|_| format!("ROWS '{rows}' is not a count\n{usage}"))?;
    let samples: Vec<String> = if samples.is_empty() {
        default_samples()
    } else {
        samples.to_vec()
    };
    let started = std::time::Instant::now();
    let (sample_header, trips) = load(&samples)?;
    let col = |name: &str| sample_header.iter().position(|h| h == name).unwrap_or(0);
    let header = header_for(kind, &sample_header, tlc_names).join(",");
    let parquet = out.ends_with(".parquet");
    let finals: Vec<String> = if per_month {
        (0..24).map(|m| month_path(out, m)).collect()
    } else {
        vec![out.clone()]
    };
    // Parquet: each CSV goes to a hidden file beside its OUT, which the engine then converts.
    let csvs: Vec<String> = finals
        .iter()
        .map(|out| {
            if parquet {
                let path = std::path::Path::new(out);
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("trips");
                path.with_file_name(format!(".{name}.gen_trips.csv"))
                    .to_string_lossy()
                    .into_owned()
            } else {
                out.clone()
            }
        })
        .collect();
    let mut writers = Vec::new();
    for path in &csvs {
        let file = File::create(path).map_err(|e| format!("{path}: {e}"))?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        writeln!(writer, "{header}").map_err(|e| format!("{path}: {e}"))?;
        writers.push(writer);
    }
    let chunks: Vec<u64> = (0..rows.div_ceil(CHUNK)).collect();
    // A window of chunks at a time, formatted in parallel, written in order (per month file).
    for window in chunks.chunks(rayon::current_num_threads().max(1) * 2) {
        let texts: Vec<Vec<Vec<u8>>> = window
            .par_iter()
            .map(|&c| {
                let mut bufs = vec![Vec::new(); writers.len()];
                for i in c * CHUNK..((c + 1) * CHUNK).min(rows) {
                    let file = if per_month { month_of(i) } else { 0 };
                    write_row(&mut bufs[file], kind, i, &trips, &col);
                }
                bufs
            })
            .collect();
        for bufs in texts {
            for ((writer, text), path) in writers.iter_mut().zip(bufs).zip(&csvs) {
                writer
                    .write_all(&text)
                    .map_err(|e| format!("{path}: {e}"))?;
            }
        }
    }
    for (mut writer, path) in writers.into_iter().zip(&csvs) {
        writer.flush().map_err(|e| format!("{path}: {e}"))?;
    }
    if parquet {
        for (csv, final_out) in csvs.iter().zip(&finals) {
            let converted = to_parquet(csv, final_out);
            let _ = std::fs::remove_file(csv);
            converted?;
        }
    }
    eprintln!(
        "generated {rows} {kind_name} trips in {} ({:.1} s)",
        if per_month {
            format!("{} .. {}", finals[0], finals[finals.len() - 1])
        } else {
            out.clone()
        },
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome::Generated)
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
        Ok(Outcome::Generated) => ExitCode::SUCCESS,
        Ok(Outcome::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("gen_trips: {message}");
            ExitCode::from(2)
        }
    }
}

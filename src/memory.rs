//! The memory budget: operators that must hold data (aggregate state, a join's build side, sort
//! runs) reserve what they hold here, and a reservation past the budget is an error naming the
//! operator and the budget, so that running out of memory is a clear message instead of an
//! allocation failure that aborts the process. (Spilling to disk past the budget is future work.)
//!
//! The budget is `--memory-limit`, or by default 70% of the machine's memory; under an
//! address-space limit (`ulimit -v`), 70% of what is not mapped yet. The rest is left for
//! batches in flight, arrow's temporaries, buffers and the threads' stacks, which are not
//! reserved.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{Error, Result};

static LIMIT: AtomicUsize = AtomicUsize::new(0);
static USED: AtomicUsize = AtomicUsize::new(0);

/// Set the budget in bytes (from `--memory-limit`).
pub fn set_limit(bytes: usize) {
    LIMIT.store(bytes.max(1), Ordering::Relaxed);
}

/// The budget in bytes.
pub fn limit() -> usize {
    match LIMIT.load(Ordering::Relaxed) {
        0 => {
            let computed = default_limit();
            LIMIT.store(computed, Ordering::Relaxed);
            computed
        }
        set => set,
    }
}

fn default_limit() -> usize {
    let available = physical_memory().unwrap_or(8 << 30);
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit struct we own.
        if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } == 0
            && limit.rlim_cur != libc::RLIM_INFINITY
        {
            // Under an address-space cap, what is mapped already (the binary, thread stacks,
            // allocator arenas) is not there to use; and arrow's temporaries need room beside
            // the state operators hold, hence 70% of the rest.
            let mapped = mapped_bytes().unwrap_or(0);
            let rest = (limit.rlim_cur as usize).saturating_sub(mapped);
            return available.min(rest) / 10 * 7;
        }
    }
    available / 10 * 7
}

/// Tune glibc's allocator for a batch process before any other thread allocates.
///
/// Without an address-space limit: large blocks (up to 32 MiB) come from the heap rather than
/// from their own `mmap`, and freed memory is not handed back to the kernel while under 1 GiB.
/// By default glibc maps each block over its (adaptive) threshold anew and unmaps it on free,
/// so every batch-sized buffer after the first costs fresh pages the kernel must zero: a
/// 9.2M-group aggregate took 260K page faults (1 GiB of zeroed pages for 73 MB held) and half
/// its time in the kernel; with these settings, 16K.
///
/// Under an address-space limit (`ulimit -v`), keep the allocator's own reserve bounded
/// instead: glibc gives each thread an arena that maps 64 MiB of address space whatever it
/// holds, and raises its mmap threshold as large blocks are freed, so that freed memory stays
/// mapped. Two arenas, a fixed 4 MiB threshold and at most 64 MiB kept free at an arena's top
/// keep what is mapped close to what is held, which is what the budget counts. (A 256 KiB
/// threshold mapped every batch-sized buffer anew: within a 700 MB budget the self-join took
/// 330K page faults and the partitioned write by day 890K; with these settings, 93K and 117K,
/// and each of the five budget queries of the benchmark still finishes.)
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit struct we own; mallopt only sets tunables, before
        // any other thread allocates.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_AS, &mut limit) == 0
                && limit.rlim_cur != libc::RLIM_INFINITY
            {
                libc::mallopt(libc::M_ARENA_MAX, 2);
                libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
            } else {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
            }
        }
    }
}

/// The process's mapped address space (VmSize).
fn mapped_bytes() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn physical_memory() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `--memory-limit` text: bytes with an optional K, M, G or T suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<usize> {
    let bad = || {
        Error::usage(format!(
            "invalid --memory-limit '{text}': expected a size such as 512M or 4G"
        ))
    };
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    let upper = upper
        .strip_suffix("IB")
        .or(upper.strip_suffix('B'))
        .unwrap_or(&upper);
    let (number, shift) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 10),
        Some('M') => (&upper[..upper.len() - 1], 20),
        Some('G') => (&upper[..upper.len() - 1], 30),
        Some('T') => (&upper[..upper.len() - 1], 40),
        _ => (upper, 0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 1.0 {
        return Err(bad());
    }
    Ok((value * (1u64 << shift) as f64).min(usize::MAX as f64) as usize)
}

/// Bytes as people read them: `1.5 GiB`, `300.0 MiB`.
pub fn human(bytes: usize) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// What the reservations of one operator hold together, and the most they held at once
/// (EXPLAIN ANALYZE's peak memory).
#[derive(Debug, Default)]
pub struct MemoryGauge {
    held: AtomicUsize,
    peak: AtomicUsize,
}

impl MemoryGauge {
    /// The most this operator's reservations held at once, in bytes.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    fn grow(&self, bytes: usize) {
        let held = self.held.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(held, Ordering::Relaxed);
    }

    fn shrink(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// Memory an operator holds, counted against the budget until dropped.
pub struct Reservation {
    operator: &'static str,
    bytes: usize,
    gauge: Option<std::sync::Arc<MemoryGauge>>,
}

impl Reservation {
    pub fn new(operator: &'static str) -> Reservation {
        Reservation {
            operator,
            bytes: 0,
            gauge: None,
        }
    }

    /// This reservation, also counted on `gauge` (when metrics are on).
    pub fn gauged(mut self, gauge: Option<std::sync::Arc<MemoryGauge>>) -> Reservation {
        self.gauge = gauge;
        self
    }

    /// Hold `bytes` in all (more or less than before); an error if the budget cannot hold it.
    pub fn resize(&mut self, bytes: usize) -> Result<()> {
        if bytes <= self.bytes {
            USED.fetch_sub(self.bytes - bytes, Ordering::Relaxed);
            if let Some(gauge) = &self.gauge {
                gauge.shrink(self.bytes - bytes);
            }
            self.bytes = bytes;
            return Ok(());
        }
        let grow = bytes - self.bytes;
        let used = USED.fetch_add(grow, Ordering::Relaxed) + grow;
        let limit = limit();
        if used > limit {
            USED.fetch_sub(grow, Ordering::Relaxed);
            return Err(Error::MemoryExhausted {
                operator: self.operator,
                needed: human(used),
                limit: human(limit),
            });
        }
        if let Some(gauge) = &self.gauge {
            gauge.grow(grow);
        }
        self.bytes = bytes;
        Ok(())
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        USED.fetch_sub(self.bytes, Ordering::Relaxed);
        if let Some(gauge) = &self.gauge {
            gauge.shrink(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("512M").unwrap(), 512 << 20);
        assert_eq!(parse_size("4g").unwrap(), 4 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        for bad in ["", "x", "-1G", "0", "G", "nanG"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(human(3 << 29), "1.5 GiB");
    }

    #[test]
    fn a_gauge_keeps_the_most_its_reservations_held_at_once() {
        let gauge = std::sync::Arc::new(MemoryGauge::default());
        let mut a = Reservation::new("a").gauged(Some(gauge.clone()));
        let mut b = Reservation::new("b").gauged(Some(gauge.clone()));
        a.resize(100).unwrap();
        b.resize(50).unwrap();
        a.resize(10).unwrap();
        b.resize(60).unwrap();
        drop(a);
        drop(b);
        assert_eq!(gauge.peak(), 150);
        assert_eq!(gauge.held.load(Ordering::Relaxed), 0);
    }
}

//! The job summary on stderr: wall time and, per stage, its tasks, rows in and out, bytes read
//! and written, time, and the slowest task against the median (skew), in Spark's vocabulary.
//! One line when the job was one task.

use crate::exec::trace::{StageSummary, TaskInfo};
use crate::memory::human;

/// The summary of a job that ran `stages` in `wall`.
pub fn summarize(stages: &[StageSummary], wall: std::time::Duration, threads: usize) -> String {
    let tasks: usize = stages.iter().map(|s| s.tasks.len()).sum();
    let total =
        |f: &dyn Fn(&TaskInfo) -> u64| -> u64 { stages.iter().flat_map(|s| &s.tasks).map(f).sum() };
    let head = format!(
        "job finished in {} on local[{threads}]: {} {}, {} {}",
        seconds(wall.as_millis() as u64),
        stages.len(),
        plural(stages.len(), "stage"),
        tasks,
        plural(tasks, "task"),
    );
    if tasks <= 1 {
        let read = total(&|t| t.counts.records_read + t.counts.shuffle_records_read);
        let bytes = total(&|t| t.counts.bytes_read);
        let out = total(&|t| t.counts.records_out);
        let written = total(&|t| t.counts.bytes_written);
        let mut line = format!(
            "{head}; {} {} in",
            thousands(read),
            plural(read as usize, "row")
        );
        if bytes > 0 {
            line.push_str(&format!(" ({} read)", human(bytes as usize)));
        }
        line.push_str(&format!(
            ", {} {} out",
            thousands(out),
            plural(out as usize, "row")
        ));
        if written > 0 {
            line.push_str(&format!(" ({} written)", human(written as usize)));
        }
        return line + "\n";
    }
    let mut rows = vec![[
        "stage",
        "tasks",
        "rows in",
        "rows out",
        "read",
        "written",
        "time",
        "task median",
        "task max",
        "skew",
        "what",
    ]
    .map(String::from)
    .to_vec()];
    for stage in stages {
        let sum = |f: &dyn Fn(&TaskInfo) -> u64| -> u64 { stage.tasks.iter().map(f).sum() };
        let mut times: Vec<u64> = stage
            .tasks
            .iter()
            .map(|t| t.finished_ms.saturating_sub(t.launched_ms))
            .collect();
        times.sort_unstable();
        let median = times.get(times.len() / 2).copied().unwrap_or(0);
        let max = times.last().copied().unwrap_or(0);
        let bytes = |b: u64| {
            if b == 0 {
                "-".to_string()
            } else {
                human(b as usize)
            }
        };
        let failed = if stage.error.is_some() {
            " (failed)"
        } else {
            ""
        };
        rows.push(vec![
            stage.info.id.to_string(),
            stage.tasks.len().to_string(),
            thousands(sum(&|t| {
                t.counts.records_read + t.counts.shuffle_records_read
            })),
            thousands(sum(&|t| t.counts.records_out)),
            bytes(sum(&|t| t.counts.bytes_read)),
            bytes(sum(&|t| t.counts.bytes_written)),
            seconds(stage.completed_ms.saturating_sub(stage.info.submitted_ms)),
            seconds(median),
            seconds(max),
            if median == 0 {
                "-".to_string()
            } else {
                format!("{:.1}x", max as f64 / median as f64)
            },
            format!("{}{failed}", stage.info.name),
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = head + "\n";
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else if c == 0 {
                line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            } else {
                line.push_str(&format!("{cell:>w$}  ", w = widths[c]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `12 ms`, `1.23 s`, `75.0 s`.
fn seconds(ms: u64) -> String {
    let s = ms as f64 / 1000.0;
    if ms < 1000 {
        format!("{ms} ms")
    } else if s < 60.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

/// `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::trace::{StageInfo, StageKind, TaskCounts};

    fn task(index: usize, ms: u64, read: u64, out: u64) -> TaskInfo {
        TaskInfo {
            stage: 0,
            stage_kind: StageKind::ShuffleMap,
            task_id: index as u64,
            index,
            thread: 0,
            launched_ms: 1000,
            finished_ms: 1000 + ms,
            counts: TaskCounts {
                records_read: read,
                bytes_read: read * 100,
                records_out: out,
                ..Default::default()
            },
            error: None,
        }
    }

    fn stage(id: usize, name: &str, tasks: Vec<TaskInfo>) -> StageSummary {
        StageSummary {
            info: StageInfo {
                id,
                name: name.into(),
                kind: StageKind::ShuffleMap,
                tasks: tasks.len(),
                submitted_ms: 1000,
            },
            completed_ms: 1400,
            tasks,
            error: None,
        }
    }

    #[test]
    fn stages_are_a_table_with_skew_and_one_task_is_one_line() {
        let stages = vec![
            stage(
                0,
                "scan t.csv → partial aggregate",
                vec![
                    task(0, 100, 1_000_000, 3),
                    task(1, 100, 5, 3),
                    task(2, 400, 7, 2),
                ],
            ),
            stage(1, "exchange → final aggregate", vec![task(0, 2, 8, 3)]),
        ];
        let text = summarize(&stages, std::time::Duration::from_millis(1234), 2);
        assert_eq!(
            text,
            "job finished in 1.23 s on local[2]: 2 stages, 4 tasks\n\
             stage  tasks    rows in  rows out       read  written    time  task median  task max  skew  what\n\
             0          3  1,000,012         8   95.4 MiB        -  400 ms       100 ms    400 ms  4.0x  scan t.csv → partial aggregate\n\
             1          1          8         3  800 bytes        -  400 ms         2 ms      2 ms  1.0x  exchange → final aggregate\n"
        );
        let one = summarize(&stages[1..], std::time::Duration::from_millis(5), 1);
        assert_eq!(
            one,
            "job finished in 5 ms on local[1]: 1 stage, 1 task; 8 rows in (800 bytes read), 3 rows out\n"
        );
    }
}

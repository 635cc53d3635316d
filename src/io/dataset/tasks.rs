//! Splitting a dataset into tasks as Spark does: whole small files packed together and large
//! ones cut, with `maxPartitionBytes` and `openCostInBytes` arithmetic, evened out over the
//! tasks; CSV pieces end on record boundaries, Parquet pieces are groups of row groups.

use crate::io::csv::{self, RecordRange};

use super::model::*;

/// Spark's `spark.sql.files.maxPartitionBytes` default.
const MAX_PARTITION_BYTES: u64 = 128 << 20;
/// Spark's `spark.sql.files.openCostInBytes` default.
const OPEN_COST_BYTES: u64 = 4 << 20;

impl Dataset {
    /// The tasks that read the whole dataset, sized for the pool (Spark's split arithmetic).
    /// Only for datasets opened with `Depth::Full` (a preview knows only its first file).
    pub fn tasks(&self) -> Vec<ScanTask> {
        self.tasks_pruned(None)
    }

    /// The tasks that read the files and Parquet row groups `pruning` keeps (all when None):
    /// as many as Spark's split arithmetic makes, but evened out. Spark's next-fit packing fills
    /// every task to the split size and leaves the remainder to the last one (955 MB on 2 cores:
    /// seven tasks of 128 MB and one of 59 MB, so one worker reads 512 MB while the other reads
    /// 443 MB); the smallest split that still gives that many tasks spreads the bytes evenly.
    pub fn tasks_pruned(&self, pruning: Option<&Pruning>) -> Vec<ScanTask> {
        let split = self.split_bytes();
        let spark = self.pack(pruning, split);
        let count = spark.len();
        if count <= 1 {
            return spark;
        }
        let (mut low, mut high) = (1, split);
        while low < high {
            let middle = low + (high - low) / 2;
            if self.pack(pruning, middle).len() <= count {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        let even = self.pack(pruning, low);
        if even.len() == count {
            even
        } else {
            spark
        }
    }

    /// Spark's packing of the kept files and row groups into tasks of at most `split` bytes.
    fn pack(&self, pruning: Option<&Pruning>, split: u64) -> Vec<ScanTask> {
        let mut pieces: Vec<(Piece, u64)> = Vec::new();
        let keep_file = |i: usize| pruning.is_none_or(|p| p.files[i]);
        let keep_group = |i: usize, rg: usize| {
            pruning.is_none_or(|p| p.row_groups[i].as_ref().is_none_or(|g| g[rg]))
        };
        match &self.layout {
            Layout::Csv { headers, scans, .. } => {
                for (file_index, (file, header)) in self.files.iter().zip(headers).enumerate() {
                    if !keep_file(file_index) {
                        continue;
                    }
                    let whole = RecordRange {
                        start: header.data_start,
                        end: None,
                        first_line: header.data_line,
                    };
                    match scans.as_ref().map(|s| &s[file_index]) {
                        Some(scan) if !file.gzip => {
                            // Consecutive blocks, as many as fit in a split.
                            let mut current: Option<(&csv::Block, &csv::Block)> = None;
                            for block in &scan.blocks {
                                current = match current {
                                    Some((first, last)) if block.end - first.start > split => {
                                        pieces.push(csv_piece(file_index, first, last));
                                        Some((block, block))
                                    }
                                    Some((first, _)) => Some((first, block)),
                                    None => Some((block, block)),
                                };
                            }
                            if let Some((first, last)) = current {
                                pieces.push(csv_piece(file_index, first, last));
                            }
                        }
                        Some(scan) if scan.blocks.is_empty() => {}
                        _ => pieces.push((
                            Piece {
                                file: file_index,
                                kind: PieceKind::Csv(whole),
                            },
                            file.size,
                        )),
                    }
                }
            }
            Layout::Parquet { footers } => {
                for (file_index, footer) in footers.iter().enumerate() {
                    if !keep_file(file_index) {
                        continue;
                    }
                    let mut group: Vec<usize> = Vec::new();
                    let mut bytes = 0;
                    for (rg, size) in footer.row_group_sizes().into_iter().enumerate() {
                        if !keep_group(file_index, rg) {
                            continue;
                        }
                        if !group.is_empty() && bytes + size > split {
                            pieces.push((
                                Piece {
                                    file: file_index,
                                    kind: PieceKind::Parquet(Some(std::mem::take(&mut group))),
                                },
                                bytes,
                            ));
                            bytes = 0;
                        }
                        group.push(rg);
                        bytes += size;
                    }
                    if !group.is_empty() {
                        pieces.push((
                            Piece {
                                file: file_index,
                                kind: PieceKind::Parquet(Some(group)),
                            },
                            bytes,
                        ));
                    }
                }
            }
        }
        // Spark's next-fit packing: a task takes pieces until the next would overflow the split.
        let mut tasks = Vec::new();
        let mut current = ScanTask {
            pieces: Vec::new(),
            bytes: 0,
        };
        let mut weight = 0;
        for (piece, bytes) in pieces {
            if !current.pieces.is_empty() && weight + bytes > split {
                tasks.push(std::mem::replace(
                    &mut current,
                    ScanTask {
                        pieces: Vec::new(),
                        bytes: 0,
                    },
                ));
                weight = 0;
            }
            current.pieces.push(piece);
            current.bytes += bytes;
            weight += bytes + OPEN_COST_BYTES;
        }
        if !current.pieces.is_empty() {
            tasks.push(current);
        }
        tasks
    }

    fn split_bytes(&self) -> u64 {
        if let Some(bytes) = self.read.max_partition_bytes {
            return bytes.max(1);
        }
        split_bytes_for(&self.files)
    }
}

fn csv_piece(file: usize, first: &csv::Block, last: &csv::Block) -> (Piece, u64) {
    let range = RecordRange {
        start: first.start,
        end: Some(last.end),
        first_line: first.first_line,
    };
    (
        Piece {
            file,
            kind: PieceKind::Csv(range),
        },
        last.end - first.start,
    )
}

/// Spark's `maxSplitBytes`: min(128 MB, max(4 MB, bytes per core)), bytes counting the open cost.
pub(super) fn split_bytes_for(files: &[DataFile]) -> u64 {
    let total: u64 = files.iter().map(|f| f.size + OPEN_COST_BYTES).sum();
    let per_core = total / crate::runtime::parallelism().max(1) as u64;
    MAX_PARTITION_BYTES.min(OPEN_COST_BYTES.max(per_core))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::csv::CsvOptions;
    use crate::progress::Progress;

    #[test]
    fn tasks_are_as_many_as_sparks_and_even() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let mut text = String::from("id,name,amount\n");
        let mut id = 0u64;
        while text.len() < 30 << 20 {
            text.push_str(&format!(
                "{id},name number {id},{}.{}\n",
                id % 977,
                id % 100
            ));
            id += 1;
        }
        std::fs::write(&path, &text).unwrap();
        let read = ReadOptions {
            max_partition_bytes: Some(12 << 20),
            csv: CsvOptions {
                infer: false,
                ..CsvOptions::default()
            },
            ..ReadOptions::default()
        };
        let dataset = Dataset::open(
            path.to_str().unwrap(),
            &read,
            Depth::Full,
            &Progress::disabled(),
        )
        .unwrap();
        // Spark's packing: 12 MB, 12 MB and the 6 MB rest.
        let spark = dataset.pack(None, 12 << 20);
        assert_eq!(spark.len(), 3);
        let tasks = dataset.tasks();
        assert_eq!(tasks.len(), 3);
        let sizes: Vec<u64> = tasks.iter().map(|t| t.bytes).collect();
        let (smallest, largest) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(largest - smallest <= 2 << 20, "{sizes:?}");
        assert_eq!(
            sizes.iter().sum::<u64>(),
            spark.iter().map(|t| t.bytes).sum::<u64>()
        );
        assert_eq!(dataset.known_row_count(), Some(id));
    }
}

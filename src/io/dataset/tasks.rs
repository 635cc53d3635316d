//! Splitting a dataset into tasks as Spark does: whole small files packed together and large
//! ones cut, with `maxPartitionBytes` and `openCostInBytes` arithmetic, evened out over the
//! tasks; CSV pieces end on record boundaries, Parquet pieces are the row groups whose midpoint
//! lies in a split of the file, as parquet-mr assigns them.

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
        let spark = self.pack(pruning, self.split_bytes());
        let count = spark.len();
        if count <= 1 {
            return spark;
        }
        self.pack_evenly(pruning, count).unwrap_or(spark)
    }

    /// As `tasks_pruned`, but as many as a multiple of the pool's width where the pieces allow:
    /// Spark's three tasks on two cores leave one core idle for a third of the scan. For scans
    /// whose tasks are not the output's files (those keep Spark's count, as Spark writes them).
    pub fn tasks_for_pool(&self, pruning: Option<&Pruning>) -> Vec<ScanTask> {
        let tasks = self.tasks_pruned(pruning);
        let width = crate::runtime::parallelism().max(1);
        let count = tasks.len();
        // One task stays one: its partial aggregates are the whole, summed in Spark's order
        // (several tasks' partials are merged in an order Spark does not fix either). Only a
        // few tasks per core are rounded: with many, the last round's idle share is small.
        if count <= 1 || count % width == 0 || count > 4 * width {
            return tasks;
        }
        let rounded = count.div_ceil(width) * width;
        self.pack_evenly(pruning, rounded).unwrap_or(tasks)
    }

    /// The pieces packed into exactly `count` tasks of about equal bytes (the smallest split
    /// that gives no more than `count`), if some split gives exactly that many.
    fn pack_evenly(&self, pruning: Option<&Pruning>, count: usize) -> Option<Vec<ScanTask>> {
        let (mut low, mut high) = (1, self.split_bytes().max(1));
        // A split small enough for `count` tasks may be below Spark's: start from the total.
        if self.pack(pruning, high).len() > count {
            return None;
        }
        while low < high {
            let middle = low + (high - low) / 2;
            if self.pack(pruning, middle).len() <= count {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        let even = self.pack(pruning, low);
        (even.len() == count).then_some(even)
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
                // Spark's splits: the file cut into ranges of `split` bytes, each reading the
                // row groups whose midpoint lies in it (whole row groups packed up to `split`
                // would make three tasks of one 235 MB file on 2 cores where Spark makes two).
                for (file_index, footer) in footers.iter().enumerate() {
                    if !keep_file(file_index) {
                        continue;
                    }
                    let sizes = footer.row_group_sizes();
                    let mut current: Option<(u64, Vec<usize>, u64)> = None;
                    for (rg, midpoint) in footer.row_group_midpoints().into_iter().enumerate() {
                        if !keep_group(file_index, rg) {
                            continue;
                        }
                        let range = midpoint / split;
                        match &mut current {
                            Some((r, group, bytes)) if *r == range => {
                                group.push(rg);
                                *bytes += sizes[rg];
                            }
                            _ => {
                                if let Some((_, group, bytes)) = current.take() {
                                    pieces.push(parquet_piece(file_index, group, bytes));
                                }
                                current = Some((range, vec![rg], sizes[rg]));
                            }
                        }
                    }
                    if let Some((_, group, bytes)) = current {
                        pieces.push(parquet_piece(file_index, group, bytes));
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

fn parquet_piece(file: usize, groups: Vec<usize>, bytes: u64) -> (Piece, u64) {
    (
        Piece {
            file,
            kind: PieceKind::Parquet(Some(groups)),
        },
        bytes,
    )
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

    /// One Parquet file of ten equal row groups, with splits of a little under half the file:
    /// Spark's two splits read five row groups each (by midpoint), where packing whole row
    /// groups up to the split size made three tasks (four, four and two row groups).
    #[test]
    fn parquet_splits_take_the_row_groups_whose_midpoint_they_hold() {
        use arrow::array::{ArrayRef, Int64Array};
        use arrow::record_batch::RecordBatch;
        use parquet::arrow::ArrowWriter;
        use parquet::file::properties::WriterProperties;
        use std::sync::Arc;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.parquet");
        // Distinct values, no compression: every row group the same size.
        let values: ArrayRef = Arc::new(Int64Array::from_iter_values(0..100_000));
        let batch = RecordBatch::try_from_iter([("x", values)]).unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(10_000))
            .set_dictionary_enabled(false)
            .set_compression(parquet::basic::Compression::UNCOMPRESSED)
            .build();
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let open = |split: u64| {
            let read = ReadOptions {
                max_partition_bytes: Some(split),
                ..ReadOptions::default()
            };
            Dataset::open(
                path.to_str().unwrap(),
                &read,
                Depth::Full,
                &Progress::disabled(),
            )
            .unwrap()
        };
        let groups = |tasks: &[ScanTask]| -> Vec<Vec<usize>> {
            tasks
                .iter()
                .map(|t| {
                    t.pieces
                        .iter()
                        .flat_map(|p| match &p.kind {
                            PieceKind::Parquet(Some(g)) => g.clone(),
                            other => panic!("{other:?}"),
                        })
                        .collect()
                })
                .collect()
        };
        let dataset = open(size / 2 - size / 50);
        let halves = groups(&dataset.pack(None, size / 2 - size / 50));
        assert_eq!(halves, vec![(0..5).collect::<Vec<_>>(), (5..10).collect()]);
        assert_eq!(groups(&dataset.tasks()), halves);
        // A split smaller than a row group: one row group per split, none read twice or lost.
        let one_each = groups(&open(size / 25).tasks());
        assert_eq!(one_each.concat(), (0..10).collect::<Vec<_>>());
    }
}

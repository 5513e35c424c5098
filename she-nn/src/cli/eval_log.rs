//! The record file of `she eval --log`: one JSON line per encrypted image.
//!
//! An encrypted evaluation at the 128-bit set costs minutes per image, so a sample of a hundred
//! images takes about a day on a small machine. With `--log FILE` every finished image is
//! appended to `FILE` at once (one line, flushed and synced), a later run with the same model,
//! parameter set and seed skips the images the file already holds, and the summary covers every
//! image of the sample that the file records — however many runs, keys and machines produced
//! them. Stopping a run loses at most the image in progress. Each record names the build that
//! wrote it (git commit, from the build script) and the machine (CPU model, cores, SIMD level),
//! so that a sample gathered over several builds and hosts says which image came from which;
//! records of builds before these fields lack them.
//!
//! The file is untrusted input like any other: a line that does not parse, a record of another
//! evaluation, a repeated position, or a record that contradicts the test set (index, label or
//! reference prediction) is a one-line error naming the file and the line.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One encrypted image of an evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRecord {
    /// SHA-256 of the model file, hexadecimal.
    pub model_sha256: String,
    /// Name of the parameter set of the run.
    pub params: String,
    /// Seed of the sample's order.
    pub seed: u64,
    /// Position in the seeded sample order (0-based): the first `N` positions are `--encrypted N`.
    pub position: usize,
    /// Index of the image in the test set.
    pub index: usize,
    /// Its label.
    pub label: u8,
    /// The plaintext reference's prediction.
    pub reference: usize,
    /// The prediction decrypted from the encrypted inference.
    pub encrypted: usize,
    /// Whether every decrypted logit equals the reference's.
    pub logits_exact: bool,
    /// Server-side inference time, seconds.
    pub latency_s: f64,
    /// Worker threads of the inference.
    pub threads: usize,
    /// The build that produced the record ([`build_id`]); absent in records written before the
    /// field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// The machine it ran on ([`host_description`]); absent likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// `she <version> (<commit>)`: the package version and the git commit the binary was built
/// from, `+changes` when its sources differed from that commit, `unknown` outside a checkout
/// (the build script `she-nn/build.rs`).
pub fn build_id() -> String {
    format!("she {} ({})", env!("CARGO_PKG_VERSION"), env!("SHE_BUILD"))
}

/// The CPU model (`/proc/cpuinfo` where there is one, else the architecture), its logical
/// cores, and the SIMD level of the kernels in use, e.g. `AMD EPYC, 2 cores, avx2+fma`.
pub fn host_description() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    format!(
        "{model}, {cores} cores, {}",
        tfhe_core::kernels::simd_level()
    )
}

/// What one evaluation is: records of another one in the same file are refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvaluationId {
    /// SHA-256 of the model file, hexadecimal.
    pub model_sha256: String,
    /// Parameter set name.
    pub params: String,
    /// Seed of the sample's order.
    pub seed: u64,
}

impl EvaluationId {
    /// Whether `record` belongs to this evaluation.
    pub fn owns(&self, record: &ImageRecord) -> bool {
        record.model_sha256 == self.model_sha256
            && record.params == self.params
            && record.seed == self.seed
    }
}

/// What a record must agree with: the sample's order and the test set's labels and reference.
pub trait SampleFacts {
    /// Test-set index at sample position `position`.
    fn index_at(&self, position: usize) -> Option<usize>;
    /// Label of test image `index` (`None` past the end of the set).
    fn label(&self, index: usize) -> Option<u8>;
    /// Reference prediction for test image `index` (`None` past the end of the set).
    fn reference(&self, index: usize) -> Option<usize>;
}

/// Reads the records of `path` (none if the file does not exist), checked against `id` and
/// `facts`, ordered by position.
pub fn read_log(
    path: &Path,
    id: &EvaluationId,
    facts: &dyn SampleFacts,
) -> Result<Vec<ImageRecord>, String> {
    match File::open(path) {
        Ok(f) => parse_log(BufReader::new(f), &path.display().to_string(), id, facts),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// [`read_log`] on any reader; `name` names it in errors.
pub fn parse_log(
    reader: impl BufRead,
    name: &str,
    id: &EvaluationId,
    facts: &dyn SampleFacts,
) -> Result<Vec<ImageRecord>, String> {
    let mut records: Vec<ImageRecord> = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let at = || format!("{name} line {}", number + 1);
        let line = line.map_err(|e| format!("{}: {e}", at()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: ImageRecord =
            serde_json::from_str(&line).map_err(|e| format!("{}: {e}", at()))?;
        if !id.owns(&record) {
            return Err(format!(
                "{}: a record of another evaluation (model, parameter set or seed differ); \
                 give this one its own --log file",
                at()
            ));
        }
        let matches = facts.index_at(record.position) == Some(record.index)
            && facts.label(record.index) == Some(record.label)
            && facts.reference(record.index) == Some(record.reference);
        if !matches {
            return Err(format!(
                "{}: the record of position {} does not match the test set (index, label or \
                 reference prediction)",
                at(),
                record.position
            ));
        }
        if records.iter().any(|r| r.position == record.position) {
            return Err(format!(
                "{}: position {} is recorded twice",
                at(),
                record.position
            ));
        }
        records.push(record);
    }
    records.sort_by_key(|r| r.position);
    Ok(records)
}

/// Appends records to a log file, one synced line each.
pub struct LogWriter {
    path: PathBuf,
    file: File,
}

impl LogWriter {
    /// Opens (creating if needed) `path` for appending.
    pub fn open(path: &Path) -> Result<Self, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends `record` as one line and syncs it to disk.
    pub fn append(&mut self, record: &ImageRecord) -> Result<(), String> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| format!("{}: cannot encode a record: {e}", self.path.display()))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test set of 10 images: position `p` holds index `9 − p`, label `i % 10`, reference
    /// `i % 3`.
    struct Facts;

    impl SampleFacts for Facts {
        fn index_at(&self, position: usize) -> Option<usize> {
            (position < 10).then(|| 9 - position)
        }
        fn label(&self, index: usize) -> Option<u8> {
            (index < 10).then_some((index % 10) as u8)
        }
        fn reference(&self, index: usize) -> Option<usize> {
            (index < 10).then_some(index % 3)
        }
    }

    fn id() -> EvaluationId {
        EvaluationId {
            model_sha256: "ab".repeat(32),
            params: "TOY".into(),
            seed: 7,
        }
    }

    fn record(position: usize) -> ImageRecord {
        let index = 9 - position;
        ImageRecord {
            model_sha256: "ab".repeat(32),
            params: "TOY".into(),
            seed: 7,
            position,
            index,
            label: (index % 10) as u8,
            reference: index % 3,
            encrypted: index % 3,
            logits_exact: true,
            latency_s: 1.5,
            threads: 2,
            // Records of older builds carry neither field: odd positions stand for them.
            build: position.is_multiple_of(2).then(build_id),
            host: position.is_multiple_of(2).then(host_description),
        }
    }

    #[test]
    fn build_and_host_are_written_when_known_and_optional_when_read() {
        let with = line(&record(0));
        assert!(
            with.contains(&format!("\"build\":\"{}\"", build_id())),
            "{with}"
        );
        assert!(with.contains("\"host\":\""), "{with}");
        assert!(build_id().starts_with("she ") && build_id().ends_with(')'));
        assert!(host_description().ends_with(tfhe_core::kernels::simd_level()));
        let without = line(&record(1));
        assert!(
            !without.contains("build") && !without.contains("host"),
            "{without}"
        );
        let back: ImageRecord = serde_json::from_str(&without).unwrap();
        assert_eq!((back.build, back.host), (None, None));
    }

    fn write(dir: &Path, lines: &[String]) -> PathBuf {
        let path = dir.join("log.jsonl");
        std::fs::write(&path, lines.join("\n")).unwrap();
        path
    }

    fn line(r: &ImageRecord) -> String {
        serde_json::to_string(r).unwrap()
    }

    #[test]
    fn appended_records_read_back_in_position_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        assert_eq!(read_log(&path, &id(), &Facts).unwrap(), vec![]);
        let mut log = LogWriter::open(&path).unwrap();
        log.append(&record(3)).unwrap();
        log.append(&record(0)).unwrap();
        drop(log);
        // A second writer appends, never truncates.
        LogWriter::open(&path).unwrap().append(&record(1)).unwrap();
        assert_eq!(
            read_log(&path, &id(), &Facts).unwrap(),
            vec![record(0), record(1), record(3)]
        );
    }

    #[test]
    fn damaged_or_foreign_records_are_refused_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = line(&record(0));
        let mut other_seed = record(1);
        other_seed.seed = 8;
        let mut wrong_index = record(1);
        wrong_index.index = 4;
        let mut beyond_the_set = record(9);
        beyond_the_set.position = 11;
        let mut wrong_reference = record(1);
        wrong_reference.reference += 1;
        let cases = [
            (line(&other_seed), "another evaluation"),
            (line(&wrong_index), "does not match the test set"),
            (line(&wrong_reference), "does not match the test set"),
            (good.clone(), "recorded twice"),
            (good[..good.len() / 2].to_string(), "line 2"),
            (
                good.replace("\"seed\"", "\"extra\":1,\"seed\""),
                "unknown field",
            ),
            (line(&beyond_the_set), "does not match the test set"),
        ];
        for (second, expected) in cases {
            let path = write(dir.path(), &[good.clone(), second.clone()]);
            let err = read_log(&path, &id(), &Facts).unwrap_err();
            assert!(err.contains("line 2"), "{err} for {second}");
            assert!(err.contains(expected), "{err} for {second}");
        }
    }
}

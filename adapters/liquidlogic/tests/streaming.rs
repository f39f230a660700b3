//! Large files: 100,000 synthetic children written and read as streams, in bounded memory.
//! Alone in its test binary so that the process's peak memory is this test's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::time::Instant;

use familygraph_adapter_liquidlogic::cin_census::{CensusReader, SchemaYear, synthetic};

const CHILDREN: u32 = 100_000;
const MIB: u64 = 1024 * 1024;

/// The process's peak resident memory (`VmHWM`), where Linux reports it.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Writes the file, then reads it: returns (bytes, seconds writing, seconds reading).
fn write_then_read(path: &std::path::Path, check: bool) -> (u64, f64, f64) {
    let started = Instant::now();
    let file = BufWriter::new(File::create(path).unwrap());
    synthetic::write_file(file, SchemaYear::Y2024, CHILDREN).unwrap();
    let writing = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(path).unwrap().len();

    let started = Instant::now();
    let mut reader = CensusReader::new(BufReader::new(File::open(path).unwrap())).unwrap();
    let mut count = 0u32;
    let mut largest_buffer = 0;
    while let Some(item) = reader.next() {
        let child = item.unwrap();
        count += 1;
        if check {
            assert_eq!(child.la_child_id(), format!("LA-SYN-{count:06}"));
        }
        largest_buffer = largest_buffer.max(reader.buffer_capacity());
    }
    let reading = started.elapsed().as_secs_f64();
    assert_eq!(count, CHILDREN);
    assert_eq!(reader.bytes_read(), bytes);
    // The reader's own buffers hold one tag or text at a time, never a child.
    assert!(
        largest_buffer < 4096,
        "reader buffers grew to {largest_buffer} bytes"
    );
    (bytes, writing, reading)
}

#[test]
fn a_large_file_is_written_and_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("census-2024.xml");
    let (bytes, _, _) = write_then_read(&path, true);
    assert!(bytes > 150 * MIB, "the file is only {bytes} bytes");
    match peak_resident_bytes() {
        // Holding the file, or the children, would take far more than this.
        Some(peak) => assert!(peak < 64 * MIB, "peak resident memory {} MiB", peak / MIB),
        None => eprintln!("SKIPPED the peak memory check: /proc/self/status has no VmHWM"),
    }
}

/// Throughput figures for docs/benchmarks-adapters.md:
/// `cargo test --release -p familygraph-adapter-liquidlogic --test streaming -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check: run it in release mode"]
fn measure_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("census-2024.xml");
    let (bytes, writing, reading) = write_then_read(&path, false);
    let mb = bytes as f64 / 1e6;
    let n = f64::from(CHILDREN);
    println!("file: {CHILDREN} children, {mb:.1} MB");
    println!(
        "write: {writing:.2} s, {:.0} children/s, {:.1} MB/s",
        n / writing,
        mb / writing
    );
    println!(
        "read:  {reading:.2} s, {:.0} children/s, {:.1} MB/s",
        n / reading,
        mb / reading
    );
    if let Some(peak) = peak_resident_bytes() {
        println!("peak resident memory: {:.1} MiB", peak as f64 / MIB as f64);
    }
}

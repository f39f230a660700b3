//! The server's peak resident set size, from `/proc/PID/status`.

/// Resets the peak (`VmHWM`) of `pid` to its current RSS, so the next read is this run's peak.
/// Works for processes this user may write `clear_refs` of; otherwise the peak stays the
/// process's lifetime peak, which is no lower.
pub fn reset_peak(pid: u32) {
    // "5" resets the peak RSS (Linux ≥ 4.0); a failure only means a lifetime peak is read.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// The peak resident set size of `pid` in KiB (`VmHWM`), if it can be read.
pub fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

//! What a run measured, summarised.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

/// One run's figures.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The run's name.
    pub label: String,
    /// `closed` (fixed concurrency) or `open` (fixed arrival rate).
    pub mode: &'static str,
    /// Clients (connections) sending.
    pub concurrency: usize,
    /// Target arrival rate (requests per second), for open runs.
    pub target_rate: Option<f64>,
    /// Measured seconds.
    pub seconds: f64,
    /// Operations answered without error in the measured period.
    pub ok: usize,
    /// Operations that failed (transport error, non-200 status or a GraphQL `errors` entry).
    pub errors: usize,
    /// Successful operations per second.
    pub throughput: f64,
    /// Latency percentiles in milliseconds (successful operations).
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// The server's peak RSS over the run in MiB, when its PID was given.
    pub peak_rss_mib: Option<f64>,
    /// The first error seen, if any.
    pub first_error: Option<String>,
    /// Where to append the JSON line.
    #[serde(skip)]
    pub out: Option<PathBuf>,
}

/// Latencies and errors collected by one client.
#[derive(Debug, Default)]
pub struct Samples {
    /// Latencies of successful operations.
    pub latencies: Vec<Duration>,
    /// Failed operations.
    pub errors: usize,
    /// The first failure's description.
    pub first_error: Option<String>,
}

impl Samples {
    /// Records a failure.
    pub fn error(&mut self, what: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what);
        }
    }

    /// Merges another client's samples into these.
    pub fn merge(&mut self, other: Samples) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// The `q`-quantile (0–1) of sorted latencies in milliseconds (nearest rank).
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

impl Summary {
    /// Summarises `samples` gathered over `seconds`.
    pub fn new(
        label: String,
        mode: &'static str,
        concurrency: usize,
        target_rate: Option<f64>,
        seconds: f64,
        mut samples: Samples,
    ) -> Self {
        samples.latencies.sort_unstable();
        let sorted = &samples.latencies;
        Self {
            label,
            mode,
            concurrency,
            target_rate,
            seconds,
            ok: sorted.len(),
            errors: samples.errors,
            throughput: sorted.len() as f64 / seconds,
            p50_ms: quantile_ms(sorted, 0.50),
            p95_ms: quantile_ms(sorted, 0.95),
            p99_ms: quantile_ms(sorted, 0.99),
            max_ms: quantile_ms(sorted, 1.0),
            peak_rss_mib: None,
            first_error: samples.first_error,
            out: None,
        }
    }

    /// One human-readable line.
    pub fn line(&self) -> String {
        let rate = self
            .target_rate
            .map(|r| format!(" @{r}/s"))
            .unwrap_or_default();
        let rss = self
            .peak_rss_mib
            .map(|m| format!(" rss={m:.1}MiB"))
            .unwrap_or_default();
        let error = self
            .first_error
            .as_deref()
            .map(|e| format!(" first_error={e:?}"))
            .unwrap_or_default();
        format!(
            "{} [{} c={}{}] {:.1} ops/s ok={} errors={} p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms{}{}",
            self.label,
            self.mode,
            self.concurrency,
            rate,
            self.throughput,
            self.ok,
            self.errors,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms,
            rss,
            error
        )
    }

    /// Appends the summary to `path` as one JSON line.
    pub fn append_to(&self, path: &Path) -> anyhow::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(file, "{}", serde_json::to_string(self)?)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile_ms(&sorted, 0.50), 50.0);
        assert_eq!(quantile_ms(&sorted, 0.99), 99.0);
        assert_eq!(quantile_ms(&sorted, 1.0), 100.0);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
    }
}

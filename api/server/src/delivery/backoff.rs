//! Exponential back-off with jitter, capped.

use std::time::Duration;

/// How long to wait before retrying a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failed attempt (before jitter).
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after `attempts` failed attempts (1 for the first): `initial × 2^(attempts−1)`,
    /// capped at `max`, then jittered to between half and all of it so that events failing
    /// together do not all retry at the same instant.
    pub fn delay(&self, attempts: u32) -> Duration {
        let full = self.ceiling(attempts);
        let half = full / 2;
        let spread = full.saturating_sub(half).as_millis() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            rand::Rng::gen_range(&mut rand::thread_rng(), 0..=spread)
        };
        half + Duration::from_millis(jitter)
    }

    /// The un-jittered wait after `attempts` failed attempts.
    pub fn ceiling(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(32);
        self.initial
            .checked_mul(1u32 << exponent.min(31))
            .unwrap_or(self.max)
            .min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter_inside_it() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(2), Duration::from_millis(200));
        assert_eq!(backoff.ceiling(5), Duration::from_millis(1600));
        assert_eq!(backoff.ceiling(6), Duration::from_secs(2));
        assert_eq!(backoff.ceiling(1000), Duration::from_secs(2));
        for attempts in 1..40 {
            let delay = backoff.delay(attempts);
            let ceiling = backoff.ceiling(attempts);
            assert!(
                delay <= ceiling && delay >= ceiling / 2,
                "{attempts}: {delay:?}"
            );
        }
    }
}

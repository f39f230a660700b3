//! Batching by idleness: a batch is sent once the request has nothing more to add to it, not
//! after a fixed delay.
//!
//! A [`Batcher`] collects the keys its resolvers ask for. The first key of a batch starts a
//! task that lets every other ready task of the executor run (`yield_now`) and sends the batch
//! once [`QUIET_ROUNDS`] rounds in a row have added no key: by then each resolver of the level
//! is either waiting on this batch or on something else. A fixed delay (async-graphql's
//! `DataLoader` waits 1 ms on a timer thread) did both things wrong: it added that delay to
//! every level of every query, and under load — when one level's resolvers took longer than the
//! delay to reach their loads — it split the level into several batches.
//!
//! Loads are not cached: each batch asks the database again (the rows' scope may differ
//! between a request's loaders, and a request's loads rarely repeat a key).

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;
use sea_orm::DbErr;
use tokio::sync::oneshot;

use super::LoadError;

/// Executor rounds in a row without a new key before a batch is sent. One round can end
/// before a resolver that yielded mid-level (its task's cooperative budget spent) is polled
/// again; two cannot.
pub const QUIET_ROUNDS: u32 = 2;

/// The most keys one batch holds; more are sent at once, as their own batch.
pub const MAX_BATCH_KEYS: usize = 10_000;

/// What a batch can be keyed by (what async-graphql's [`Loader`] asks of its keys).
pub trait BatchKey: Send + Sync + Hash + Eq + Clone + 'static {}

impl<K: Send + Sync + Hash + Eq + Clone + 'static> BatchKey for K {}

type Answer<K, V> = Result<HashMap<K, V>, LoadError>;

/// A resolver waiting on the batch: the keys it asked for and where its answer goes.
struct Waiter<K, V> {
    keys: Vec<K>,
    answer: oneshot::Sender<Answer<K, V>>,
}

/// The batch being collected.
struct Pending<K, V> {
    keys: HashSet<K>,
    waiters: Vec<Waiter<K, V>>,
    /// Whether a task is waiting to send this batch.
    sending: bool,
    /// How many batches were taken before this one: a waiting task sends only the batch it
    /// was started for, not one begun after that batch was sent for its size.
    generation: u64,
}

struct Shared<K: BatchKey, L: Loader<K>> {
    loader: L,
    pending: Mutex<Pending<K, L::Value>>,
}

/// Batches the loads of one [`Loader`] within a request (see the module documentation).
pub struct Batcher<K: BatchKey, L: Loader<K>> {
    shared: Arc<Shared<K, L>>,
}

impl<K, L> Batcher<K, L>
where
    K: BatchKey,
    L: Loader<K, Error = LoadError>,
{
    /// A batcher over `loader`.
    pub fn new(loader: L) -> Self {
        Self {
            shared: Arc::new(Shared {
                loader,
                pending: Mutex::new(Pending {
                    keys: HashSet::new(),
                    waiters: Vec::new(),
                    sending: false,
                    generation: 0,
                }),
            }),
        }
    }

    /// The loader this batcher sends batches to.
    pub fn loader(&self) -> &L {
        &self.shared.loader
    }

    /// What the loader holds for `key` (`None`: nothing).
    pub async fn load_one(&self, key: K) -> Result<Option<L::Value>, LoadError> {
        let mut found = self.load_many([key.clone()]).await?;
        Ok(found.remove(&key))
    }

    /// What the loader holds for each of `keys` that has anything.
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, L::Value>, LoadError> {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let (answer, answered) = oneshot::channel();
        let action = {
            let mut pending = self.shared.pending();
            pending.keys.extend(keys.iter().cloned());
            pending.waiters.push(Waiter { keys, answer });
            if pending.keys.len() >= MAX_BATCH_KEYS {
                Some(Action::SendNow(pending.take()))
            } else if !pending.sending {
                pending.sending = true;
                Some(Action::SendWhenQuiet(pending.generation))
            } else {
                None
            }
        };
        match action {
            Some(Action::SendNow(batch)) => {
                self.spawn(Shared::send(Arc::clone(&self.shared), batch))
            }
            Some(Action::SendWhenQuiet(generation)) => self.spawn(Shared::send_when_quiet(
                Arc::clone(&self.shared),
                generation,
            )),
            None => {}
        }
        answered.await.unwrap_or_else(|_| {
            Err(Arc::new(DbErr::Custom(
                "a batch stopped before it answered".to_owned(),
            )))
        })
    }

    /// Runs `task` in its own task, in the span of the resolver that started it.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        tokio::spawn(tracing::Instrument::in_current_span(task));
    }
}

/// What a load does after adding its keys to the batch.
enum Action<K, V> {
    /// Send this batch at once (it holds the most keys a batch may).
    SendNow((HashSet<K>, Vec<Waiter<K, V>>)),
    /// Start a task that sends the batch of this generation once the executor is quiet.
    SendWhenQuiet(u64),
}

impl<K, V> Pending<K, V> {
    /// The batch collected so far; the next key starts a new one.
    fn take(&mut self) -> (HashSet<K>, Vec<Waiter<K, V>>) {
        self.sending = false;
        self.generation += 1;
        (
            std::mem::take(&mut self.keys),
            std::mem::take(&mut self.waiters),
        )
    }
}

impl<K, L> Shared<K, L>
where
    K: BatchKey,
    L: Loader<K, Error = LoadError>,
{
    fn pending(&self) -> std::sync::MutexGuard<'_, Pending<K, L::Value>> {
        match self.pending.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Waits until the executor has run [`QUIET_ROUNDS`] rounds without adding a key, then
    /// sends the batch of `generation` (unless it was sent already for its size).
    async fn send_when_quiet(self: Arc<Self>, generation: u64) {
        let mut seen = usize::MAX;
        let mut quiet = 0;
        loop {
            let now = {
                let pending = self.pending();
                if pending.generation != generation {
                    // Sent already, because it grew to the most keys a batch holds; a later
                    // batch has its own task.
                    return;
                }
                pending.keys.len()
            };
            if now == seen {
                quiet += 1;
                if quiet >= QUIET_ROUNDS {
                    break;
                }
            } else {
                seen = now;
                quiet = 0;
            }
            tokio::task::yield_now().await;
        }
        let batch = self.pending().take();
        self.send(batch).await;
    }

    /// Loads `keys` and answers each waiter with the part it asked for.
    async fn send(self: Arc<Self>, (keys, waiters): (HashSet<K>, Vec<Waiter<K, L::Value>>)) {
        if waiters.is_empty() {
            return;
        }
        let keys: Vec<K> = keys.into_iter().collect();
        let loaded = self.loader.load(&keys).await;
        for waiter in waiters {
            let answer = match &loaded {
                Ok(values) => Ok(waiter
                    .keys
                    .iter()
                    .filter_map(|key| values.get(key).map(|value| (key.clone(), value.clone())))
                    .collect()),
                Err(error) => Err(Arc::clone(error)),
            };
            // A resolver that stopped waiting (its request ended) needs no answer.
            let _ = waiter.answer.send(answer);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use async_graphql::dataloader::Loader;

    use super::{Batcher, LoadError, MAX_BATCH_KEYS};

    /// Answers each key with its double and records the size of every batch it was sent.
    #[derive(Default)]
    struct Doubling {
        batches: Mutex<Vec<usize>>,
    }

    impl Loader<u32> for Doubling {
        type Value = u64;
        type Error = LoadError;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u64>, LoadError> {
            self.batches.lock().unwrap().push(keys.len());
            Ok(keys.iter().map(|&k| (k, u64::from(k) * 2)).collect())
        }
    }

    fn batches(batcher: &Batcher<u32, Doubling>) -> Vec<usize> {
        batcher.loader().batches.lock().unwrap().clone()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn loads_of_one_level_share_one_batch() {
        let batcher = Arc::new(Batcher::new(Doubling::default()));
        let loads = (0..50u32).map(|key| {
            let batcher = Arc::clone(&batcher);
            tokio::spawn(async move {
                // Resolvers of one level reach their loads a little apart.
                for _ in 0..key % 2 {
                    tokio::task::yield_now().await;
                }
                batcher.load_one(key).await
            })
        });
        for (key, load) in (0..50u32).zip(loads.collect::<Vec<_>>()) {
            assert_eq!(load.await.unwrap().unwrap(), Some(u64::from(key) * 2));
        }
        assert_eq!(batches(&batcher), vec![50]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_batch_at_its_size_goes_at_once_and_the_next_keys_start_their_own() {
        let batcher = Arc::new(Batcher::new(Doubling::default()));
        let first = {
            let batcher = Arc::clone(&batcher);
            tokio::spawn(async move { batcher.load_one(u32::MAX).await })
        };
        tokio::task::yield_now().await;
        let many = batcher
            .load_many(0..MAX_BATCH_KEYS as u32 - 1)
            .await
            .unwrap();
        assert_eq!(many.len(), MAX_BATCH_KEYS - 1);
        assert_eq!(first.await.unwrap().unwrap(), Some(u64::from(u32::MAX) * 2));
        // Later keys, arriving a round apart, still make one batch of their own.
        let later = (0..3u32).map(|n| {
            let batcher = Arc::clone(&batcher);
            tokio::spawn(async move {
                for _ in 0..n {
                    tokio::task::yield_now().await;
                }
                batcher.load_one(MAX_BATCH_KEYS as u32 + n).await
            })
        });
        for load in later.collect::<Vec<_>>() {
            assert!(load.await.unwrap().unwrap().is_some());
        }
        assert_eq!(batches(&batcher), vec![MAX_BATCH_KEYS, 3]);
    }
}

//! The batch's limit on concurrent agent calls (as an LLM rate limit would impose).
//!
//! A FIFO semaphore serves waiting calls in arrival order, so a batch ends with a few breaks
//! running their last agents one after another while the other slots idle. This gate serves the
//! waiting call with the longest expected chain still ahead of it first (ties in arrival order):
//! the list-scheduling rule the executor already uses inside one break, applied across the batch.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// At most `limit` permits out at once; waiting calls are granted by priority.
///
/// ```
/// use reconagent_engine::gate::CallGate;
///
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// rt.block_on(async {
///     let gate = CallGate::new(2);
///     let a = gate.acquire(10).await;
///     let _b = gate.acquire(5).await;
///     assert_eq!(gate.available(), 0, "two calls in flight, the limit");
///     drop(a);
///     assert_eq!(gate.available(), 1, "a permit returns when dropped");
/// });
/// ```
pub struct CallGate {
    state: Mutex<State>,
}

struct State {
    free: usize,
    waiting: BinaryHeap<Waiter>,
    arrivals: u64,
}

struct Waiter {
    priority: u64,
    arrival: u64,
    grant: oneshot::Sender<CallPermit>,
}

impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.cmp(&other.priority).then_with(|| other.arrival.cmp(&self.arrival))
    }
}
impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Waiter {}

/// One slot; dropping it hands the slot to the next waiting call, or frees it.
pub struct CallPermit {
    /// None once the slot has been handed on or returned, so it is released exactly once.
    gate: Option<Arc<CallGate>>,
}

impl Drop for CallPermit {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

impl CallGate {
    pub fn new(limit: usize) -> Arc<CallGate> {
        Arc::new(CallGate { state: Mutex::new(State { free: limit.max(1), waiting: BinaryHeap::new(), arrivals: 0 }) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a counter and a heap, consistent after every statement: a panic elsewhere
        // while it was held leaves nothing half-done.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot. `priority`: the call's expected chain ahead, in ms; higher goes first.
    ///
    /// # Cancel safety
    /// Dropping the future while it waits gives up its place; a slot granted to it at that moment
    /// passes to the next waiting call.
    pub async fn acquire(self: &Arc<Self>, priority: u64) -> CallPermit {
        let granted = {
            let mut s = self.lock();
            if s.free > 0 && s.waiting.is_empty() {
                s.free -= 1;
                return CallPermit { gate: Some(self.clone()) };
            }
            let (grant, granted) = oneshot::channel();
            s.arrivals += 1;
            let arrival = s.arrivals;
            s.waiting.push(Waiter { priority, arrival, grant });
            granted
        };
        granted.await.expect("a waiter is only dropped after it was granted a slot")
    }

    fn release(self: Arc<Self>) {
        loop {
            let next = {
                let mut s = self.lock();
                match s.waiting.pop() {
                    Some(w) => w,
                    None => {
                        s.free += 1;
                        return;
                    }
                }
            };
            // A waiter whose call was dropped no longer listens: try the next one.
            match next.grant.send(CallPermit { gate: Some(self.clone()) }) {
                Ok(()) => return,
                Err(mut unclaimed) => {
                    unclaimed.gate = None;
                }
            }
        }
    }

    /// Slots not held by any call.
    pub fn available(&self) -> usize {
        self.lock().free
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn waiting_calls_are_granted_longest_chain_first_ties_in_arrival_order() {
        let gate = CallGate::new(1);
        let held = gate.acquire(0).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [("short", 100), ("long", 900), ("long-later", 900), ("middle", 500)] {
            let (gate, order) = (gate.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire(priority).await;
                order.lock().unwrap().push(name);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }));
            tokio::task::yield_now().await; // each reaches the gate before the next is spawned
        }
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["long", "long-later", "middle", "short"]);
        assert_eq!(gate.available(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_dropped_while_waiting_loses_no_slot() {
        let gate = CallGate::new(2);
        let a = gate.acquire(1).await;
        let b = gate.acquire(1).await;
        // Two waiters; the first is dropped before any slot frees, the second after its grant
        // was sent but before it ran.
        let dropped_early = tokio::spawn({
            let gate = gate.clone();
            async move { gate.acquire(9).await }
        });
        tokio::task::yield_now().await;
        dropped_early.abort();
        let _ = dropped_early.await;
        let mut granted_then_dropped = Box::pin(gate.acquire(5));
        assert!(futures::poll!(granted_then_dropped.as_mut()).is_pending());
        drop(a); // goes past the aborted waiter to this one
        drop(granted_then_dropped); // the permit inside the channel is released
        drop(b);
        assert_eq!(gate.available(), 2);
        let (_x, _y) = (gate.acquire(0).await, gate.acquire(0).await);
        assert_eq!(gate.available(), 0);
    }
}

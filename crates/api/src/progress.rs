//! Progress of long work, one way for every caller: the app's events, the CLI's bar, a test.

use crate::dto::{Progress, Task};
use std::time::Instant;

/// Turns "done of total" into a [`Progress`] report with an ETA from the rate so far: the one
/// place that arithmetic lives.
///
/// ```
/// let t = reconagent_api::progress::Tracker::new(reconagent_api::dto::Task::Import);
/// let p = t.report(0, 10, "reading");
/// assert_eq!((p.done, p.total, p.eta_seconds), (0, 10, 0.0), "no rate yet, no estimate");
/// ```
pub struct Tracker {
    task: Task,
    started: Instant,
}

impl Tracker {
    /// Starts the clock for `task` (its name as the progress events carry it).
    pub fn new(task: Task) -> Tracker {
        Tracker { task, started: Instant::now() }
    }

    /// The report for `done` of `total`, working on `current`.
    pub fn report(&self, done: usize, total: usize, current: &str) -> Progress {
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = if done > 0 { elapsed / done as f64 * total.saturating_sub(done) as f64 } else { 0.0 };
        Progress { task: self.task, done: done as i32, total: total as i32, current: current.to_string(), eta_seconds: eta }
    }

    /// Seconds since the work started.
    pub fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

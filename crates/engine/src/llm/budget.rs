//! Hard budgets and pacing for model calls.
//!
//! Before a call, its worst case (the prompt's estimated tokens plus `max_tokens` of answer, at
//! the model's price) is reserved against the break's, the batch's and the day's budgets; a
//! call whose worst case does not fit is not made. After the call the reservation is settled
//! at the measured cost. So the sum of measured costs never exceeds a budget, whatever the
//! concurrency.

use super::Budgets;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Default)]
struct Spent {
    batch: Decimal,
    day: Decimal,
    day_of: Option<NaiveDate>,
}

/// The batch's and the day's spending, shared by every model call of a batch.
#[derive(Debug)]
pub struct BudgetTracker {
    limits: Budgets,
    spent: Mutex<Spent>,
}

/// A reservation; settle it with [`BudgetTracker::settle`].
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    amount: Decimal,
}

impl BudgetTracker {
    /// `day_spent` is what today's earlier batches spent (from the store).
    pub fn new(limits: Budgets, day_spent: Decimal) -> BudgetTracker {
        BudgetTracker { limits, spent: Mutex::new(Spent { batch: Decimal::ZERO, day: day_spent, day_of: Some(Utc::now().date_naive()) }) }
    }

    pub fn limits(&self) -> Budgets {
        self.limits
    }

    /// Reserves `worst` for a call of a break that has spent `break_spent` so far.
    ///
    /// # Errors
    /// Which budget it could exceed, in words.
    pub fn reserve(&self, break_spent: Decimal, worst: Decimal) -> Result<Reservation, String> {
        let mut s = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        let today = Utc::now().date_naive();
        if s.day_of != Some(today) {
            (s.day, s.day_of) = (Decimal::ZERO, Some(today));
        }
        let over = |limit: Option<Decimal>, spent: Decimal, name: &str| -> Option<String> {
            let limit = limit?;
            let after = spent.checked_add(worst).unwrap_or(Decimal::MAX);
            (after > limit).then(|| {
                format!(
                    "budget: the {name} budget {} would be exceeded ({} spent, this call up to {})",
                    limit.normalize(),
                    spent.normalize(),
                    worst.normalize()
                )
            })
        };
        if let Some(why) = over(self.limits.per_break, break_spent, "per-break")
            .or_else(|| over(self.limits.per_batch, s.batch, "per-batch"))
            .or_else(|| over(self.limits.per_day, s.day, "per-day"))
        {
            return Err(why);
        }
        s.batch = s.batch.saturating_add(worst);
        s.day = s.day.saturating_add(worst);
        Ok(Reservation { amount: worst })
    }

    /// Replaces a reservation by what the call cost.
    pub fn settle(&self, r: Reservation, cost: Decimal) {
        let mut s = self.spent.lock().unwrap_or_else(|p| p.into_inner());
        s.batch = s.batch.saturating_sub(r.amount).saturating_add(cost);
        s.day = s.day.saturating_sub(r.amount).saturating_add(cost);
    }

    /// What the batch has spent (reservations in flight included).
    pub fn batch_spent(&self) -> Decimal {
        self.spent.lock().unwrap_or_else(|p| p.into_inner()).batch
    }
}

/// Tokens per minute: a call waits until the last minute's tokens plus its own fit.
#[derive(Debug)]
pub struct TokensPerMinute {
    limit: u64,
    window: tokio::sync::Mutex<VecDeque<(Instant, u64)>>,
}

impl TokensPerMinute {
    pub fn new(limit: u64) -> TokensPerMinute {
        TokensPerMinute { limit: limit.max(1), window: tokio::sync::Mutex::new(VecDeque::new()) }
    }

    /// Waits until `tokens` fit in the last minute, then counts them. A single call larger than
    /// the limit goes alone once the window is empty.
    pub async fn acquire(&self, tokens: u64) {
        loop {
            let mut w = self.window.lock().await;
            let now = Instant::now();
            while w.front().is_some_and(|(t, _)| now.duration_since(*t) >= Duration::from_secs(60)) {
                w.pop_front();
            }
            let used: u64 = w.iter().map(|(_, n)| n).sum();
            if w.is_empty() || used + tokens <= self.limit {
                w.push_back((now, tokens));
                return;
            }
            let wake = w.front().map(|(t, _)| *t + Duration::from_secs(60)).unwrap_or(now);
            drop(w);
            tokio::time::sleep_until(wake).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_call_that_could_exceed_a_budget_is_refused_and_settling_frees_the_rest() {
        let b = BudgetTracker::new(Budgets { per_break: Some(dec!(0.05)), per_batch: Some(dec!(0.10)), per_day: Some(dec!(1)) }, dec!(0.95));
        // the day has 0.05 left
        let r = b.reserve(dec!(0), dec!(0.04)).unwrap();
        assert!(b.reserve(dec!(0), dec!(0.02)).unwrap_err().contains("per-day"));
        b.settle(r, dec!(0.01));
        let r2 = b.reserve(dec!(0), dec!(0.03)).unwrap();
        b.settle(r2, dec!(0.03));
        assert!(b.reserve(dec!(0.04), dec!(0.02)).unwrap_err().contains("per-break"));
        assert_eq!(b.batch_spent(), dec!(0.04));
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_waits_for_the_window() {
        let t = TokensPerMinute::new(100);
        let t0 = Instant::now();
        t.acquire(60).await;
        t.acquire(40).await;
        assert_eq!(t0.elapsed(), Duration::ZERO);
        t.acquire(10).await;
        assert!(t0.elapsed() >= Duration::from_secs(60), "{:?}", t0.elapsed());
    }
}

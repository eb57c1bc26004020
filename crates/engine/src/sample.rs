//! The seeded sample-break generator. `data/sample_breaks.{csv,json}` are its output for
//! seed 42 and 400 breaks (a test regenerates and compares them); benchmarks use it for
//! larger batches.

use crate::model::{Break, BreakType, RiskTier, SideRecord};
use crate::refdata::ReferenceData;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

/// The seed and size of the committed sample set.
pub const SAMPLE_SEED: u64 = 42;
pub const SAMPLE_COUNT: usize = 400;

/// The committed sample set (`data/sample_breaks.csv`), embedded so every front end can load it.
pub const BUNDLED_SAMPLE_CSV: &str = include_str!("../../../data/sample_breaks.csv");

/// The bundled sample breaks.
pub fn bundled_breaks() -> Vec<Break> {
    crate::import::parse_bytes(BUNDLED_SAMPLE_CSV.as_bytes(), "sample_breaks.csv").expect("the bundled sample parses: a test loads it").breaks
}

/// The time the sample set is anchored to: breaks were detected in the days before it.
/// Run the sample "as of" this time to reproduce the README's figures.
pub fn sample_as_of() -> DateTime<Utc> {
    "2026-11-21T00:00:00Z".parse().expect("a valid constant")
}

/// The bundled sample moved in time so that `now` is, to its breaks, what [`sample_as_of`] was:
/// detection times shift by `now - sample_as_of` (whole seconds), trade and settlement dates by
/// the same number of whole days. A demo loaded on any day is a normal day: the ages, tiers,
/// SLA clocks and decisions of the README's figures, not a sample that has aged into CRITICAL.
pub fn bundled_breaks_as_of(now: DateTime<Utc>) -> Vec<Break> {
    let mut breaks = bundled_breaks();
    for b in &mut breaks {
        shift(b, now - sample_as_of());
    }
    breaks
}

/// Moves every date of `b` by `by`: its detection time exactly (to the second), its dates
/// (trade, both settlements) by the whole days `by` spans.
pub fn shift(b: &mut Break, by: Duration) {
    let by = Duration::seconds(by.num_seconds());
    let days = Duration::days(by.num_days());
    let move_date = |d: &mut Option<NaiveDate>| {
        if let Some(x) = d.as_mut() {
            *x = x.checked_add_signed(days).unwrap_or(*x);
        }
    };
    if let Some(t) = b.detected_at.as_mut() {
        *t = t.checked_add_signed(by).unwrap_or(*t);
    }
    move_date(&mut b.trade_date);
    move_date(&mut b.internal.settle_date);
    move_date(&mut b.external.settle_date);
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scenario {
    WithinTolerance,
    TimingDifference,
    FxRounding,
    Mismatch,
    MissingCounterpart,
}

/// (type, tier, weight). Weights are the share of each combination in a generated set.
const MIX: &[(&str, RiskTier, u32)] = &[
    ("TRADE_OMS_MISMATCH", RiskTier::Low, 35),
    ("TRADE_OMS_MISMATCH", RiskTier::Medium, 30),
    ("TRADE_OMS_MISMATCH", RiskTier::High, 20),
    ("TRADE_OMS_MISMATCH", RiskTier::Critical, 10),
    ("CASH_RECONCILIATION", RiskTier::Low, 40),
    ("CASH_RECONCILIATION", RiskTier::Medium, 30),
    ("CASH_RECONCILIATION", RiskTier::High, 18),
    ("CASH_RECONCILIATION", RiskTier::Critical, 4),
    ("BROKER_VS_INTERNAL", RiskTier::Low, 30),
    ("BROKER_VS_INTERNAL", RiskTier::Medium, 25),
    ("BROKER_VS_INTERNAL", RiskTier::High, 15),
    ("PNL_RECONCILIATION", RiskTier::Low, 25),
    ("PNL_RECONCILIATION", RiskTier::Medium, 20),
    ("PNL_RECONCILIATION", RiskTier::High, 15),
    ("REGULATORY_DATA", RiskTier::Low, 12),
    ("REGULATORY_DATA", RiskTier::High, 20),
    ("REGULATORY_DATA", RiskTier::Critical, 12),
    ("CORPORATE_ACTIONS", RiskTier::Low, 10),
    ("CORPORATE_ACTIONS", RiskTier::Medium, 8),
    ("COLLATERAL_MARGIN", RiskTier::High, 8),
    ("COLLATERAL_MARGIN", RiskTier::Critical, 3),
];

fn asset_class_for(ty: &str, rng: &mut ChaCha8Rng) -> &'static str {
    let choices: &[&str] = match ty {
        "CASH_RECONCILIATION" => &["CASH"],
        "TRADE_OMS_MISMATCH" => &["EQUITY", "EQUITY", "FIXED_INCOME"],
        "BROKER_VS_INTERNAL" => &["EQUITY", "DERIVATIVE"],
        "PNL_RECONCILIATION" => &["DERIVATIVE", "FX", "EQUITY"],
        "REGULATORY_DATA" => &["FIXED_INCOME", "EQUITY"],
        _ => &["DERIVATIVE", "FIXED_INCOME"],
    };
    choices[rng.random_range(0..choices.len())]
}

fn money(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> Decimal {
    // Drawn on a log scale so small and large amounts both appear; cents are exact.
    let x = (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp();
    Decimal::new((x * 100.0).round() as i64, 2)
}

/// Generates `count` breaks from `seed`; the same inputs always give the same breaks.
pub fn generate(seed: u64, count: usize, refdata: &ReferenceData) -> Vec<Break> {
    generate_from(seed, 0, count, refdata)
}

/// As [`generate`], numbering ids from `first + 1`, so large sets can be made a chunk at a time
/// (use a different seed per chunk).
pub fn generate_from(seed: u64, first: usize, count: usize, refdata: &ReferenceData) -> Vec<Break> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total: u32 = MIX.iter().map(|m| m.2).sum();
    let mut instruments: Vec<(&String, &crate::refdata::Instrument)> = refdata.instruments.iter().collect();
    instruments.sort_by(|a, b| a.0.cmp(b.0));
    let mut counterparties: Vec<&String> = refdata.counterparties.keys().collect();
    counterparties.sort();
    let currencies = ["USD", "USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY", "CHF", "CAD"];
    let anchor = sample_as_of() - Duration::hours(6);
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let mut pick = rng.random_range(0..total);
        let &(ty, tier, _) = MIX
            .iter()
            .find(|m| {
                if pick < m.2 {
                    true
                } else {
                    pick -= m.2;
                    false
                }
            })
            .expect("pick < total");
        let asset_class = asset_class_for(ty, &mut rng);
        let currency = if asset_class == "CASH" && rng.random_bool(0.5) { "USD" } else { currencies[rng.random_range(0..currencies.len())] };
        let fx = refdata.fx_rate(currency).unwrap_or(Decimal::ONE);
        let (lo, hi) = match tier {
            RiskTier::Low => (1.0, 8_000.0),
            RiskTier::Medium => (12_000.0, 200_000.0),
            RiskTier::High => (300_000.0, 800_000.0),
            RiskTier::Critical => (1_300_000.0, 9_000_000.0),
        };
        let exposure = money(&mut rng, lo, hi);
        let mult = match asset_class {
            "FIXED_INCOME" => Decimal::new(12, 1),
            "FX" => Decimal::new(8, 1),
            "DERIVATIVE" => Decimal::new(15, 1),
            _ => Decimal::ONE,
        };
        let diff = (exposure / fx / mult).round_dp(2).max(Decimal::new(1, 2));
        let scenario = {
            let explained_share = match tier {
                RiskTier::Low => 0.75,
                RiskTier::Medium => 0.55,
                RiskTier::High => 0.3,
                RiskTier::Critical => 0.1,
            };
            if rng.random_bool(explained_share) {
                match rng.random_range(0..10) {
                    0..=5 => Scenario::WithinTolerance,
                    6..=8 => Scenario::TimingDifference,
                    _ if currency != "USD" => Scenario::FxRounding,
                    _ => Scenario::WithinTolerance,
                }
            } else if rng.random_bool(0.12) {
                Scenario::MissingCounterpart
            } else {
                Scenario::Mismatch
            }
        };
        let sign = if rng.random_bool(0.5) { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
        let trade_date = NaiveDate::from_ymd_opt(2026, 11, 2).expect("valid") + Duration::days(rng.random_range(0..16));
        let settle = trade_date + Duration::days(2);
        // Mostly recent; one in twelve is old enough to be escalated by age.
        let age_hours = if rng.random_bool(1.0 / 12.0) { rng.random_range(11 * 24..40 * 24) } else { rng.random_range(0..7 * 24) };
        let detected_at = anchor - Duration::hours(age_hours);
        let quantity = Decimal::from(rng.random_range(1..500) * 100);
        let (amount, internal, external) = match scenario {
            Scenario::WithinTolerance | Scenario::FxRounding => {
                // a side large enough that the difference is within 5 bp of it
                let side = (diff * Decimal::from(2000 + rng.random_range(100..4000))).round_dp(2);
                let d = diff * sign;
                (d, side + d, side)
            }
            Scenario::TimingDifference => {
                let side = diff;
                (diff, side, side)
            }
            Scenario::Mismatch | Scenario::MissingCounterpart => {
                let side = (diff * Decimal::from(rng.random_range(2..40))).round_dp(2);
                let d = diff * sign;
                (d, side + d, side)
            }
        };
        let price = (internal / quantity).round_dp(4);
        let reference = format!("T{:07}", rng.random_range(0..10_000_000));
        let int_side =
            SideRecord { reference: Some(reference.clone()), amount: Some(internal), quantity: Some(quantity), price: Some(price), settle_date: Some(settle) };
        let ext_side = match scenario {
            Scenario::MissingCounterpart => SideRecord::default(),
            Scenario::TimingDifference => SideRecord {
                reference: Some(reference),
                amount: Some(external),
                quantity: Some(quantity),
                price: Some(price),
                settle_date: Some(settle + Duration::days(rng.random_range(1..=2))),
            },
            Scenario::Mismatch => SideRecord {
                reference: Some(if rng.random_bool(0.3) { format!("X{:07}", rng.random_range(0..10_000_000)) } else { reference }),
                amount: Some(external),
                quantity: Some(if rng.random_bool(0.5) { quantity + Decimal::from(100) } else { quantity }),
                price: Some((external / quantity).round_dp(4)),
                settle_date: Some(settle),
            },
            _ => SideRecord {
                reference: Some(reference),
                amount: Some(external),
                quantity: Some(quantity),
                price: Some((external / quantity).round_dp(4)),
                settle_date: Some(settle),
            },
        };
        let instrument = instruments.iter().filter(|(_, i)| i.asset_class == asset_class).map(|(id, _)| (*id).clone()).nth(rng.random_range(0..3));
        let description = match scenario {
            Scenario::WithinTolerance => "Small difference against the counterparty's record",
            Scenario::TimingDifference => "Settled on different dates on each side",
            Scenario::FxRounding => "Difference after currency conversion",
            Scenario::Mismatch => "Amounts disagree beyond tolerance",
            Scenario::MissingCounterpart => "No matching record on the external side",
        };
        out.push(Break {
            break_id: format!("BRK-{:05}", first + n + 1),
            break_type: BreakType::parse(ty),
            asset_class: Some(asset_class.to_string()),
            amount,
            currency: currency.to_string(),
            trade_date: Some(trade_date),
            detected_at: Some(detected_at),
            counterparty: Some(counterparties[rng.random_range(0..counterparties.len())].clone()),
            account: Some(format!("ACC-{:03}", rng.random_range(1..40))),
            instrument_id: if asset_class == "CASH" { None } else { instrument },
            description: Some(description.to_string()),
            internal: int_side,
            external: ext_side,
        });
    }
    out
}

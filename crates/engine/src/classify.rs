//! The classifier: a break and reference data in, a [`BreakProfile`] out. Every threshold comes
//! from the policy file's `classifier` section.

use crate::model::{Break, BreakProfile, BreakType, ExposureBasis, RiskTier, RoutingHint};
use crate::policy::ClassifierConfig;
use crate::refdata::ReferenceData;
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Classifies `brk` as of `as_of` (its age is `as_of - detected_at`).
pub fn classify(brk: &Break, refdata: &ReferenceData, config: &ClassifierConfig, as_of: DateTime<Utc>) -> BreakProfile {
    let mut hints = Vec::new();
    let asset_class = brk
        .asset_class
        .clone()
        .or_else(|| brk.instrument_id.as_ref().and_then(|i| refdata.instruments.get(i)).map(|i| i.asset_class.clone()))
        .unwrap_or_else(|| "UNKNOWN".to_string());
    let multiplier = config.asset_class_multipliers.get(&asset_class).copied().unwrap_or(Decimal::ONE);
    let fx = refdata.fx_rate(&brk.currency);
    let abs_amount = brk.amount.abs();
    // The larger of the declared amount and the sides' difference: a break whose records
    // disagree with its declared amount is routed by what is at stake, not by what it says.
    // Checked arithmetic: an amount too large to convert is unmeasurable and treated as CRITICAL.
    let sides = brk.internal.amount.zip(brk.external.amount).map(|(i, e)| i.checked_sub(e).map(|d| d.abs()));
    let (amount, mut basis) = match sides {
        Some(None) => (abs_amount, ExposureBasis::Unmeasurable),
        Some(Some(d)) if d > abs_amount => (d, ExposureBasis::SidesDifference),
        _ => (abs_amount, ExposureBasis::Declared),
    };
    let exposure_base_abs = amount.checked_mul(fx.unwrap_or(Decimal::ONE));
    let exposure = match exposure_base_abs.and_then(|a| a.checked_mul(multiplier)) {
        Some(e) if basis != ExposureBasis::Unmeasurable => e.round_dp(2),
        _ => {
            basis = ExposureBasis::Unmeasurable;
            Decimal::MAX
        }
    };

    let mut exposure_tier = RiskTier::Low;
    for (tier, threshold) in &config.tier_thresholds {
        if exposure >= *threshold {
            exposure_tier = *tier;
        }
    }
    let mut tier = exposure_tier;
    if basis == ExposureBasis::Unmeasurable {
        hints.push(RoutingHint::ExposureUnmeasurable);
        tier = RiskTier::Critical;
    }
    if fx.is_none() {
        // Unknown exposure is treated as material: never route it through a LOW plan.
        hints.push(RoutingHint::NoFxRate);
        tier = tier.max(RiskTier::High);
    }
    let age_days = brk.detected_at.map(|d| (as_of - d).num_days().max(0)).unwrap_or(0);
    if let Some(step) = config.age_step(age_days) {
        tier = tier.raised(step.raise_tiers);
    }
    if config.age_escalation.last().is_some_and(|s| age_days >= i64::from(s.days)) {
        hints.push(RoutingHint::Stale);
    }
    if let Some(min) = config.minimum_tier.get(brk.break_type.as_str()) {
        tier = tier.max(*min);
    }

    let tol = &config.tolerance;
    if fx.is_some() && basis != ExposureBasis::Unmeasurable && exposure_base_abs.is_some_and(|a| a <= tol.absolute) {
        hints.push(RoutingHint::SmallAbsoluteDifference);
    }
    if let (Some(i), Some(e)) = (brk.internal.amount, brk.external.amount) {
        let dates_differ = match (brk.internal.settle_date, brk.external.settle_date) {
            (Some(a), Some(b)) => (a - b).num_days().abs() <= i64::from(tol.timing_days) && a != b,
            _ => false,
        };
        if i == e && dates_differ {
            hints.push(RoutingHint::LikelyTimingDifference);
        }
        let foreign_amount = i.abs().max(e.abs());
        let rounding_limit = foreign_amount.checked_mul(tol.fx_rounding).map(|x| x / Decimal::ONE_HUNDRED);
        if brk.currency != config.base_currency && !abs_amount.is_zero() && rounding_limit.is_some_and(|l| abs_amount <= l) {
            hints.push(RoutingHint::PossibleFxRounding);
        }
    }
    if brk.internal.is_empty() != brk.external.is_empty() {
        hints.push(RoutingHint::MissingCounterpart);
    }
    if matches!(brk.break_type, BreakType::Other(_)) {
        hints.push(RoutingHint::UnknownBreakType);
    }
    hints.sort();

    BreakProfile {
        break_id: brk.break_id.clone(),
        break_type: brk.break_type.clone(),
        asset_class,
        exposure,
        exposure_basis: basis,
        base_currency: config.base_currency.clone(),
        exposure_tier,
        tier,
        age_days,
        materiality: materiality(exposure, config.critical_threshold()),
        urgency: urgency(tier, age_days, brk, as_of),
        hints,
    }
}

/// 0..=100 on a log scale: 1 unit of base currency is 0, the CRITICAL threshold is 100.
fn materiality(exposure: Decimal, critical: Decimal) -> u8 {
    let e = exposure.to_f64().unwrap_or(0.0);
    let c = critical.to_f64().unwrap_or(1.0).max(10.0);
    if e <= 1.0 {
        return 0;
    }
    ((e.ln() / c.ln()) * 100.0).clamp(0.0, 100.0).round() as u8
}

/// 0..=100: tier sets the base, age and an imminent settlement add to it.
fn urgency(tier: RiskTier, age_days: i64, brk: &Break, as_of: DateTime<Utc>) -> u8 {
    let base = [10i64, 30, 55, 80][tier.rank() as usize];
    let age = (age_days * 2).min(20);
    let settle = [brk.internal.settle_date, brk.external.settle_date]
        .into_iter()
        .flatten()
        .map(|d| (d - as_of.date_naive()).num_days())
        .min()
        .map(|days| {
            if days <= 1 {
                10
            } else if days <= 3 {
                5
            } else {
                0
            }
        })
        .unwrap_or(0);
    (base + age + settle).clamp(0, 100) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SideRecord;
    use crate::policy::PolicySet;
    use rust_decimal_macros::dec;

    fn cash(amount: Decimal, currency: &str) -> Break {
        Break {
            break_id: "B1".into(),
            break_type: BreakType::CashReconciliation,
            asset_class: Some("CASH".into()),
            amount,
            currency: currency.into(),
            trade_date: None,
            detected_at: Some("2026-11-20T00:00:00Z".parse().unwrap()),
            counterparty: None,
            account: None,
            instrument_id: None,
            description: None,
            internal: SideRecord::default(),
            external: SideRecord::default(),
        }
    }

    fn run(b: &Break, days_later: i64) -> BreakProfile {
        let set = PolicySet::bundled();
        let as_of = b.detected_at.unwrap() + chrono::Duration::days(days_later);
        classify(b, &ReferenceData::bundled(), &set.classifier, as_of)
    }

    #[test]
    fn exposure_uses_fx_and_thresholds_set_the_tier() {
        let p = run(&cash(dec!(-9500), "EUR"), 0);
        assert!(p.exposure > dec!(10000), "EUR is worth more than USD in the bundled data: {}", p.exposure);
        assert_eq!(p.tier, RiskTier::Medium);
        assert_eq!(run(&cash(dec!(1200), "USD"), 0).tier, RiskTier::Low);
        assert_eq!(run(&cash(dec!(2000000), "USD"), 0).tier, RiskTier::Critical);
    }

    #[test]
    fn age_escalates_and_regulatory_has_a_floor() {
        assert_eq!(run(&cash(dec!(1200), "USD"), 12).tier, RiskTier::Medium);
        let old = run(&cash(dec!(1200), "USD"), 40);
        assert_eq!(old.tier, RiskTier::High);
        assert!(old.hints.contains(&RoutingHint::Stale));
        let mut reg = cash(dec!(1), "USD");
        reg.break_type = BreakType::RegulatoryData;
        assert_eq!(run(&reg, 0).tier, RiskTier::High);
    }

    #[test]
    fn an_unknown_currency_is_treated_as_material() {
        let p = run(&cash(dec!(1), "XAU"), 0);
        assert_eq!(p.tier, RiskTier::High);
        assert!(p.hints.contains(&RoutingHint::NoFxRate));
    }

    #[test]
    fn exposure_is_the_larger_of_the_declared_amount_and_the_sides_difference() {
        let mut b = cash(dec!(1.00), "USD");
        b.internal = SideRecord { amount: Some(dec!(5000001)), ..Default::default() };
        b.external = SideRecord { amount: Some(dec!(1)), ..Default::default() };
        let p = run(&b, 0);
        assert_eq!((p.exposure, p.exposure_basis, p.tier), (dec!(5000000), ExposureBasis::SidesDifference, RiskTier::Critical));
        b.amount = dec!(5000000);
        assert_eq!(run(&b, 0).exposure_basis, ExposureBasis::Declared);
    }

    #[test]
    fn an_amount_near_the_decimal_limit_is_critical_not_a_panic() {
        for amount in [Decimal::MAX, Decimal::MIN] {
            let p = run(&cash(amount, "EUR"), 0);
            assert_eq!((p.exposure_basis, p.tier), (ExposureBasis::Unmeasurable, RiskTier::Critical));
            assert!(p.hints.contains(&RoutingHint::ExposureUnmeasurable));
        }
        let mut b = cash(dec!(1), "USD");
        b.internal = SideRecord { amount: Some(Decimal::MAX), ..Default::default() };
        b.external = SideRecord { amount: Some(Decimal::MIN), ..Default::default() };
        assert_eq!(run(&b, 0).tier, RiskTier::Critical);
    }

    #[test]
    fn timing_difference_hint() {
        let mut b = cash(dec!(0), "USD");
        b.internal = SideRecord { amount: Some(dec!(100)), settle_date: "2026-11-21".parse().ok(), ..Default::default() };
        b.external = SideRecord { amount: Some(dec!(100)), settle_date: "2026-11-23".parse().ok(), ..Default::default() };
        assert!(run(&b, 0).hints.contains(&RoutingHint::LikelyTimingDifference));
    }
}

//! ENRICHMENT: joins reference data (FX to base currency, instrument, counterparty, SLA).

use super::output::{AgentOutput, EnrichmentOutput};
use super::{AgentContext, AgentError};
use rust_decimal::Decimal;

pub(super) fn run(ctx: &AgentContext) -> Result<AgentOutput, AgentError> {
    let inp = &ctx.input;
    let b = &inp.brk;
    let fx = inp.refdata.fx_rate(&b.currency);
    let rating = b.counterparty.as_ref().and_then(|c| inp.refdata.counterparties.get(c)).map(|c| c.rating.clone());
    Ok(AgentOutput::Enrichment(EnrichmentOutput {
        fx_rate_known: fx.is_some(),
        fx_rate: fx.unwrap_or(Decimal::ZERO),
        amount_base: b
            .amount
            .checked_mul(fx.unwrap_or(Decimal::ZERO))
            .ok_or_else(|| AgentError::Failed(format!("amount {} too large to convert (decimal overflow)", b.amount)))?
            .round_dp(2),
        instrument_known: b.instrument_id.as_ref().is_some_and(|i| inp.refdata.instruments.contains_key(i)),
        counterparty_known: rating.is_some(),
        counterparty_rating: rating.unwrap_or_else(|| "UNRATED".to_string()),
        sla_hours: inp.config.sla_hours[inp.profile.tier.rank() as usize],
    }))
}

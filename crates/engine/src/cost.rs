//! Modelled cost: what a run would cost if each agent were a paid model call. The seed puts v1
//! at $0.12 per break for seven agents; the split weights the reasoning-heavy agents.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Cost per call of each agent, in USD, indexed by [`crate::AgentKind::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostModel {
    pub per_call: [Decimal; 7],
}

impl CostModel {
    /// The seed's profile: $0.12 for all seven agents.
    pub const SEED: CostModel = CostModel {
        per_call: [
            Decimal::from_parts(8, 0, 0, false, 3),
            Decimal::from_parts(12, 0, 0, false, 3),
            Decimal::from_parts(18, 0, 0, false, 3),
            Decimal::from_parts(16, 0, 0, false, 3),
            Decimal::from_parts(22, 0, 0, false, 3),
            Decimal::from_parts(30, 0, 0, false, 3),
            Decimal::from_parts(14, 0, 0, false, 3),
        ],
    };

    pub fn total(&self) -> Decimal {
        self.per_call.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_model_prices_v1_at_twelve_cents() {
        assert_eq!(CostModel::SEED.total(), Decimal::new(12, 2));
    }
}

//! Reference data: FX rates to the base currency, instruments and counterparties.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The reference data bundled with the app (`data/reference_data.json`).
pub const BUNDLED_REFERENCE_DATA: &str = include_str!("../../../data/reference_data.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instrument {
    pub asset_class: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counterparty {
    #[serde(default)]
    pub name: String,
    /// Internal credit rating, e.g. `A`, `BBB`.
    #[serde(default)]
    pub rating: String,
}

/// FX rates, instruments and counterparties the agents join against.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceData {
    pub base_currency: String,
    /// Units of base currency per one unit of the keyed currency.
    pub fx_rates: HashMap<String, Decimal>,
    #[serde(default)]
    pub instruments: HashMap<String, Instrument>,
    #[serde(default)]
    pub counterparties: HashMap<String, Counterparty>,
}

impl ReferenceData {
    /// Parses reference data from JSON.
    ///
    /// # Errors
    /// The JSON error, with its line and column.
    pub fn from_json(text: &str) -> Result<ReferenceData, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The bundled reference data.
    pub fn bundled() -> ReferenceData {
        Self::from_json(BUNDLED_REFERENCE_DATA).expect("bundled reference data is valid: a test parses it")
    }

    /// Rate to convert one unit of `currency` into the base currency.
    pub fn fx_rate(&self, currency: &str) -> Option<Decimal> {
        if currency == self.base_currency {
            return Some(Decimal::ONE);
        }
        self.fx_rates.get(currency).copied()
    }
}

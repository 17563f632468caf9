//! Negotiators from declared strategies: [`StrategySpec`] is data (the model
//! crate); this is where a declaration becomes a playing negotiator.

use entente_model::strategy::StrategySpec;

use super::{NaiveTitForTat, Negotiator, Prepared, RandomNegotiator, TimeBased, Tough};
use crate::sao::SaoConfig;

/// Builds the negotiator a [`StrategySpec`] declares.
pub trait BuildNegotiator {
    /// A negotiator playing this strategy for the party `prepared`. `seed`
    /// drives random choices (only the random strategy has any).
    ///
    /// Nothing is planned ahead: under a time limit [`BuildNegotiator::build_for`]
    /// plans nothing (a time-based negotiator searches the sorted outcomes at
    /// every offer), and no other strategy reads the settings.
    fn build<'a>(&self, prepared: &'a Prepared, seed: u64) -> Box<dyn Negotiator + Send + 'a> {
        self.build_for(prepared, seed, &SaoConfig { n_steps: 1, time_limit: Some(1.0) })
    }

    /// Like [`BuildNegotiator::build`], for a negotiation with these settings:
    /// strategies that can plan ahead (time-based ones, without a time limit)
    /// do so, which spares sorting the outcome space.
    fn build_for<'a>(&self, prepared: &'a Prepared, seed: u64, config: &SaoConfig) -> Box<dyn Negotiator + Send + 'a>;
}

impl BuildNegotiator for StrategySpec {
    fn build_for<'a>(&self, prepared: &'a Prepared, seed: u64, config: &SaoConfig) -> Box<dyn Negotiator + Send + 'a> {
        match *self {
            StrategySpec::TimeBased { params, .. } => {
                Box::new(TimeBased::for_negotiation(prepared, params, config.n_steps, config.time_limit.is_some()))
            }
            StrategySpec::TitForTat(p) => Box::new(NaiveTitForTat::new(prepared, p)),
            StrategySpec::Tough => Box::new(Tough::new(prepared)),
            StrategySpec::Random(p) => Box::new(RandomNegotiator::new(prepared, p, seed)),
        }
    }
}

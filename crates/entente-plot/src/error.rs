//! Why a figure could not be drawn.

use crate::MAX_PARTIES;

/// Why a figure could not be drawn.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The input cannot be drawn; the reason names the value and why.
    #[error("cannot plot: {0}")]
    Invalid(#[from] InvalidInput),
    /// The drawing backend failed (its own message).
    #[error("drawing failed: {0}")]
    Backend(String),
}

/// Input that cannot be drawn.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// Fewer than 2 parties.
    #[error("a figure needs at least 2 parties, got {parties}")]
    TooFewParties { parties: usize },
    /// More than [`MAX_PARTIES`] parties.
    #[error("a figure shows at most {MAX_PARTIES} parties, got {parties}")]
    TooManyParties { parties: usize },
    /// A utility vector without one utility per party.
    #[error("{datum} has {len} utilities for {parties} parties")]
    WrongLength { datum: Datum, len: usize, parties: usize },
    /// A utility that is NaN or infinite.
    #[error("{datum}: the utility for party {party} is {value} (not finite)")]
    NotFinite { datum: Datum, party: usize, value: f64 },
    /// The agreement's time is NaN or infinite.
    #[error("the agreement's time is {t} (not finite)")]
    AgreementTime { t: f64 },
    /// Reservation values given, but not one per party.
    #[error("{len} reservation values for {parties} parties")]
    ReservationCount { len: usize, parties: usize },
    /// A reservation value that is NaN or infinite.
    #[error("the reservation value of party {party} is {value} (not finite)")]
    Reservation { party: usize, value: f64 },
    /// An offer by a party index beyond the parties.
    #[error("offer {offer} is by party {party}, but there are {parties} parties")]
    OfferParty { offer: usize, party: usize, parties: usize },
    /// An offer whose time is NaN or infinite.
    #[error("offer {offer}: its time is {t} (not finite)")]
    OfferTime { offer: usize, t: f64 },
}

/// A utility vector of the input (indices from 0, in input order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datum {
    /// `outcomes[k]`.
    Outcome(usize),
    /// `pareto[k]`.
    ParetoPoint(usize),
    /// The Nash point.
    Nash,
    /// The Kalai–Smorodinsky point.
    KalaiSmorodinsky,
    /// The agreement.
    Agreement,
    /// `offers[k]`.
    Offer(usize),
}

impl std::fmt::Display for Datum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Datum::Outcome(k) => write!(f, "outcome {k}"),
            Datum::ParetoPoint(k) => write!(f, "Pareto point {k}"),
            Datum::Nash => f.write_str("the Nash point"),
            Datum::KalaiSmorodinsky => f.write_str("the Kalai–Smorodinsky point"),
            Datum::Agreement => f.write_str("the agreement"),
            Datum::Offer(k) => write!(f, "offer {k}"),
        }
    }
}

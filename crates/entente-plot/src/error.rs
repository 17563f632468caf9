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
    TooFewParties {
        /// How many were given.
        parties: usize,
    },
    /// More than [`MAX_PARTIES`] parties.
    #[error("a figure shows at most {MAX_PARTIES} parties, got {parties}")]
    TooManyParties {
        /// How many were given.
        parties: usize,
    },
    /// A utility vector without one utility per party.
    #[error("{datum} has {len} utilities for {parties} parties")]
    WrongLength {
        /// Which vector.
        datum: Datum,
        /// Its length.
        len: usize,
        /// The number of parties.
        parties: usize,
    },
    /// A utility that is NaN or infinite.
    #[error("{datum}: the utility for party {party} is {value} (not finite)")]
    NotFinite {
        /// Which vector.
        datum: Datum,
        /// The party whose utility it is.
        party: usize,
        /// The value.
        value: f64,
    },
    /// The agreement's time is NaN or infinite.
    #[error("the agreement's time is {t} (not finite)")]
    AgreementTime {
        /// The value.
        t: f64,
    },
    /// Reservation values given, but not one per party.
    #[error("{len} reservation values for {parties} parties")]
    ReservationCount {
        /// How many were given.
        len: usize,
        /// The number of parties.
        parties: usize,
    },
    /// A reservation value that is NaN or infinite.
    #[error("the reservation value of party {party} is {value} (not finite)")]
    Reservation {
        /// The party.
        party: usize,
        /// The value.
        value: f64,
    },
    /// An offer by a party index beyond the parties.
    #[error("offer {offer} is by party {party}, but there are {parties} parties")]
    OfferParty {
        /// The offer's index.
        offer: usize,
        /// The proposer's index it gives.
        party: usize,
        /// The number of parties.
        parties: usize,
    },
    /// A talks figure without rounds, or with more than [`crate::MAX_ROUNDS`].
    #[error("a talks figure shows 1 to {} rounds, got {rounds}", crate::MAX_ROUNDS)]
    Rounds {
        /// How many were given.
        rounds: usize,
    },
    /// A round of talks without sessions.
    #[error("round {round} of the talks figure has no session")]
    NoSessions {
        /// The round's index.
        round: usize,
    },
    /// A session that ends before it starts, or starts before the previous one ends.
    #[error("round {round}: session {session} ends before it starts or overlaps the one before")]
    SessionOrder {
        /// The round's index.
        round: usize,
        /// The session's index.
        session: usize,
    },
    /// A value of a talks figure's curve that is NaN or infinite.
    #[error("round {round}: the {what} at minute {at} is {value} (not finite)")]
    TalksValue {
        /// The round's index.
        round: usize,
        /// Which curve.
        what: &'static str,
        /// The minute.
        at: u64,
        /// The value.
        value: f64,
    },
    /// An offer whose time is NaN or infinite.
    #[error("offer {offer}: its time is {t} (not finite)")]
    OfferTime {
        /// The offer's index.
        offer: usize,
        /// The value.
        t: f64,
    },
}

/// A utility vector of the input (indices from 0, in input order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

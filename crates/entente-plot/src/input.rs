//! What a figure shows, as plain data, and its validation.

use crate::MAX_PARTIES;
use crate::error::{Datum, InvalidInput};

/// The analysis of a domain, as a figure shows it. Utility vectors have one entry per party, in the order of
/// `party_names`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalysisFigure {
    /// The figure's title (e.g. the scenario's name); empty: "Negotiation".
    pub title: String,
    /// A line under the title (e.g. parties, strategies, outcome count); `None` for none.
    pub subtitle: Option<String>,
    /// The parties' names, n >= 2 (and at most [`MAX_PARTIES`]). An empty name is shown as "party i".
    pub party_names: Vec<String>,
    /// Utilities of all outcomes (or of a sample, for huge spaces): one vector per outcome.
    pub outcomes: Vec<Vec<f64>>,
    /// The Pareto frontier's points (utility vectors), in any order; may be empty.
    pub pareto: Vec<Vec<f64>>,
    /// The Nash bargaining point.
    pub nash: Option<Vec<f64>>,
    /// The Kalai–Smorodinsky point (textbook definition).
    pub kalai_smorodinsky: Option<Vec<f64>>,
    /// Each party's reservation value (`None`: none). An empty vector means none for every party.
    pub reservations: Vec<Option<f64>>,
}

/// A negotiation, as a figure shows it: the domain's analysis, every offer and the agreement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunFigure {
    /// The domain: title, parties, outcomes, frontier, Nash and KS points, reservation values.
    pub analysis: AnalysisFigure,
    /// Every offer, in the order made. Empty: the time panels are left out.
    pub offers: Vec<Offer>,
    /// The agreement's utilities, if the negotiation ended in one.
    pub agreement: Option<Vec<f64>>,
    /// Relative time of the agreement. `None`: the time of the last offer with the agreement's utilities, if any.
    pub agreement_t: Option<f64>,
}

/// One offer: who made it, when, and every party's utility of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Offer {
    /// Index of the proposing party in `party_names`.
    pub party: usize,
    /// Relative time, normally in [0, 1] (the x axis of the time panels).
    pub t: f64,
    /// Every party's utility of the offered outcome.
    pub utilities: Vec<f64>,
}

/// The input of one figure, by reference: an analysis alone, or a negotiation.
pub(crate) struct View<'a> {
    pub(crate) analysis: &'a AnalysisFigure,
    pub(crate) offers: &'a [Offer],
    pub(crate) agreement: Option<&'a [f64]>,
    pub(crate) agreement_t: Option<f64>,
}

impl<'a> View<'a> {
    pub(crate) fn analysis(analysis: &'a AnalysisFigure) -> Self {
        View { analysis, offers: &[], agreement: None, agreement_t: None }
    }

    pub(crate) fn run(run: &'a RunFigure) -> Self {
        View {
            analysis: &run.analysis,
            offers: &run.offers,
            agreement: run.agreement.as_deref(),
            agreement_t: run.agreement_t,
        }
    }

    /// Checks that the input can be drawn: 2 to [`MAX_PARTIES`] parties, one utility per party in every vector,
    /// every number finite, offers by parties that exist.
    pub(crate) fn validate(&self) -> Result<(), InvalidInput> {
        let a = self.analysis;
        let n = a.party_names.len();
        if n < 2 {
            return Err(InvalidInput::TooFewParties { parties: n });
        }
        if n > MAX_PARTIES {
            return Err(InvalidInput::TooManyParties { parties: n });
        }
        let check = |datum: Datum, u: &[f64]| -> Result<(), InvalidInput> {
            if u.len() != n {
                return Err(InvalidInput::WrongLength { datum, len: u.len(), parties: n });
            }
            match u.iter().position(|v| !v.is_finite()) {
                Some(party) => Err(InvalidInput::NotFinite { datum, party, value: u[party] }),
                None => Ok(()),
            }
        };
        for (k, u) in a.outcomes.iter().enumerate() {
            check(Datum::Outcome(k), u)?;
        }
        for (k, u) in a.pareto.iter().enumerate() {
            check(Datum::ParetoPoint(k), u)?;
        }
        if let Some(u) = &a.nash {
            check(Datum::Nash, u)?;
        }
        if let Some(u) = &a.kalai_smorodinsky {
            check(Datum::KalaiSmorodinsky, u)?;
        }
        if let Some(u) = self.agreement {
            check(Datum::Agreement, u)?;
        }
        if let Some(t) = self.agreement_t
            && !t.is_finite()
        {
            return Err(InvalidInput::AgreementTime { t });
        }
        if !a.reservations.is_empty() && a.reservations.len() != n {
            return Err(InvalidInput::ReservationCount { len: a.reservations.len(), parties: n });
        }
        for (party, r) in a.reservations.iter().enumerate() {
            if let Some(value) = *r
                && !value.is_finite()
            {
                return Err(InvalidInput::Reservation { party, value });
            }
        }
        for (k, o) in self.offers.iter().enumerate() {
            if o.party >= n {
                return Err(InvalidInput::OfferParty { offer: k, party: o.party, parties: n });
            }
            if !o.t.is_finite() {
                return Err(InvalidInput::OfferTime { offer: k, t: o.t });
            }
            check(Datum::Offer(k), &o.utilities)?;
        }
        Ok(())
    }
}

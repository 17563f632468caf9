//! The simulated actors: the behaviours of the talks model (see
//! [`crate::sim`]'s model) as [`Participant`]s. Each decides from what its
//! [`View`] shows it and nothing else: a party from its own position, a
//! capital from its delegation's instructions, the mediators from the
//! positions the parties confided to them.

use entente_model::StrategySpec;
use entente_protocols::package::{Action, ClauseId, ClauseSpec, ClauseState, Reason, Status};
use thiserror::Error;

use crate::actors::ActorRef;
use crate::model::Drafting;
use crate::participant::{Answer, Participant, Position, Prompt, View};

/// The simulated behaviour of the actor `actor` of `talks`.
pub(crate) fn respond(actor: ActorRef, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
    match actor {
        ActorRef::Party(_) => SimulatedParty.respond(prompt, view),
        ActorRef::Capital(_) => SimulatedCapital.respond(prompt, view),
        ActorRef::Mediator(_) => SimulatedMediator.respond(prompt, view),
        ActorRef::Guarantor(g) => match view.talks.guarantors.get(g) {
            Some(gu) => SimulatedGuarantor { present: gu.present, consents: gu.consents }.respond(prompt, view),
            None => Vec::new(),
        },
        ActorRef::Observer => Vec::new(),
    }
}

/// A mediator: takes the unsettled clauses in agenda order, one per turn
/// (round robin over the turns of the round): restarts a REOPENED clause,
/// brackets the options of an OPEN one, and on a BRACKETED one puts to the
/// parties the option that leaves the largest margin between what they are
/// ready to give up and what it costs them (ties: the largest Nash product
/// of the text). It weighs only the parties that confided their preferences
/// to the mediators. It calls the final vote as soon as it is due.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulatedMediator;

impl Participant for SimulatedMediator {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        match prompt {
            Prompt::MediatorTurn { turn } => mediate(*turn, view).into_iter().collect(),
            Prompt::VoteDue => vec![Answer::act(Action::CallVote).because(Reason::AllProvisional)],
            Prompt::TableDue { item, text } => table_own(item, text.as_deref(), view),
            _ => Vec::new(),
        }
    }
}

/// Whether `item` may be tabled now: no item on its issue is on the table
/// already, the talks have not ended and no final vote is open (the package
/// refuses an item during the vote).
fn may_table(item: &ClauseSpec, view: &View<'_>) -> bool {
    let already = view
        .package
        .clauses()
        .iter()
        .any(|c| c.issue.is_some() && c.issue == item.issue && c.state != ClauseState::Withdrawn);
    let voting = matches!(view.package.status(), Status::Voting { .. });
    !already && !voting && !view.package.is_closed()
}

/// Whether a clause may be reopened now: the talks have not ended and no
/// final vote is open (during the vote the package takes only votes; a
/// delegation's vote then says what its instructions or an incident changed).
fn may_reopen(view: &View<'_>) -> bool {
    !view.package.is_closed() && !matches!(view.package.status(), Status::Voting { .. })
}

/// Tables `item` on the actor's own initiative, when it may (see [`may_table`]).
fn table_own(item: &ClauseSpec, text: Option<&str>, view: &View<'_>) -> Vec<Answer> {
    if !may_table(item, view) {
        return Vec::new();
    }
    let why = Reason::Free { text: text.unwrap_or("on its own initiative").to_string() };
    vec![Answer::act(Action::Table { item: item.clone() }).because(why)]
}

/// How well a text serves the parties under a mediator's drafting rule
/// (larger is better); `None` for the default rule (the margin decides).
fn drafting_score(rule: &Drafting, view: &View<'_>, text: &[u32]) -> Option<f64> {
    let known: Vec<(usize, &Position)> = (0..view.parties()).filter_map(|k| Some((k, view.position(k)?))).collect();
    let gain = |p: &Position| p.utility(view.space, text) - p.reservation.max(p.table.min());
    match rule {
        Drafting::Margin => None,
        Drafting::Nash => Some(known.iter().map(|(_, p)| gain(p).max(0.0)).product()),
        Drafting::Egalitarian => Some(known.iter().map(|(_, p)| gain(p)).fold(f64::INFINITY, f64::min)),
        Drafting::KalaiSmorodinsky => Some(
            known
                .iter()
                .map(|(_, p)| {
                    let best = p.table.max() - p.reservation.max(p.table.min());
                    if best > 0.0 { gain(p) / best } else { gain(p) }
                })
                .fold(f64::INFINITY, f64::min),
        ),
        Drafting::Lean { party, weight } => {
            let k = view.talks.scenario.parties.iter().position(|p| p.name == *party)?;
            let (_, own) = known.iter().find(|(j, _)| *j == k)?;
            let mean = known.iter().map(|(_, p)| gain(p)).sum::<f64>() / known.len().max(1) as f64;
            Some(weight * gain(own) + (1.0 - weight) * mean)
        }
    }
}

fn mediate(turn: usize, view: &View<'_>) -> Option<Answer> {
    let rule = match view.actor {
        ActorRef::Mediator(m) => view.talks.drafting_of(m),
        _ => &Drafting::Margin,
    };
    mediate_by(turn, view, rule)
}

/// A co-mediator drafting by a rule of the chair's choosing instead of the
/// one the scenario gives it: otherwise the simulated mediator (it brackets,
/// puts options, restarts reopened clauses and calls the vote alike).
#[derive(Clone, Debug, PartialEq)]
pub struct DraftingMediator {
    pub rule: Drafting,
}

impl Participant for DraftingMediator {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        match prompt {
            Prompt::MediatorTurn { turn } => mediate_by(*turn, view, &self.rule).into_iter().collect(),
            _ => SimulatedMediator.respond(prompt, view),
        }
    }
}

fn mediate_by(turn: usize, view: &View<'_>, rule: &Drafting) -> Option<Answer> {
    let unsettled: Vec<_> = view
        .package
        .states()
        .into_iter()
        .filter(|(_, s)| matches!(s, ClauseState::Open | ClauseState::Bracketed | ClauseState::Reopened))
        .collect();
    if unsettled.is_empty() {
        return None;
    }
    let (clause, state) = unsettled[turn % unsettled.len()];
    let c = view.package.clause(clause)?;
    match state {
        ClauseState::Reopened => Some(Answer::act(Action::Restart { clause }).because(Reason::BackToTable)),
        ClauseState::Open => {
            Some(Answer::act(Action::Propose { clause, options: c.options.clone() }).because(Reason::MediatorsDraft))
        }
        ClauseState::Bracketed => {
            let issue = c.issue? as usize;
            let known: Vec<_> = (0..view.parties()).filter_map(|k| view.position(k)).collect();
            let allowances: Vec<f64> = known.iter().map(|p| p.allowance(view.tau)).collect();
            // Under a drafting rule of its own, a mediator puts the option its rule scores best (ties: the largest margin).
            let mut ruled: Option<(f64, f64, u32)> = None;
            let mut best: Option<(f64, f64, u32)> = None;
            for &o in &c.brackets {
                let mut text = view.text.to_vec();
                text[issue] = o;
                let margin = known
                    .iter()
                    .zip(&allowances)
                    .map(|(p, a)| a - p.loss(view.space, view.text, issue, o))
                    .fold(f64::INFINITY, f64::min);
                let nash = known
                    .iter()
                    .map(|p| (p.utility(view.space, &text) - p.reservation.max(p.table.min())).max(0.0))
                    .product::<f64>();
                if best.is_none_or(|(m, p, _)| margin > m || (margin == m && nash > p)) {
                    best = Some((margin, nash, o));
                }
                if let Some(score) = drafting_score(rule, view, &text)
                    && ruled.is_none_or(|(sc, m, _)| score > sc || (score == sc && margin > m))
                {
                    ruled = Some((score, margin, o));
                }
            }
            ruled.or(best).map(|(_, _, option)| Answer::put(clause, option))
        }
        _ => None,
    }
}

/// A party's delegation at the table (or a unitary party).
///
/// - It agrees ad referendum to an option put to it iff what it gives up on
///   that clause is within its allowance now and the text beats its
///   reservation value.
/// - Instructed, it tables the item its bloc orders (unless it is on the
///   table already or the talks have ended), then reviews the provisional
///   text: when the text has left its win-set, it reopens every provisional
///   clause for which another option would reduce its objecting blocs'
///   shortfall.
/// - After an incident, it reopens the provisional clauses on the issues the
///   scenario names.
/// - It votes for the package iff it would ratify it, or, for a delegation
///   whose head may sign outside its win-set, iff its mandate beats its
///   reservation value (see [`Position::signs`](crate::participant::Position::signs)).
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulatedParty;

impl Participant for SimulatedParty {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        let (ActorRef::Party(k), Some(me)) = (view.actor, view.own()) else { return Vec::new() };
        match prompt {
            Prompt::Proposal { clause, option } => consider(*clause, *option, me.allowance(view.tau), view),
            Prompt::TableDue { item, text } => table_own(item, text.as_deref(), view),
            Prompt::Instructed { bloc, table } => {
                let mut out = Vec::new();
                if let Some(item) = table
                    && may_table(item, view)
                {
                    let why = Reason::Tabled { party: k, bloc: bloc.clone() };
                    out.push(Answer::act(Action::Table { item: item.clone() }).because(why));
                }
                out.extend(review(view, Reason::UnderReview { party: k, bloc: bloc.clone() }));
                out
            }
            Prompt::Incident { index, place, issues } => {
                if !may_reopen(view) {
                    return Vec::new();
                }
                view.package
                    .clauses()
                    .iter()
                    .filter(|c| {
                        c.state == ClauseState::Provisional && c.issue.is_some_and(|i| issues.contains(&(i as usize)))
                    })
                    .map(|c| {
                        let why = Reason::Incident { index: *index, place: place.clone() };
                        Answer::act(Action::Reopen { clause: c.id }).because(why)
                    })
                    .collect()
            }
            Prompt::Vote => {
                let yes = me.signs(view.space, view.text);
                let why = if yes { Reason::VoteFor } else { Reason::VoteAgainst };
                vec![Answer::act(Action::Vote { yes }).because(why)]
            }
            _ => Vec::new(),
        }
    }
}

/// A party's answer to option `option` of `clause` put to it, given what it is ready to give up now: it agrees
/// ad referendum iff the option costs it at most `allowance` of its utility range and leaves it better off than
/// no agreement.
fn consider(clause: ClauseId, option: u32, allowance: f64, view: &View<'_>) -> Vec<Answer> {
    let Some(me) = view.own() else { return Vec::new() };
    let Some(issue) = view.package.clause(clause).and_then(|c| c.issue) else { return Vec::new() };
    let mut text = view.text.to_vec();
    text[issue as usize] = option;
    let loss = me.loss(view.space, view.text, issue as usize, option);
    let value = me.utility(view.space, &text);
    if loss <= allowance + 1e-12 && value > me.reservation {
        let why = Reason::Concession { loss, allowance, value };
        vec![Answer::act(Action::AgreeAdRef { clause, option }).because(why)]
    } else {
        Vec::new()
    }
}

/// An entente strategy in a party's seat: the simulated party, conceding on
/// the strategy's own curve instead of the party's declared exponent. A
/// time-based strategy (Boulware, Linear, Conceder, Aspiration, any
/// exponent) gives up `s · τ^e` of its range by relative time `τ`, `e` its
/// exponent (`s`: the share of its range above its reservation value, as for
/// the simulated party); Tough gives up nothing. Everything else (tabling,
/// reviews, incidents, the vote) it does as the simulated party.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyParty {
    spec: StrategySpec,
    /// `None`: it concedes nothing (Tough).
    exponent: Option<f64>,
}

/// A strategy that cannot hold a talks seat.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(
    "{name} cannot hold a seat at the talks: a seat takes a time-based strategy (boulware, linear, conceder, \
     aspiration, time-based with an exponent) or tough"
)]
pub struct NotATalksStrategy {
    pub name: String,
}

impl StrategyParty {
    pub fn new(spec: StrategySpec) -> Result<StrategyParty, NotATalksStrategy> {
        let exponent = match &spec {
            StrategySpec::TimeBased { params, .. } => Some(params.exponent),
            StrategySpec::Tough => None,
            other => return Err(NotATalksStrategy { name: other.name().to_string() }),
        };
        Ok(StrategyParty { spec, exponent })
    }

    pub fn spec(&self) -> &StrategySpec {
        &self.spec
    }
}

impl Participant for StrategyParty {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        match (prompt, view.actor, view.own()) {
            (Prompt::Proposal { clause, option }, ActorRef::Party(_), Some(me)) => {
                let allowance = self.exponent.map_or(0.0, |e| me.allowance_with(view.tau, e));
                consider(*clause, *option, allowance, view)
            }
            _ => SimulatedParty.respond(prompt, view),
        }
    }
}

/// A delegation's review of the agreed text against its win-set.
fn review(view: &View<'_>, reason: Reason) -> Vec<Answer> {
    let Some(me) = view.own() else { return Vec::new() };
    // Once the talks have ended, or while the vote is open, nothing is reopened.
    if !may_reopen(view) || me.delegation.is_none() || me.ratifies(view.space, view.text) {
        return Vec::new();
    }
    let text = view.text;
    let base = me.shortfall(view.space, text);
    let mut out = Vec::new();
    for c in view.package.clauses() {
        let (Some(issue), ClauseState::Provisional) = (c.issue, c.state) else { continue };
        let issue = issue as usize;
        let better = c.options.iter().any(|&o| {
            let mut t = text.to_vec();
            t[issue] = o;
            o != text[issue] && me.shortfall(view.space, &t) < base - 1e-12
        });
        if better {
            out.push(Answer::act(Action::Reopen { clause: c.id }).because(reason.clone()));
        }
    }
    out
}

/// A capital: confirms its delegation's agreement iff the text as it stands
/// is within the delegation's win-set under the instructions in force, and
/// declines it otherwise, naming the blocs that object. A delegation whose
/// head may sign outside its win-set (`defection`) confirms on its own
/// authority whatever its mandate prefers to no agreement.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimulatedCapital;

impl Participant for SimulatedCapital {
    fn respond(&mut self, prompt: &Prompt, view: &View<'_>) -> Vec<Answer> {
        let (Prompt::CapitalCall { clause }, Some(me)) = (prompt, view.own()) else { return Vec::new() };
        if me.ratifies(view.space, view.text) {
            vec![Answer::act(Action::Confirm { clause: *clause }).because(Reason::WithinWinSet)]
        } else if me.signs(view.space, view.text) {
            // Its head signs on its own authority; ratification will tell.
            vec![Answer::act(Action::Confirm { clause: *clause }).because(Reason::OnOwnAuthority)]
        } else {
            let why = Reason::Declined { objections: me.objections(view.space, view.text) };
            vec![Answer::act(Action::Decline { clause: *clause }).because(why)]
        }
    }
}

/// A guarantor as the scenario declares it: present or not (an absent one
/// never answers), consenting or not.
#[derive(Clone, Copy, Debug)]
pub struct SimulatedGuarantor {
    pub present: bool,
    pub consents: bool,
}

impl Participant for SimulatedGuarantor {
    fn respond(&mut self, prompt: &Prompt, _view: &View<'_>) -> Vec<Answer> {
        match prompt {
            Prompt::ConsentRequested { clause } if self.present => {
                let why = Reason::GuarantorAnswer { consents: self.consents };
                vec![Answer::act(Action::Consent { clause: *clause, given: self.consents }).because(why)]
            }
            _ => Vec::new(),
        }
    }
}

//! Who acts in the talks: a typed actor reference ([`ActorRef`]) and the
//! registry ([`Actors`]) that allocates each a distinct package
//! [`ActorId`] and maps both ways. No number ranges: any number of parties,
//! mediators and guarantors.

use entente_protocols::package::{self, Actor, ActorId, Capacity};
use serde::{Deserialize, Serialize};

use crate::model::Talks;

/// An actor of the talks, by its place in the talks' model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "actor", content = "index")]
pub enum ActorRef {
    /// Party `k`'s delegation at the table.
    Party(usize),
    /// The capital (the blocs at home) of party `k`.
    Capital(usize),
    /// Co-mediator `m`.
    Mediator(usize),
    /// Guarantor `g`.
    Guarantor(usize),
    /// Anyone else (the press): reads the public channel, never acts in the package.
    Observer,
}

/// The actors of a round with their package ids: ids are allocated in order
/// (the parties, their capitals, the mediators, the guarantors), each distinct.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Actors {
    refs: Vec<ActorRef>,
    names: Vec<String>,
}

impl Actors {
    /// The actors of `talks`.
    pub fn of(talks: &Talks) -> Actors {
        let parties = &talks.scenario.parties;
        let mut a = Actors { refs: Vec::new(), names: Vec::new() };
        for p in parties {
            a.names.push(p.name.clone());
        }
        a.refs.extend((0..parties.len()).map(ActorRef::Party));
        for (k, p) in parties.iter().enumerate() {
            if p.delegation.is_some() {
                a.refs.push(ActorRef::Capital(k));
                a.names.push(format!("capital of {}", p.name));
            }
        }
        for (m, name) in talks.mediators.iter().enumerate() {
            a.refs.push(ActorRef::Mediator(m));
            a.names.push(name.clone());
        }
        for (g, gu) in talks.guarantors.iter().enumerate() {
            a.refs.push(ActorRef::Guarantor(g));
            a.names.push(gu.name.clone());
        }
        a
    }

    /// The package id of `r` (`None`: not an actor of this round, or an observer).
    pub fn id(&self, r: ActorRef) -> Option<ActorId> {
        self.refs.iter().position(|x| *x == r).map(|i| ActorId(i as u32))
    }

    /// The actor behind a package id.
    pub fn actor(&self, id: ActorId) -> Option<ActorRef> {
        self.refs.get(id.0 as usize).copied()
    }

    pub fn name(&self, id: ActorId) -> Option<&str> {
        self.names.get(id.0 as usize).map(String::as_str)
    }

    /// The party of a party's delegation or of its capital.
    pub fn party_of(&self, id: ActorId) -> Option<usize> {
        match self.actor(id)? {
            ActorRef::Party(k) | ActorRef::Capital(k) => Some(k),
            _ => None,
        }
    }

    /// The party whose capital `id` is.
    pub fn capital_of(&self, id: ActorId) -> Option<usize> {
        match self.actor(id)? {
            ActorRef::Capital(k) => Some(k),
            _ => None,
        }
    }

    /// `(id, name)` of every actor, in id order.
    pub fn names(&self) -> Vec<(ActorId, String)> {
        self.names.iter().enumerate().map(|(i, n)| (ActorId(i as u32), n.clone())).collect()
    }

    /// The package's actors (with their roles).
    pub fn package_actors(&self) -> Vec<Actor> {
        self.refs
            .iter()
            .zip(&self.names)
            .enumerate()
            .filter_map(|(i, (r, name))| {
                let role = match *r {
                    ActorRef::Party(_) => Capacity::Party,
                    ActorRef::Capital(k) => Capacity::Capital { of: self.id(ActorRef::Party(k))? },
                    ActorRef::Mediator(_) => Capacity::Mediator,
                    ActorRef::Guarantor(_) => Capacity::Guarantor,
                    ActorRef::Observer => return None,
                };
                Some(package::Actor::new(i as u32, name.clone(), role))
            })
            .collect()
    }
}

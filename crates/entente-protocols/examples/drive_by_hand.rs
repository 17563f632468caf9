//! Driving the SAO state machine step by step without any strategy, as a
//! server would with people at the table: ask whose turn it is, submit that
//! party's action, store the events.
//!
//! Run with `cargo run -p entente-protocols --example drive_by_hand`.

use entente_protocols::{Action, Event, Sao, SaoConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Two delegations; outcomes are whatever the caller uses (here text).
    let mut talks = Sao::<&str>::new(2, SaoConfig { n_steps: 3, time_limit: None })?;
    let mut log: Vec<Event<&str>> = Vec::new();
    let scripted = [
        (0, Action::Offer("withdraw 30 km within 30 days")),
        (1, Action::Offer("withdraw 10 km within 90 days")),
        (0, Action::Offer("withdraw 20 km within 60 days")),
        (1, Action::Accept),
    ];
    for (party, action) in scripted {
        let turn = talks.turn().ok_or("the talks have ended")?;
        println!("round {}: party {} faces {:?}", turn.round, turn.party, turn.offer);
        // A wrong party or an impossible action is refused and changes nothing.
        talks.act(party, action, &mut |e| log.push(e))?;
    }
    for event in &log {
        println!("{event:?}");
    }
    println!("outcome: {:?}", talks.outcome());
    Ok(())
}

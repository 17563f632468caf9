//! The compact form of talks changes: every change reads back from what it
//! prints, and bad input is refused naming what was expected.

use entente_model::whatif::talks::{TalksChange, parse_talks_change};

#[test]
fn every_talks_change_reads_back_from_its_compact_form() {
    for text in [
        "red-lines d.k=a:a1,b:b0",
        "red-lines d.k=none",
        "unify all",
        "unify d",
        "drop-instruction 2",
        "drop-instruction all",
        "drop-instruction tabling",
        "drop-instruction d.k",
        "drop-incident 1",
        "drop-incident all",
        "drop-tabling 3",
        "drop-tabling all",
        "guarantor g consents",
        "guarantor all refuses",
        "guarantor g absent",
        "guarantor g present",
        "add-session 4 09:00 8h",
        "add-session 4 09:05 90m",
        "lengthen-session 2 3h",
        "lengthen-session last 45m",
        "exponent a=0.5",
        "drafting m=nash",
        "drafting m=kalai-smorodinsky",
        "drafting m=egalitarian",
        "drafting m=lean:a:0.25",
        "drafting m=margin",
        "veto d.k off",
        "weight d.k=2",
        "merge d.k1+k2 as south",
        "reservation a=0.3",
        "table a c 1 10:00",
        "table m d 2 09:30 g",
        "guarantee b=g",
        "guarantee b=none",
    ] {
        let c: TalksChange = parse_talks_change(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.to_string(), text);
        assert_eq!(parse_talks_change(&c.to_string()).unwrap(), c);
    }
    // Other spellings of the same changes.
    assert_eq!(parse_talks_change("add-session 4 09:00 480").unwrap().to_string(), "add-session 4 09:00 8h");
    assert_eq!(parse_talks_change("add_session 4 09:00 1.5h").unwrap().to_string(), "add-session 4 09:00 90m");
    assert_eq!(parse_talks_change("drafting m=ks").unwrap().to_string(), "drafting m=kalai-smorodinsky");
}

#[test]
fn bad_talks_changes_name_what_was_expected() {
    for (text, needle) in [
        ("red-lines d.k", "expected `red-lines PARTY.BLOC=ISSUE:VALUE[,ISSUE:VALUE…]|none`"),
        ("red-lines d.k=a", "a red line must be ISSUE:VALUE"),
        ("unify", "expected `unify PARTY|all`"),
        ("drop-instruction 0", "a number from 1, all, tabling or PARTY.BLOC"),
        ("drop-instruction", "drop-instruction N|all|tabling|PARTY.BLOC"),
        ("drop-incident x", "a number from 1, or all"),
        ("guarantor g", "guarantor NAME|all consents|refuses|absent|present"),
        ("add-session 0 09:00 1h", "the day must be a number from 1 to 366"),
        ("add-session 2 9 1h", "HH:MM"),
        ("add-session 2 09:00 0h", "a duration such as 8h"),
        ("add-session 2 09:00 73h", "from 1 minute to 72 hours"),
        ("add-session 2 09:00", "add-session DAY HH:MM DURATION"),
        ("lengthen-session first 1h", "a number from 1, or last"),
        ("exponent a=0", "a positive number"),
        ("exponent a=NaN", "a positive number"),
        ("drafting m=fair", "margin, nash, kalai-smorodinsky, egalitarian or lean:PARTY:W"),
        ("drafting m=lean:a:0", "lean:PARTY:W"),
        ("negotiate harder", "unknown change \"negotiate\""),
        ("veto d.k maybe", "expected on or off"),
        ("", "empty change"),
        ("table a c 1", "table BY ISSUE DAY HH:MM [GUARANTOR]"),
        ("table a c 0 10:00", "the day must be a number from 1 to 366"),
        ("table a c 1 10h", "HH:MM"),
        ("guarantee b", "guarantee ISSUE=GUARANTOR|none"),
    ] {
        let e = parse_talks_change(text).err().unwrap_or_else(|| panic!("{text:?} was accepted")).to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}

//! Talks files that are refused, with the file, line and column and the field
//! named (issue 9), on a scenario of the tests' own.

use std::path::Path;

use entente_formats::FormatError;
use entente_formats::talks_toml::parse_talks;

const FISHERY: &str = include_str!("../../entente-cli/tests/fixtures/fishery-talks.toml");

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in the text"));
    text[..at].matches('\n').count() + 1
}

/// `text` is refused with a message containing `message`, located on the line of `at`.
fn refused(text: &str, message: &str, at: &str) {
    match parse_talks(text, Path::new("fishery.toml")) {
        Ok(_) => panic!("accepted; expected an error containing {message:?}"),
        Err(FormatError::Syntax { file, line, column, message: m }) => {
            assert_eq!(file, Path::new("fishery.toml"));
            assert!(m.contains(message), "{m:?} lacks {message:?}");
            assert_eq!(line, line_of(text, at), "{m}");
            assert!(column >= 1);
        }
        Err(e) => panic!("{e}: not located"),
    }
}

#[test]
fn the_fixture_is_accepted() {
    parse_talks(FISHERY, Path::new("fishery.toml")).unwrap();
}

#[test]
fn the_same_mediator_twice() {
    let t = FISHERY.replace(r#"mediators = ["norway"]"#, r#"mediators = ["norway", "iceland", "norway"]"#);
    refused(&t, r#"mediators: "norway" is named twice"#, "mediators =");
}

#[test]
fn a_party_as_mediator() {
    let t = FISHERY.replace(r#"mediators = ["norway"]"#, r#"mediators = ["norway", "fleet"]"#);
    refused(&t, r#"mediators: "fleet" is a party of the talks"#, "mediators =");
}

#[test]
fn a_party_as_guarantor() {
    let t = FISHERY.replace(r#"name = "commission""#, r#"name = "coast""#);
    refused(&t, r#"guarantors: "coast" is a party of the talks"#, "[[talks.guarantors]]");
}

#[test]
fn two_guarantors_with_one_name() {
    let second = "[[talks.guarantors]]\nname = \"commission\"\n\n[[talks.instructions]]";
    let t = FISHERY.replacen("[[talks.instructions]]", second, 1);
    let at = t.rfind("[[talks.guarantors]]").unwrap();
    match parse_talks(&t, Path::new("fishery.toml")) {
        Err(FormatError::Syntax { line, message, .. }) => {
            assert!(message.contains(r#"guarantors: two guarantors are named "commission""#), "{message}");
            assert_eq!(line, t[..at].matches('\n').count() + 1, "the second one is pointed at");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_instruction_after_the_last_session() {
    // The last session ends on day 2 at 17:00.
    let t = FISHERY.replace("day = 2\ntime = \"08:00\"", "day = 2\ntime = \"17:30\"");
    refused(
        &t,
        "instructions: dated day 2, 17:30, at or after the end of the last session (day 2, 17:00)",
        "day = 2\ntime",
    );
    let t = FISHERY.replace("day = 2\ntime = \"08:00\"", "day = 3\ntime = \"08:00\"");
    refused(&t, "it would never be applied", "day = 3\ntime");
}

#[test]
fn tabling_an_item_on_the_agenda() {
    let t = FISHERY.replace(r#"table = { issue = "inspection""#, r#"table = { issue = "season""#);
    refused(&t, r#"table: issue "season" is already on the agenda"#, "table = {");
}

#[test]
fn tabling_an_item_twice() {
    let again = "\n[[talks.instructions]]\nday = 2\ntime = \"10:00\"\nparty = \"fleet\"\nbloc = \"ministry\"\n\
                 text = \"Inspection, again.\"\ntable = { issue = \"inspection\" }\n";
    let t = format!("{FISHERY}{again}");
    let at = t.rfind("table = {").unwrap();
    match parse_talks(&t, Path::new("fishery.toml")) {
        Err(FormatError::Syntax { line, message, .. }) => {
            assert!(message.contains("already tabled by the instruction of day 2, 08:00"), "{message}");
            assert_eq!(line, t[..at].matches('\n').count() + 1);
        }
        other => panic!("{other:?}"),
    }
}

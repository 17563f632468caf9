//! Shared by the integration tests: where the third-party data lives.

// Test code: reads its fixtures, the environment and the clock (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;

/// `../shared/<sub>` beside the project. When it is missing: a panic under
/// `CI=true` (CI must run these tests), otherwise `None` and a printed notice
/// (a user's clone has no `../shared`; the test then skips).
pub fn shared_dir(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/{sub} is missing, and CI=true requires it");
    }
    // Written to the stderr handle, not through eprintln!, which the test harness
    // captures: a skip must show in `cargo test`'s output.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: ../shared/{sub} not found beside the project (set up ../shared to run this test)"
    );
    None
}

//! Progress of long work (a spinner with the elapsed time, on stderr, only when
//! stderr is a terminal) and a time bound (`--max-seconds`).

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A spinner on stderr saying what is being done and for how long; hidden
/// unless stderr is a terminal, so pipes, files and tests see nothing.
pub struct Spinner(ProgressBar);

impl Spinner {
    pub fn new(message: impl Into<String>) -> Self {
        if !std::io::stderr().is_terminal() {
            return Spinner(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.into());
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner(bar)
    }

    /// Says what is being done now.
    pub fn set(&self, message: impl Into<String>) {
        self.0.set_message(message.into());
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A time bound: unless dropped before `seconds` have passed, it ends the
/// program with an error saying what was not finished (`what`) and which flag
/// bounds it. Work that ends in time drops it.
pub struct Deadline(Option<mpsc::Sender<()>>);

impl Deadline {
    /// No bound when `seconds` is `None`.
    pub fn start(seconds: Option<f64>, flag: &'static str, what: String) -> Self {
        let Some(s) = seconds else { return Deadline(None) };
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            // A message or a disconnection (the bound was dropped) means the work ended in time.
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_secs_f64(s)) {
                if std::io::stderr().is_terminal() {
                    eprint!("\r\x1b[2K"); // over the spinner's line
                }
                eprintln!(
                    "error: {what} did not finish within {flag} {s} (stopped); give it more time, or ask for less"
                );
                std::process::exit(3);
            }
        });
        Deadline(Some(tx))
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Checks a `--max-seconds` value.
pub fn check_seconds(flag: &str, seconds: Option<f64>) -> anyhow::Result<()> {
    if let Some(s) = seconds
        && !(s.is_finite() && s > 0.0 && s < 1e9)
    {
        anyhow::bail!("{flag} must be a number of seconds above 0, not {s}");
    }
    Ok(())
}

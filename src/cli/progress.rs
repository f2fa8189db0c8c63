//! The progress spinner of long commands (plan, compare, backtest): an indicatif spinner on
//! stderr with the elapsed time and the engine's current stage. Hidden when stderr is not a
//! terminal (pipes, CI logs) or with the global `--quiet` flag.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set by `--quiet`: no spinner at all.
static QUIET: AtomicBool = AtomicBool::new(false);

/// The spinner the engine's stage messages go to (one run at a time in this process).
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Silences every spinner of this process (the global `--quiet` flag).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// The engine's stage sink: the message becomes the spinner's text.
fn report_stage(msg: &str) {
    if let Ok(bar) = BAR.lock() {
        if let Some(b) = bar.as_ref() {
            b.set_message(msg.to_string());
        }
    }
}

/// A spinner on stderr (elapsed time and the engine's current stage) while a command plans;
/// cleared when dropped. Nothing is drawn when stderr is not a terminal or with `--quiet`.
pub struct Ticker {
    bar: Option<ProgressBar>,
}

impl Ticker {
    /// Starts the spinner (hidden unless stderr is a terminal and `--quiet` is off).
    pub fn start() -> Ticker {
        use std::io::IsTerminal;
        if QUIET.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
            return Ticker { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_msg}")
        {
            bar.set_style(style);
        }
        bar.set_message("reading inputs");
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        if let Ok(mut slot) = BAR.lock() {
            *slot = Some(bar.clone());
        }
        Ticker { bar: Some(bar) }
    }

    /// The engine's progress hook (reports nothing when no spinner is shown).
    pub fn progress(&self) -> gpuplan::solve::Progress {
        if self.bar.is_some() {
            gpuplan::solve::Progress::to(&report_stage)
        } else {
            gpuplan::solve::Progress::NONE
        }
    }

    /// Whether a spinner is drawn.
    #[cfg(test)]
    fn shown(&self) -> bool {
        self.bar.is_some()
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Ok(mut slot) = BAR.lock() {
                *slot = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hides_the_spinner_and_the_engine_hook() {
        set_quiet(true);
        let t = Ticker::start();
        assert!(!t.shown());
        assert_eq!(
            format!("{:?}", t.progress()),
            format!("{:?}", gpuplan::solve::Progress::NONE)
        );
        set_quiet(false);
    }
}

//! The progress line of long commands (plan, compare, backtest): elapsed seconds and the
//! engine's current stage on stderr, only on a terminal.

/// The stage the engine last reported, for the progress line.
static STAGE: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

fn report_stage(msg: &str) {
    if let Ok(mut s) = STAGE.lock() {
        msg.clone_into(&mut s);
    }
}

/// A progress line on stderr (elapsed seconds and the engine's current stage), shown once a
/// run has taken more than a second, only when stdout and stderr are terminals; erased when
/// dropped.
pub struct Ticker {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Ticker {
    /// Starts the progress thread (nothing is shown unless stdout and stderr are terminals).
    pub fn start() -> Ticker {
        use std::io::IsTerminal;
        if !(std::io::stdout().is_terminal() && std::io::stderr().is_terminal()) {
            return Ticker {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let t0 = std::time::Instant::now();
        let thread = std::thread::spawn(move || {
            let mut shown = false;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_millis(200))
            {
                let el = t0.elapsed().as_secs_f64();
                if el < 1.0 {
                    continue;
                }
                let stage = STAGE.lock().map(|s| s.clone()).unwrap_or_default();
                let line: String = format!("[{el:6.1} s] {stage}").chars().take(100).collect();
                eprint!("\r\x1b[2K{line}");
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        Ticker {
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// The engine's progress hook (reports nothing when no line is shown).
    pub fn progress(&self) -> gpuplan::solve::Progress {
        if self.stop.is_some() {
            gpuplan::solve::Progress::to(&report_stage)
        } else {
            gpuplan::solve::Progress::NONE
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! Progress for `murmur render`: on a terminal, a bar per file being rendered and one for the
//! whole batch; otherwise (a log file, a pipe, CI) plain lines, one per file.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of a batch of files.
pub struct Progress {
    /// `None` when stderr is not a terminal.
    bars: Option<Bars>,
}

struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
}

impl Progress {
    /// Progress of `files` files: bars when stderr is a terminal.
    pub fn new(files: usize) -> Self {
        let bars = std::io::stderr().is_terminal().then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(files as u64));
            overall.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} files {elapsed}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            overall.set_prefix("all");
            overall.enable_steady_tick(Duration::from_millis(250));
            Bars { multi, overall }
        });
        Self { bars }
    }

    /// Starts the bar of one file of `frames` sample frames.
    pub fn start(&self, name: &str, frames: u64) -> FileProgress {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars
                .multi
                .insert_before(&bars.overall, ProgressBar::new(frames));
            bar.set_style(
                ProgressStyle::with_template("{prefix:>8} [{bar:30}] {percent:>3}% {msg}")
                    .expect("a valid template")
                    .progress_chars("=> "),
            );
            bar.set_prefix("render");
            bar.set_message(name.to_owned());
            bar
        });
        FileProgress { bar }
    }

    /// A finished file's line (stdout), above the bars on a terminal.
    pub fn done(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(line);
                bars.overall.inc(1);
            }
            None => println!("{line}"),
        }
    }

    /// A further line about a finished file (stdout), above the bars on a terminal.
    pub fn done_detail(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(line);
            }
            None => println!("{line}"),
        }
    }

    /// A failed file's line (stderr), above the bars on a terminal.
    pub fn failed(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.multi.println(line);
                bars.overall.inc(1);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bars before the summary is printed.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            bars.overall.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }
}

/// The bar of one file; dropped when the file is done.
pub struct FileProgress {
    bar: Option<ProgressBar>,
}

impl FileProgress {
    /// `frames` more sample frames are rendered.
    pub fn advance(&self, frames: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(frames);
        }
    }
}

impl Drop for FileProgress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

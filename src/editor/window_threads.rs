//! Knowing when the editor's window threads have really ended.
//!
//! On Linux the editor runs on a window thread of baseview's. Closing the window asks that
//! thread to stop and normally joins it, but baseview 0.4.2 skips the join when the thread
//! stops before answering its last request (it then logs "Error while closing window … X11
//! thread disconnected"). The thread goes on tearing down its OpenGL context and X connection
//! on its own. A host that destroys the plugin and then quits or unloads Murmur at that moment
//! runs Mesa's exit handlers, or unmaps Murmur's code, under that thread, and crashes on the
//! way out.
//!
//! So each window thread holds a token in a thread-local from the moment it builds the editor.
//! The token is dropped by the thread's TLS destructors, which run after everything else the
//! thread does (its whole teardown included), while the C library still keeps Murmur's code
//! loaded for them. The plugin waits, when it is destroyed, until every token is gone.
//!
//! On Windows and macOS baseview runs the editor on the host's own GUI thread, which outlives
//! every plugin: there is no thread of the editor's own to wait for, and nothing is counted.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Whether the editor runs on a thread of its own: baseview's X11 backend, on every Unix but
/// macOS.
const EDITOR_HAS_ITS_OWN_THREAD: bool = cfg!(all(unix, not(target_os = "macos")));

/// The window threads of one plugin instance that have not ended yet.
#[derive(Default)]
pub struct WindowThreads {
    running: Mutex<usize>,
    ended: Condvar,
}

/// Held in a window thread's thread-local storage; its drop is the thread's last act.
struct Token(Arc<WindowThreads>);

impl Drop for Token {
    fn drop(&mut self) {
        *self.0.lock() -= 1;
        self.0.ended.notify_all();
    }
}

thread_local! {
    static TOKEN: RefCell<Option<Token>> = const { RefCell::new(None) };
}

impl WindowThreads {
    /// Counts the calling thread, the editor's window thread, until it ends (where the editor
    /// has a thread of its own). Calling it again on the same thread (the editor may be built
    /// more than once on it) counts it once.
    pub fn enter(self: &Arc<Self>) {
        if EDITOR_HAS_ITS_OWN_THREAD {
            self.count_this_thread();
        }
    }

    fn count_this_thread(self: &Arc<Self>) {
        TOKEN.with(|token| {
            let mut token = token.borrow_mut();
            if token
                .as_ref()
                .is_some_and(|held| Arc::ptr_eq(&held.0, self))
            {
                return;
            }
            *self.lock() += 1;
            // A token of another instance (not something baseview does) is released here, as
            // if its thread had ended: its instance cannot wait for a thread that serves another.
            *token = Some(Token(self.clone()));
        });
    }

    /// Window threads that have not ended.
    pub fn running(&self) -> usize {
        *self.lock()
    }

    /// Waits until every window thread has ended, or `timeout` has passed; returns whether they
    /// all ended.
    pub fn wait_until_ended(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut running = self.lock();
        while *running > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            running = self
                .ended
                .wait_timeout(running, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_thread_counts_until_its_thread_locals_are_dropped() {
        let threads = Arc::new(WindowThreads::default());
        let (entered_tx, entered_rx) = mpsc::channel();
        let (finish_tx, finish_rx) = mpsc::channel::<()>();
        let thread = {
            let threads = threads.clone();
            std::thread::spawn(move || {
                threads.count_this_thread();
                threads.count_this_thread();
                entered_tx.send(()).unwrap();
                finish_rx.recv().unwrap();
            })
        };
        entered_rx.recv().unwrap();
        assert_eq!(threads.running(), 1, "entering twice counts once");
        assert!(!threads.wait_until_ended(Duration::from_millis(20)));
        finish_tx.send(()).unwrap();
        assert!(threads.wait_until_ended(Duration::from_secs(10)));
        assert_eq!(threads.running(), 0);
        thread.join().unwrap();
    }

    #[test]
    fn nothing_to_wait_for_returns_at_once() {
        let threads = WindowThreads::default();
        let start = Instant::now();
        assert!(threads.wait_until_ended(Duration::from_secs(10)));
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}

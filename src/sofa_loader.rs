//! Loads SOFA sets away from the audio thread and hands them over without locks or allocation
//! on the audio side.
//!
//! [`SofaLoader`] lives with the parameters: it remembers the chosen file (saved with the
//! project through `params::SofaChoice`), loads it on a thread of its own whenever the file or
//! the sample rate changes, and tells the editor how that went ([`SofaStatus`]). Finished sets
//! travel to the audio thread through a wait-free ring into whatever takes them there (a
//! [`SetTaker`]: the engine); sets it stops using travel back through another, so that no set
//! is ever freed on the audio thread. No framework types here.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rtrb::{Consumer, Producer, PushError, RingBuffer};

use crate::binaural::hrtf_set::HrtfSet;

/// Sets in flight between the loader and the audio thread, each way.
const RING: usize = 4;

/// What the editor shows about the SOFA file.
#[derive(Debug, Clone, PartialEq)]
pub enum SofaStatus {
    /// No file chosen.
    None,
    /// A file is chosen; it loads once the plugin knows its sample rate.
    Waiting { path: String },
    /// Loading (and resampling) on a background thread.
    Loading { path: String },
    /// Ready: the set's name and size.
    Loaded {
        path: String,
        name: String,
        directions: usize,
    },
    /// The file could not be used. `still_using` names the set that keeps playing, if any
    /// (otherwise the voice falls back to the sphere model).
    Failed {
        path: String,
        message: String,
        still_using: Option<String>,
    },
}

impl SofaStatus {
    /// One line for the editor.
    pub fn describe(&self) -> String {
        match self {
            SofaStatus::None => "No SOFA file loaded: the sphere model plays.".into(),
            SofaStatus::Waiting { path } => {
                format!("{} loads when playback starts.", file_name(path))
            }
            SofaStatus::Loading { path } => format!("Loading {}…", file_name(path)),
            SofaStatus::Loaded {
                name, directions, ..
            } => format!("{name} ({directions} directions)"),
            SofaStatus::Failed {
                message,
                still_using,
                ..
            } => match still_using {
                Some(name) => format!("{message}. Still using {name}."),
                None => format!("{message}. The sphere model plays instead."),
            },
        }
    }

    /// Whether this is a failure to show as a warning.
    pub fn is_failure(&self) -> bool {
        matches!(self, SofaStatus::Failed { .. })
    }
}

/// The last part of a path, for messages.
fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

struct LoaderState {
    /// The file saved with the project ("" for none).
    chosen: String,
    status: SofaStatus,
    /// Bumped by every request, so a load that finishes after a newer request is discarded.
    generation: u64,
    sample_rate: Option<f32>,
    /// The most recent good set and its file.
    loaded: Option<(String, Arc<HrtfSet>)>,
    to_audio: Producer<Arc<HrtfSet>>,
    from_audio: Consumer<Arc<HrtfSet>>,
}

/// Loads SOFA sets for one plugin instance.
pub struct SofaLoader {
    state: Mutex<LoaderState>,
    receiver: Mutex<Option<SofaReceiver>>,
}

impl SofaLoader {
    pub fn new() -> Arc<Self> {
        let (to_audio, from_loader) = RingBuffer::new(RING);
        let (to_loader, from_audio) = RingBuffer::new(RING);
        Arc::new(Self {
            state: Mutex::new(LoaderState {
                chosen: String::new(),
                status: SofaStatus::None,
                generation: 0,
                sample_rate: None,
                loaded: None,
                to_audio,
                from_audio,
            }),
            receiver: Mutex::new(Some(SofaReceiver {
                from_loader,
                to_loader,
                waiting: None,
                retiring: None,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, LoaderState> {
        // A panic while holding the lock leaves plain data behind: keep going with it.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Sets the audio thread gave back are dropped here, away from it.
        while state.from_audio.pop().is_ok() {}
        state
    }

    /// The audio thread's end (once; the plugin keeps it).
    pub fn take_receiver(&self) -> Option<SofaReceiver> {
        self.receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The file saved with the project ("" for none).
    pub fn chosen(&self) -> String {
        self.lock().chosen.clone()
    }

    pub fn status(&self) -> SofaStatus {
        self.lock().status.clone()
    }

    /// Waits (at most `timeout`) until no load is running, and returns the status then. Blocks:
    /// for tests and tools, never for the audio thread or the editor.
    pub fn settled(&self, timeout: std::time::Duration) -> SofaStatus {
        let start = std::time::Instant::now();
        loop {
            let status = self.status();
            if !matches!(status, SofaStatus::Loading { .. }) || start.elapsed() >= timeout {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// A file chosen in the editor: loaded now, and saved with the project once it loads (a
    /// file that fails leaves the previous choice in place).
    pub fn choose(self: &Arc<Self>, path: &Path) {
        let path = path.to_string_lossy().into_owned();
        let mut state = self.lock();
        self.start(&mut state, path, true);
    }

    /// A file from a saved project: kept as the choice even if it is missing now (the project
    /// finds it again when it is back), and loaded if it can be.
    pub fn restore(self: &Arc<Self>, path: String) {
        let mut state = self.lock();
        if state.chosen == path && !matches!(state.status, SofaStatus::Failed { .. }) {
            return;
        }
        state.chosen = path.clone();
        self.start(&mut state, path, false);
    }

    /// The plugin is (re)activated at `sample_rate`: returns the chosen set if it is already
    /// loaded at that rate (for the new engine), and otherwise starts loading it.
    pub fn activate(self: &Arc<Self>, sample_rate: f32) -> Option<Arc<HrtfSet>> {
        let mut state = self.lock();
        state.sample_rate = Some(sample_rate);
        if let Some((path, set)) = &state.loaded
            && *path == state.chosen
            && set.sample_rate() == sample_rate
        {
            return Some(set.clone());
        }
        let chosen = state.chosen.clone();
        self.start(&mut state, chosen, false);
        None
    }

    /// Loads `path` (if there is a rate to load it at) on a thread of its own.
    fn start(self: &Arc<Self>, state: &mut LoaderState, path: String, chosen_on_success: bool) {
        state.generation += 1;
        if path.is_empty() {
            state.status = SofaStatus::None;
            return;
        }
        let rate = match state.sample_rate {
            Some(rate) => rate,
            None if !chosen_on_success => {
                state.status = SofaStatus::Waiting { path };
                return;
            }
            // Chosen before the host started the plugin: load it at a common rate to check it
            // now; activation loads it again if the host's rate differs.
            None => 48_000.0,
        };
        state.status = SofaStatus::Loading { path: path.clone() };
        if let Err(e) = self.spawn(state.generation, path.clone(), rate, chosen_on_success) {
            state.status = SofaStatus::Failed {
                message: format!("{} could not be loaded ({e})", file_name(&path)),
                still_using: state.loaded.as_ref().map(|(_, s)| s.name().to_owned()),
                path,
            };
        }
    }

    fn spawn(
        self: &Arc<Self>,
        generation: u64,
        path: String,
        rate: f32,
        chosen_on_success: bool,
    ) -> std::io::Result<()> {
        let loader = Arc::clone(self);
        std::thread::Builder::new()
            .name("murmur-sofa".into())
            .spawn(move || {
                let result = HrtfSet::load(Path::new(&path), rate);
                loader.finish(generation, path, rate, result, chosen_on_success);
            })
            .map(|_| ())
    }

    fn finish(
        &self,
        generation: u64,
        path: String,
        rate: f32,
        result: Result<HrtfSet, crate::binaural::hrtf_set::SofaError>,
        chosen_on_success: bool,
    ) {
        let mut state = self.lock();
        if state.generation != generation {
            return;
        }
        match result {
            Ok(set) => {
                let set = Arc::new(set);
                state.status = SofaStatus::Loaded {
                    path: path.clone(),
                    name: set.name().to_owned(),
                    directions: set.len(),
                };
                if chosen_on_success {
                    state.chosen = path.clone();
                }
                // Only a set at the host's rate goes to the audio thread.
                if state.sample_rate == Some(rate) {
                    let _ = state.to_audio.push(set.clone());
                }
                state.loaded = Some((path, set));
            }
            Err(e) => {
                let message = format!("{} {e}", file_name(&path));
                nice_plug::nice_warn!("SOFA file {path}: {e}");
                let still_using = state
                    .loaded
                    .as_ref()
                    .filter(|(p, _)| *p == state.chosen)
                    .map(|(_, s)| s.name().to_owned());
                state.status = SofaStatus::Failed {
                    path,
                    message,
                    still_using,
                };
            }
        }
    }
}

/// What takes SOFA sets on the audio thread (the engine), real-time safely.
pub trait SetTaker {
    /// A set no longer used, to send back and drop away from the audio thread.
    fn take_retired_set(&mut self) -> Option<Arc<HrtfSet>>;
    /// Whether `set` was prepared for this sample rate.
    fn accepts_set(&self, set: &HrtfSet) -> bool;
    /// Takes `set`, or gives it back if it cannot yet.
    fn offer_set(&mut self, set: Arc<HrtfSet>) -> Result<(), Arc<HrtfSet>>;
}

/// The audio thread's end of a [`SofaLoader`].
pub struct SofaReceiver {
    from_loader: Consumer<Arc<HrtfSet>>,
    to_loader: Producer<Arc<HrtfSet>>,
    /// A set the engine could not take yet.
    waiting: Option<Arc<HrtfSet>>,
    /// A set to give back that did not fit in the ring yet.
    retiring: Option<Arc<HrtfSet>>,
}

impl SofaReceiver {
    /// Moves new sets into the engine and used ones back to the loader. Real-time safe: no
    /// lock, no allocation, and nothing is freed here.
    pub fn exchange(&mut self, engine: &mut impl SetTaker) {
        if self.retiring.is_none() {
            self.retiring = engine.take_retired_set();
        }
        if let Some(old) = self.retiring.take()
            && let Err(PushError::Full(old)) = self.to_loader.push(old)
        {
            self.retiring = Some(old);
        }
        if self.waiting.is_none() {
            self.waiting = self.from_loader.pop().ok();
        }
        if let Some(set) = self.waiting.take() {
            if !engine.accepts_set(&set) {
                // Made for another rate: give it back (or try again next block).
                if self.retiring.is_none() {
                    self.retiring = Some(set);
                } else {
                    self.waiting = Some(set);
                }
            } else if let Err(set) = engine.offer_set(set) {
                self.waiting = Some(set);
            }
        }
    }

    /// Drops everything in flight (on (re)activation, off the audio thread).
    pub fn clear(&mut self) {
        while self.from_loader.pop().is_ok() {}
        self.waiting = None;
        self.retiring = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, HrtfModel, InputChannels, Settings};
    use crate::params::SofaChoice;
    use nice_plug::params::persist::PersistentField;
    use std::path::PathBuf;

    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sphere-44k1.sofa")
    }

    /// The status once loading is over (waiting up to a minute on a slow machine).
    fn settled(loader: &SofaLoader) -> SofaStatus {
        let status = loader.settled(std::time::Duration::from_secs(60));
        assert!(
            !matches!(status, SofaStatus::Loading { .. }),
            "never loaded"
        );
        status
    }

    #[test]
    fn a_missing_file_from_a_project_is_kept_reported_and_falls_back() {
        let loader = SofaLoader::new();
        let choice = SofaChoice::new(loader.clone());
        choice.set("/nonexistent/heads/kemar.sofa".into());
        assert!(matches!(loader.status(), SofaStatus::Waiting { .. }));
        assert!(loader.activate(48_000.0).is_none());
        let status = settled(&loader);
        assert!(status.is_failure(), "{status:?}");
        let text = status.describe();
        assert!(text.contains("kemar.sofa cannot be read"), "{text}");
        assert!(text.contains("sphere model plays"), "{text}");
        // Saving the project keeps the path, so it loads again once the file is back.
        assert_eq!(choice.map(|p| p.clone()), "/nonexistent/heads/kemar.sofa");
    }

    #[test]
    fn a_chosen_file_reaches_the_engine_and_a_bad_one_keeps_it() {
        let loader = SofaLoader::new();
        let mut receiver = loader.take_receiver().unwrap();
        assert!(loader.take_receiver().is_none());
        assert!(loader.activate(48_000.0).is_none());
        loader.choose(&fixture());
        let status = settled(&loader);
        assert!(
            matches!(&status, SofaStatus::Loaded { name, directions: 97, .. } if name == "Murmur sphere test set"),
            "{status:?}"
        );
        assert_eq!(loader.chosen(), fixture().to_string_lossy());

        let mut engine = Engine::new(48_000.0, 64).unwrap();
        receiver.exchange(&mut engine);
        assert!(engine.hrtf_set().is_some());
        let settings = Settings {
            hrtf: HrtfModel::Sofa,
            ..Settings::default()
        };
        let (mut l, mut r) = (vec![0.1; 64], vec![0.0; 64]);
        engine.process(InputChannels::Mono, &mut l, &mut r, &settings, None);
        assert!(engine.sofa_active());

        // A damaged file: refused, the set playing stays, and so does the saved choice.
        let broken =
            std::env::temp_dir().join(format!("murmur-broken-{}.sofa", std::process::id()));
        std::fs::write(&broken, b"\x89HDF\r\n\x1a\nnot really").unwrap();
        loader.choose(&broken);
        let status = settled(&loader);
        let text = status.describe();
        assert!(text.contains("is not a readable SOFA file"), "{text}");
        assert!(
            text.contains("Still using Murmur sphere test set"),
            "{text}"
        );
        assert_eq!(loader.chosen(), fixture().to_string_lossy());
        let _ = std::fs::remove_file(broken);

        // Re-activation at the same rate reuses the loaded set without reading the file again.
        assert!(loader.activate(48_000.0).is_some());
    }
}

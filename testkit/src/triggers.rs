//! Driving the trigger layers through the real `Engine`: settings with one or more layers on,
//! and a render that also collects every event the layers started (from the engine's event log).

use murmur::engine::{
    Engine, EventRecord, InputChannels, LayerSettings, NoteOn, Settings, Transport,
};
use murmur::triggers::TriggerKind;

/// Settings with the voice path silent and layer `index` on as `layer`; the other layers off.
pub fn one_layer(index: usize, layer: LayerSettings) -> Settings {
    let mut settings = Settings {
        calm_guard: false,
        ..Settings::default()
    };
    settings.layers[index] = LayerSettings { on: true, ..layer };
    settings
}

/// A layer of `kind` with the design's defaults otherwise.
pub fn layer(kind: TriggerKind) -> LayerSettings {
    LayerSettings::default_for(kind)
}

/// A finished render: the output and the events, in order.
pub struct Render {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    pub events: Vec<EventRecord>,
}

/// Renders `seconds` of the instrument path (no voice input) in blocks of `block` samples.
/// `transport(block_start_sample)` gives the host transport for each block; `notes` are
/// `(absolute sample, note, velocity)`, in order.
pub fn render_triggers(
    fs: f32,
    seconds: f32,
    block: usize,
    settings: &Settings,
    transport: &dyn Fn(usize) -> Option<Transport>,
    notes: &[(usize, u8, f32)],
) -> Render {
    let len = (seconds * fs) as usize;
    let mut engine = Engine::new(fs, block).expect("engine");
    let mut left = vec![0.0f32; len];
    let mut right = vec![0.0f32; len];
    let mut events = Vec::new();
    let mut seen = 0u64;
    let mut start = 0;
    while start < len {
        let end = (start + block).min(len);
        let block_notes: Vec<NoteOn> = notes
            .iter()
            .filter(|(at, _, _)| (start..end).contains(at))
            .map(|&(at, note, velocity)| NoteOn {
                offset: at - start,
                note,
                velocity,
            })
            .collect();
        engine.process_with_notes(
            InputChannels::None,
            &mut left[start..end],
            &mut right[start..end],
            settings,
            transport(start).as_ref(),
            &block_notes,
        );
        let started = engine.triggers().events_started();
        let new = (started - seen) as usize;
        assert!(new <= 256, "event log overflow: {new} events in one block");
        let recent: Vec<EventRecord> = engine.triggers().recent_events().copied().collect();
        events.extend_from_slice(&recent[recent.len() - new..]);
        seen = started;
        start = end;
    }
    Render {
        left,
        right,
        events,
    }
}

/// No host transport.
pub fn no_transport(_: usize) -> Option<Transport> {
    None
}

/// Onset times of the events, seconds.
pub fn onset_times(events: &[EventRecord], fs: f32) -> Vec<f64> {
    events
        .iter()
        .map(|e| e.time_samples as f64 / fs as f64)
        .collect()
}

/// Coefficient of variation of the intervals between successive times.
pub fn interval_cv(times: &[f64]) -> f64 {
    let intervals: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let n = intervals.len() as f64;
    let mean = intervals.iter().sum::<f64>() / n;
    let var = intervals.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n;
    var.sqrt() / mean
}

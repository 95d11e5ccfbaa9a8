//! An instance's memory: what one Murmur instance keeps allocated once the host has activated it,
//! at 192 kHz (the highest rate hosts commonly run, where every buffer sized in time is largest)
//! and at 48 kHz for comparison. Requirement: under 8 MiB at 192 kHz.
//!
//! Two views of it:
//!
//! 1. The engine alone, built in this process: the heap `Engine::new` leaves allocated, plus the
//!    engine's own size (the plugin keeps it inline, inside its instance), with the parts the
//!    engine is made of measured the same way so that a figure that grows shows where.
//! 2. The whole instance as a host sees it: the CLAP build loaded by the test host, created,
//!    activated for 8192-sample blocks and run for a few blocks with every path busy.
//!
//! Both read glibc's `mallinfo2`, the bytes in use from `malloc` in the whole process: the plugin
//! library allocates through `malloc` itself, and this binary's global allocator is nice-plug's
//! allocation guard over the system allocator, so a counting allocator of our own cannot be
//! installed here. Hence Linux with glibc only. A figure includes `malloc`'s bookkeeping (a few
//! bytes per chunk) and small chunks freed into glibc's per-thread cache (which `mallinfo2`
//! counts as in use): some KiB either way.
//!
//! `cargo test --test memory -- --nocapture` prints the figures.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use murmur::binaural::BinauralRenderer;
use murmur::binaural::sofa_renderer::{self, SofaRenderer};
use murmur::calm_guard::CalmGuard;
use murmur::cleanup::Cleanup;
use murmur::dsp::FixedDelay;
use murmur::engine::Engine;
use murmur::triggers::TriggerBank;
use testkit::clap::{CLAP_PARAM_IS_STEPPED, Murmur, ParamChange};

/// The limit for one instance at 192 kHz.
const LIMIT_BYTES: usize = 8 << 20;
/// The largest block the host asks for: the most a host commonly uses.
const MAX_BLOCK: usize = 8192;

// ---------------------------------------------------------------------------------------------
// Reading the heap
// ---------------------------------------------------------------------------------------------

/// glibc's `struct mallinfo2` (glibc 2.33 and later).
#[repr(C)]
struct MallInfo2 {
    arena: usize,
    ordblks: usize,
    smblks: usize,
    hblks: usize,
    hblkhd: usize,
    usmblks: usize,
    fsmblks: usize,
    uordblks: usize,
    fordblks: usize,
    keepcost: usize,
}

unsafe extern "C" {
    fn mallinfo2() -> MallInfo2;
}

/// Bytes in use from `malloc` in the whole process: the chunks of every arena and the chunks
/// mapped on their own.
fn heap_in_use() -> isize {
    // SAFETY: a plain query of the allocator's statistics.
    let info = unsafe { mallinfo2() };
    (info.uordblks + info.hblkhd) as isize
}

/// The process's resident memory (`VmRSS`), bytes.
fn resident() -> isize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: isize = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kb * 1024
}

/// What `make` leaves allocated, bytes.
fn heap_of<T>(make: impl FnOnce() -> T) -> (T, isize) {
    let before = heap_in_use();
    let made = make();
    (made, heap_in_use() - before)
}

fn mib(bytes: isize) -> String {
    format!("{:.3} MiB", bytes as f64 / f64::from(1u32 << 20))
}

fn kib(bytes: isize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------------
// 1. The engine alone
// ---------------------------------------------------------------------------------------------

/// The engine's footprint at `rate`: the heap kept after `Engine::new`, and that plus the engine
/// itself.
fn engine_bytes(rate: f32, max_block: usize) -> (isize, isize) {
    let (engine, heap) = heap_of(|| Engine::new(rate, max_block).expect("a supported rate"));
    drop(engine);
    (heap, heap + size_of::<Engine>() as isize)
}

/// One line of the breakdown: a part of the engine, how many the engine holds, the heap one of
/// them keeps and its own size.
struct Part {
    name: &'static str,
    count: isize,
    heap: isize,
    inline: isize,
}

fn part<T>(name: &'static str, count: isize, make: impl FnOnce() -> T) -> Part {
    let (made, heap) = heap_of(make);
    drop(made);
    Part {
        name,
        count,
        heap,
        inline: size_of::<T>() as isize,
    }
}

/// The parts the engine is built of (see `Engine::new`), measured one by one.
fn engine_parts(rate: f32) -> Vec<Part> {
    let aligned = Cleanup::new(rate).latency() + sofa_renderer::LATENCY;
    vec![
        part("whisper cleanup", 2, || Cleanup::new(rate)),
        part("SOFA renderer", 2, || SofaRenderer::new(rate)),
        part("sphere renderer", 2, || BinauralRenderer::new(rate)),
        part("trigger bank", 1, || TriggerBank::new(rate)),
        part("bypass + trigger delays", 4, || FixedDelay::new(aligned)),
        part("voice delay", 2, || FixedDelay::new(sofa_renderer::LATENCY)),
        part("Calm Guard", 1, || CalmGuard::new(rate)),
    ]
}

/// The engine at one rate: its footprint (heap + inline) made for small and for large blocks,
/// and its parts.
struct EngineFigures {
    rate: f32,
    heap: isize,
    total: isize,
    total_large_blocks: isize,
    parts: Vec<Part>,
}

fn measure_engine(rate: f32) -> EngineFigures {
    // A first engine leaves behind what the allocator sets up once (some KiB): not the engine's.
    drop(Engine::new(rate, 512));
    let (heap, total) = engine_bytes(rate, 512);
    let (_, total_large_blocks) = engine_bytes(rate, MAX_BLOCK);
    EngineFigures {
        rate,
        heap,
        total,
        total_large_blocks,
        parts: engine_parts(rate),
    }
}

fn print_engine(e: &EngineFigures) {
    println!(
        "engine at {} kHz: {} ({} heap + {} inline); {} when made for blocks of up to {MAX_BLOCK}",
        e.rate / 1000.0,
        mib(e.total),
        kib(e.heap),
        kib(size_of::<Engine>() as isize),
        mib(e.total_large_blocks),
    );
    let mut accounted = 0;
    for p in &e.parts {
        let all = p.count * (p.heap + p.inline);
        accounted += all;
        println!(
            "  {:<24} {} × ({:>10} heap + {:>9} inline) = {:>10}",
            p.name,
            p.count,
            kib(p.heap),
            kib(p.inline),
            kib(all)
        );
    }
    println!(
        "  {:<24} {:>43}",
        "rest of the engine",
        kib(e.total - accounted)
    );
}

// ---------------------------------------------------------------------------------------------
// 2. The whole instance through the CLAP host
// ---------------------------------------------------------------------------------------------

/// One instance's memory, bytes, relative to before it was created. The host's audio buffers
/// (`host_buffers`) are taken out of the heap figures; the rest of what the host allocates for
/// the instance (its event list, port lists and `clack-host`'s record of the instance, a few KiB)
/// stays in them.
#[derive(Debug, Clone, Copy)]
struct Figures {
    created: isize,
    activated: isize,
    processed: isize,
    /// After deactivating and dropping the instance (0: all of it returned).
    released: isize,
    /// The host's input and output buffers, one per channel, each as long as the largest block.
    host_buffers: isize,
    /// Resident memory grown from before creation to after processing, everything included.
    resident: isize,
}

/// Every path busy: three trigger layers, both cleanup stages, the voice orbiting. CLAP values:
/// the step index for stepped parameters, normalized otherwise.
fn busy(murmur: &Murmur) -> Vec<ParamChange> {
    [
        ("t1on", 1.0),
        ("t2on", 1.0),
        ("t3on", 1.0),
        ("deess", 0.5),
        ("dnoise", 0.5),
        ("motion", 2.0),
    ]
    .into_iter()
    .map(|(id, value)| {
        let info = murmur.param_by_id(id);
        assert_eq!(
            info.has(CLAP_PARAM_IS_STEPPED),
            value >= 1.0,
            "{id}: the value above assumes otherwise"
        );
        ParamChange {
            offset: 0,
            id: info.id,
            value,
        }
    })
    .collect()
}

/// Creates, activates (stereo in, the effect's default layout, blocks of up to [`MAX_BLOCK`])
/// and runs one instance at `rate` for `blocks` full blocks of noise, reading the heap at each
/// step. Prints nothing.
fn run_instance(rate: f64, blocks: usize) -> Figures {
    let rss_before = resident();
    let before = heap_in_use();

    let mut murmur = Murmur::new();
    let created = heap_in_use() - before;
    let changes = busy(&murmur);
    let mut processor = murmur.activate_with(rate, 2, MAX_BLOCK);
    let host_buffers =
        ((processor.inputs.len() + 2) * processor.max_frames() * size_of::<f32>()) as isize;
    let activated = heap_in_use() - before - host_buffers;

    let mut state = 0x2545_f491u32;
    for block in 0..blocks {
        for channel in &mut processor.inputs {
            for x in channel.iter_mut() {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                *x = (state as f32 / u32::MAX as f32 - 0.5) * 0.2;
            }
        }
        let changes: &[ParamChange] = if block == 0 { &changes } else { &[] };
        processor.process(MAX_BLOCK, changes);
        let (left, right) = processor.output(MAX_BLOCK);
        assert!(
            left.iter().chain(right).all(|x| x.is_finite()),
            "finite output at {rate} Hz"
        );
    }
    let processed = heap_in_use() - before - host_buffers;
    let resident = resident() - rss_before;

    murmur.deactivate(processor);
    drop(changes);
    drop(murmur);
    let released = heap_in_use() - before;
    Figures {
        created,
        activated,
        processed,
        released,
        host_buffers,
        resident,
    }
}

fn print_instance(what: &str, f: &Figures) {
    println!(
        "{what}: {} after activation ({} at creation + {} at activation), {} after processing, \
         {} left after release; host audio buffers {} (taken out); resident memory grown {} \
         (everything, host included)",
        mib(f.activated),
        mib(f.created),
        mib(f.activated - f.created),
        mib(f.processed),
        kib(f.released),
        kib(f.host_buffers),
        mib(f.resident),
    );
}

/// One test for both views: the heap figures are the whole process's, so nothing else may run
/// (the test harness handles a finished test on another thread) and nothing prints (which
/// allocates in the harness's capture) while they are read.
#[test]
fn an_instance_stays_under_8_mib_at_192_khz() {
    let engine_192 = measure_engine(192_000.0);
    let engine_48 = measure_engine(48_000.0);
    // The first instance loads the library and whatever it sets up once per process: not part
    // of any one instance.
    let first = run_instance(48_000.0, 2);
    let at_192 = run_instance(192_000.0, 8);
    let at_48 = run_instance(48_000.0, 8);

    print_engine(&engine_192);
    print_engine(&engine_48);
    print_instance("first instance (48 kHz, loads the library)", &first);
    print_instance("instance at 192 kHz", &at_192);
    print_instance("instance at 48 kHz", &at_48);

    let limit = LIMIT_BYTES as isize;
    assert!(
        engine_192.total < limit,
        "the engine takes {} at 192 kHz (limit {})",
        mib(engine_192.total),
        mib(limit)
    );
    // Buffers sized in time are four times longer at 192 kHz; none is shorter.
    assert!(
        engine_192.total >= engine_48.total,
        "{} < {} bytes",
        engine_192.total,
        engine_48.total
    );
    assert!(
        at_192.activated < limit,
        "an instance takes {} at 192 kHz (limit {})",
        mib(at_192.activated),
        mib(limit)
    );
    // Everything is allocated by the end of activation: processing with every path busy adds
    // nothing beyond the allocator's own noise.
    for (rate, f) in [(192, &at_192), (48, &at_48)] {
        let grown = f.processed - f.activated;
        assert!(
            grown.abs() < 64 << 10,
            "{rate} kHz: the heap changed by {grown} bytes while processing"
        );
    }
}

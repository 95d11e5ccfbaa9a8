//! The voice panel's head rows: Head Size (the sphere model's one setting), the HRTF choice with
//! its Load… button, and a line naming the SOFA set or saying why it did not load; and the file
//! dialog behind Load….
//!
//! The dialog is an egui window inside the editor rather than the desktop's own: a plugin's
//! window belongs to the host's event loop, and a native dialog would need a loop (or a desktop
//! portal) of its own beside it.

use std::path::{Path, PathBuf};

use egui::{Button, Rect, RichText, Ui, Vec2, vec2};
use egui_file::{FileDialog, State};
use nice_plug::prelude::*;

use super::{controls, theme, tooltips};
use crate::params::{self, HrtfParam, MurmurParams};
use crate::sofa_loader::SofaStatus;

/// Width of the HRTF drop-down; Load… takes the rest of the row.
const CHOICE_WIDTH: f32 = 80.0;
/// The dialog's size when it fits the editor, points.
const DIALOG_SIZE: Vec2 = vec2(520.0, 400.0);
/// Space kept between the dialog and the editor's edges when the editor is small, points.
const DIALOG_MARGIN: f32 = 20.0;

/// Head Size, greyed out while a measured head plays.
pub fn head_size_row(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams, width: f32) {
    let sphere = p.hrtf.value() == HrtfParam::Sphere;
    controls::slider_if(
        ui,
        setter,
        &p.head_size,
        "head",
        width,
        sphere,
        tooltips::HEAD_SIZE_WITH_SOFA,
    );
}

/// The HRTF choice and the Load… button beside it, in a grid row `width` wide; returns whether
/// Load… was pressed.
pub fn hrtf_row(ui: &mut Ui, setter: &ParamSetter, p: &MurmurParams, width: f32) -> bool {
    ui.label(controls::short_name(p.hrtf.name()))
        .on_hover_text(params::tooltip("hrtf"));
    let pressed = ui
        .horizontal(|ui| {
            controls::choice_box(ui, setter, &p.hrtf, "hrtf", CHOICE_WIDTH);
            let rest = width - CHOICE_WIDTH - ui.spacing().item_spacing.x;
            let size = vec2(rest, ui.spacing().interact_size.y);
            ui.add_sized(size, Button::new("Load…"))
                .on_hover_text(load_tooltip(&p.sofa.loader().chosen()))
                .clicked()
        })
        .inner;
    ui.end_row();
    pressed
}

/// What Load… does, and which file is saved with the project now.
fn load_tooltip(chosen: &str) -> String {
    if chosen.is_empty() {
        tooltips::LOAD_SOFA.to_owned()
    } else {
        format!("{}\nNow: {chosen}", tooltips::LOAD_SOFA)
    }
}

/// One line under the HRTF row: the loaded set, a file loading, or why a file did not load (in
/// the warning colour). Nothing while the sphere plays and no file was ever chosen, since there
/// is nothing to say then. The line is cut to the panel's width; the full text shows on hover.
pub fn status_line(ui: &mut Ui, hrtf: HrtfParam, status: &SofaStatus) {
    if hrtf == HrtfParam::Sphere && *status == SofaStatus::None {
        return;
    }
    let colour = if status.is_failure() {
        theme::WARNING
    } else {
        theme::DIM_TEXT
    };
    ui.add(
        egui::Label::new(RichText::new(status.describe()).size(12.0).color(colour))
            .truncate()
            .selectable(false),
    );
}

/// The Load… dialog: an egui window over the editor while it is open.
#[derive(Default)]
pub struct SofaDialog {
    dialog: Option<FileDialog>,
}

impl SofaDialog {
    /// Opens the dialog centred in `editor`, in the folder of `chosen` (the SOFA file saved with
    /// the project, "" for none) or else the home folder. Does nothing if it is already open.
    pub fn open(&mut self, chosen: &str, editor: Rect) {
        if self.dialog.is_some() {
            return;
        }
        let size = DIALOG_SIZE.min(editor.size() - Vec2::splat(2.0 * DIALOG_MARGIN));
        let mut dialog = FileDialog::open_file()
            .initial_path(start_folder(chosen))
            .title("Load a SOFA file")
            .default_size(size)
            .default_pos(editor.center() - size / 2.0)
            .show_files_filter(Box::new(|path: &Path| is_sofa(path)))
            .filename_filter(Box::new(|name: &str| is_sofa(Path::new(name))))
            // Loading a head is no occasion to rename or create the user's files.
            .show_rename(false)
            .show_new_folder(false);
        dialog.open();
        self.dialog = Some(dialog);
    }

    pub fn is_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// Draws the dialog if it is open; returns the file once the user picks one. Cancelling
    /// (or closing the window) forgets the dialog.
    pub fn show(&mut self, ctx: &egui::Context) -> Option<PathBuf> {
        let dialog = self.dialog.as_mut()?;
        dialog.show(ctx);
        match dialog.state() {
            State::Open => None,
            State::Selected => self.dialog.take()?.path().map(Path::to_path_buf),
            State::Closed | State::Cancelled => {
                self.dialog = None;
                None
            }
        }
    }
}

/// Where the dialog starts: beside the file chosen last (sets tend to live together), else the
/// home folder, else wherever the host runs.
fn start_folder(chosen: &str) -> PathBuf {
    Path::new(chosen)
        .parent()
        .filter(|folder| folder.is_dir())
        .map(Path::to_path_buf)
        .or_else(std::env::home_dir)
        .unwrap_or_default()
}

/// Whether `path` names a SOFA file (by its extension, in any case: `.SOFA` comes from Windows).
fn is_sofa(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("sofa"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialog_starts_beside_the_chosen_file_or_at_home() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sphere-44k1.sofa"
        );
        assert_eq!(
            start_folder(fixture),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
        );
        let home = std::env::home_dir().unwrap_or_default();
        assert_eq!(start_folder(""), home);
        // A saved file whose folder is gone (a project from another machine).
        assert_eq!(start_folder("/nonexistent/heads/kemar.sofa"), home);
    }

    #[test]
    fn only_sofa_files_are_offered() {
        assert!(is_sofa(Path::new("/heads/kemar.sofa")));
        assert!(is_sofa(Path::new("KEMAR.SOFA")));
        assert!(!is_sofa(Path::new("/heads/kemar.wav")));
        assert!(!is_sofa(Path::new("/heads/sofa")));
        assert!(!is_sofa(Path::new("")));
    }

    #[test]
    fn escape_cancels_the_dialog_without_a_pick() {
        let ctx = egui::Context::default();
        let mut dialog = SofaDialog::default();
        let editor = Rect::from_min_size(egui::Pos2::ZERO, vec2(800.0, 560.0));
        dialog.open("", editor);
        let mut frame = |events: Vec<egui::Event>| {
            let input = egui::RawInput {
                screen_rect: Some(editor),
                events,
                ..Default::default()
            };
            let mut picked = None;
            let mut output = ctx.run_ui(input, |ui| picked = dialog.show(ui.ctx()));
            output.textures_delta.clear();
            picked
        };
        assert_eq!(frame(vec![]), None);
        let escape = egui::Event::Key {
            key: egui::Key::Escape,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        };
        assert_eq!(frame(vec![escape]), None);
        assert!(!dialog.is_open());
    }
}

//! User presets: the parameters saved under a name of the user's, from the editor, as the same
//! `NAME=VALUE` preset files the command line reads (`murmur render --preset NAME` finds them by
//! name, `murmur presets` lists them). One file per preset, in the platform's user data folder.
//!
//! A file starts with its format and its name, then one line per parameter (Bypass is not part
//! of a sound). Continuous values are written to the last digit an `f32` holds, not as the
//! editor rounds them, so that a preset made in a DAW renders the same on the command line.
//! A file is written whole to a temporary name and renamed into place, so a full disk or a crash
//! leaves the old file or none, never half of one; a damaged file, or one of a newer format, is
//! refused as a whole, so loading it changes nothing.

use std::path::{Path, PathBuf};

use crate::params::{ParamIndex, ParamSheet};

/// The format this version writes, and the newest it reads.
pub const FORMAT: u32 = 1;
/// The first line of a file, before the format's number.
const FORMAT_LINE: &str = "# Murmur preset, format ";
/// The second line, before the preset's name.
const NAME_LINE: &str = "# name: ";
/// The last line of a file Murmur wrote: without it the file was cut short.
const END_LINE: &str = "# end";
/// What a preset file's name ends in.
pub const EXTENSION: &str = "txt";
/// Overrides the folder (tests, portable setups).
pub const FOLDER_ENV: &str = "MURMUR_PRESET_DIR";
/// The longest name taken, in characters: a file name must stay within every system's limit
/// (255 bytes) once its characters are escaped.
pub const MAX_NAME_CHARS: usize = 60;

/// One saved preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPreset {
    /// The name as the user typed it.
    pub name: String,
    pub path: PathBuf,
}

/// Where user presets live: `$MURMUR_PRESET_DIR`, else `Murmur/Presets` in the platform's user
/// data folder (`~/.local/share` on Linux, `%APPDATA%` on Windows, `~/Library/Application
/// Support` on macOS). `None` when the system names no such folder.
pub fn folder() -> Option<PathBuf> {
    match std::env::var_os(FOLDER_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::data_dir().map(|d| d.join("Murmur").join("Presets")),
    }
}

/// A name trimmed and checked: not empty, not too long, no control characters.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a preset needs a name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "a preset name has at most {MAX_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a preset name cannot hold control characters".into());
    }
    Ok(name.to_owned())
}

/// The file name of preset `name`: the name itself, with every character that some system does
/// not allow in a file name (`/ \ : * ? " < > |`, `%` itself, and a leading or trailing dot or
/// space) written as `%XX` bytes of its UTF-8. Accents and other letters stay as they are.
pub fn file_name(name: &str) -> String {
    let last = name.chars().count().saturating_sub(1);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        let at_an_end = i == 0 || i == last;
        let escaped = matches!(
            c,
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '%'
        ) || (at_an_end && matches!(c, '.' | ' '));
        if escaped {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    format!("{out}.{EXTENSION}")
}

/// The preset file's text: format, name, and every parameter but Bypass at `sheet`'s values.
pub fn text(name: &str, sheet: &ParamSheet) -> String {
    let mut text = format!("{FORMAT_LINE}{FORMAT}\n{NAME_LINE}{name}\n");
    for (i, entry) in sheet.params().iter().enumerate() {
        if entry.id == "bypass" {
            continue;
        }
        text.push_str(&format!(
            "{:<8} = {}\n",
            entry.id,
            sheet.exact_text(ParamIndex(i))
        ));
    }
    text.push_str(END_LINE);
    text.push('\n');
    text
}

/// The values a preset file's `text` sets, checked as a whole: the first line that is not a
/// value of a parameter, or a format newer than [`FORMAT`], refuses the file (with the line it
/// stopped at). A file Murmur wrote ends in an end line, so one cut short is refused too; a file
/// without the format line is a hand-written preset, read as format 1.
pub fn parse(text: &str, reference: &ParamSheet) -> Result<Vec<(ParamIndex, f32)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_format(text)?;
    let mut values = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let value = reference
            .parse_assignment(line)
            .map_err(|why| format!("line {}: {why}", n + 1))?;
        values.push(value);
    }
    if values.is_empty() {
        return Err("the file sets no parameter".into());
    }
    Ok(values)
}

/// Refuses a file of a format newer than [`FORMAT`], or one Murmur wrote that was cut short;
/// takes a file without a format line (a hand-written preset).
pub fn check_format(text: &str) -> Result<(), String> {
    let Some(format) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(FORMAT_LINE))
    else {
        return Ok(());
    };
    match format.trim().parse::<u32>() {
        Ok(n) if n <= FORMAT => {
            if text.lines().last().map(str::trim) == Some(END_LINE) {
                Ok(())
            } else {
                Err("the file is cut short (its end line is missing)".into())
            }
        }
        Ok(n) => Err(format!(
            "written by a newer Murmur (preset format {n}; this one reads up to {FORMAT})"
        )),
        Err(_) => Err(format!("line 1: unknown preset format `{}`", format.trim())),
    }
}

/// The name a preset file gives itself (its name line), else its file name unescaped.
pub fn name_of(path: &Path, text: &str) -> String {
    text.lines()
        .take(3)
        .find_map(|l| l.strip_prefix(NAME_LINE))
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| unescape(&path.file_stem().unwrap_or_default().to_string_lossy()))
}

/// `%XX` escapes back to their characters (what [`file_name`] wrote).
fn unescape(stem: &str) -> String {
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The presets in `folder`, by name (case ignored). Files that cannot be read are left out.
pub fn list_in(folder: &Path) -> Vec<UserPreset> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut presets: Vec<UserPreset> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == EXTENSION) && p.is_file())
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            Some(UserPreset {
                name: name_of(&path, &text),
                path,
            })
        })
        .collect();
    presets.sort_by_key(|p| p.name.to_lowercase());
    presets
}

/// The preset called `name` in `folder` (case ignored: on Windows and macOS two names that
/// differ only so would be one file).
pub fn find_in(folder: &Path, name: &str) -> Option<UserPreset> {
    let key = |s: &str| s.trim().to_lowercase();
    list_in(folder)
        .into_iter()
        .find(|p| key(&p.name) == key(name))
}

/// `name` checked as a new name for a preset of the user's: a valid name, and not a factory
/// preset's (the command line finds those first, and a VST3 host would get two files of it).
fn check_new_name(name: &str) -> Result<String, String> {
    let name = check_name(name)?;
    match crate::presets::find(&name) {
        Some(factory) => Err(format!(
            "`{}` is a factory preset: choose another name",
            factory.name
        )),
        None => Ok(name),
    }
}

/// Where a new file for preset `name` goes in `folder`: its escaped name, or, when a file of
/// another preset (a copy made by hand) is there already, the same with a number.
fn free_path(folder: &Path, name: &str) -> PathBuf {
    let file = file_name(name);
    let stem = file.strip_suffix(&format!(".{EXTENSION}")).unwrap_or(&file);
    (1..)
        .map(|n| match n {
            1 => folder.join(&file),
            n => folder.join(format!("{stem} ({n}).{EXTENSION}")),
        })
        .find(|path| !path.exists())
        .expect("a free file name")
}

/// Saves `sheet`'s values as preset `name` in `folder` (created if need be), replacing a preset
/// of that name. The file is whole or absent: written beside its place and renamed into it.
pub fn save_in(folder: &Path, name: &str, sheet: &ParamSheet) -> Result<UserPreset, String> {
    let name = check_new_name(name)?;
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let path = find_in(folder, &name)
        .map(|p| p.path)
        .unwrap_or_else(|| free_path(folder, &name));
    write_whole(&path, &text(&name, sheet))?;
    Ok(UserPreset { name, path })
}

/// Renames `preset` to `new_name` (its file too); refused when another preset has that name.
pub fn rename(preset: &UserPreset, new_name: &str) -> Result<UserPreset, String> {
    let name = check_new_name(new_name)?;
    let folder = preset.path.parent().unwrap_or(Path::new("."));
    if let Some(other) = find_in(folder, &name)
        && other.path != preset.path
    {
        return Err(format!("a preset called `{}` exists already", other.name));
    }
    let text = std::fs::read_to_string(&preset.path)
        .map_err(|e| format!("cannot read {}: {e}", preset.path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // A file this version cannot read keeps its name: relabelling it would hide why.
    check_format(text).map_err(|why| format!("{}: {why}", preset.name))?;
    let body: String = text
        .lines()
        .filter(|l| {
            ![NAME_LINE, FORMAT_LINE, END_LINE]
                .iter()
                .any(|m| l.starts_with(m))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let renamed = format!("{FORMAT_LINE}{FORMAT}\n{NAME_LINE}{name}\n{body}{END_LINE}\n");
    // The new name goes into the file where it is, then the file moves: a rename that changes
    // only the case is one file on Windows and macOS, which writing a second file and removing
    // the first would lose.
    write_whole(&preset.path, &renamed)?;
    let path = match folder.join(file_name(&name)) {
        // The same file (a change of case alone on Windows and macOS included).
        same if same.to_string_lossy().to_lowercase()
            == preset.path.to_string_lossy().to_lowercase() =>
        {
            same
        }
        _ => free_path(folder, &name),
    };
    if path != preset.path {
        std::fs::rename(&preset.path, &path)
            .map_err(|e| format!("cannot rename {}: {e}", preset.path.display()))?;
    }
    Ok(UserPreset { name, path })
}

/// Deletes `preset`'s file.
pub fn delete(preset: &UserPreset) -> Result<(), String> {
    std::fs::remove_file(&preset.path)
        .map_err(|e| format!("cannot delete {}: {e}", preset.path.display()))
}

/// The values preset file `path` sets (see [`parse`]); errors name the file.
pub fn load(path: &Path, reference: &ParamSheet) -> Result<Vec<(ParamIndex, f32)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read preset {}: {e}", path.display()))?;
    parse(&text, reference).map_err(|why| format!("preset {}: {why}", path.display()))
}

/// The parameters a preset file's `text` gives: its values on top of the defaults, as the
/// command line reads a preset file (see [`parse`] for what is refused).
pub fn sheet(text: &str) -> Result<ParamSheet, String> {
    let mut sheet = ParamSheet::new();
    for (index, normalized) in parse(text, &sheet)? {
        sheet.set_normalized(index, normalized);
    }
    Ok(sheet)
}

/// [`sheet`] of preset file `path`; errors name the file.
pub fn load_sheet(path: &Path) -> Result<ParamSheet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read preset {}: {e}", path.display()))?;
    sheet(&text).map_err(|why| format!("preset {}: {why}", path.display()))
}

/// Writes `text` to a temporary file beside `path` and renames it into place.
fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    // Unique per process and per write (two instances in one host may save at once), and short
    // whatever the preset's name.
    static WRITES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let temporary = path.with_file_name(format!(
        ".murmur-preset-{}-{}.part",
        std::process::id(),
        WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        use std::io::Write;
        file.write_all(text.as_bytes())?;
        // On the disk before it takes the old file's place (through the handle that wrote it:
        // Windows flushes only a handle open for writing).
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    });
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("murmur-presets-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A sheet away from the defaults, with values no display rounds to.
    fn odd_sheet() -> ParamSheet {
        let mut sheet = ParamSheet::new();
        for (id, normalized) in [
            ("azim", 0.123_456_7),
            ("mrate", 0.377_77),
            ("t2dens", 0.612_345),
        ] {
            let index = sheet.find(id).unwrap();
            sheet.set_normalized(index, normalized);
        }
        let (index, value) = sheet.parse_assignment("motion=Orbit").unwrap();
        sheet.set_normalized(index, value);
        sheet
    }

    #[test]
    fn a_saved_preset_reads_back_to_the_same_values() {
        let folder = temp_folder("roundtrip");
        let sheet = odd_sheet();
        let saved = save_in(&folder, "Soft rain / close, café", &sheet).unwrap();
        assert_eq!(saved.name, "Soft rain / close, café");
        assert_eq!(
            saved.path.file_name().unwrap().to_string_lossy(),
            "Soft rain %2F close, café.txt"
        );
        let values = load(&saved.path, &ParamSheet::new()).unwrap();
        let mut read = ParamSheet::new();
        for &(index, normalized) in &values {
            read.set_normalized(index, normalized);
        }
        for (i, entry) in sheet.params().iter().enumerate() {
            let (a, b) = (
                sheet.normalized(ParamIndex(i)),
                read.normalized(ParamIndex(i)),
            );
            assert!((a - b).abs() <= 1e-6, "{}: {a} saved, {b} read", entry.id);
        }
        assert_eq!(read.settings().motion, sheet.settings().motion);
        assert_eq!(list_in(&folder), std::slice::from_ref(&saved));
        assert_eq!(find_in(&folder, "soft RAIN / close, café"), Some(saved));
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn names_with_any_character_make_files_and_come_back() {
        let folder = temp_folder("names");
        let sheet = ParamSheet::new();
        let names = [
            "Ça va, été",
            "a/b\\c:d*e?f\"g<h>i|j%k",
            ".hidden.",
            " spaced ",
            "日本語のささやき",
        ];
        for name in names {
            save_in(&folder, name, &sheet).unwrap();
        }
        let listed: Vec<String> = list_in(&folder).into_iter().map(|p| p.name).collect();
        assert_eq!(listed.len(), names.len(), "{listed:?}");
        for name in names {
            assert!(
                listed.contains(&name.trim().to_owned()),
                "{name:?} in {listed:?}"
            );
            let file = file_name(name.trim());
            assert!(
                !file.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']),
                "{file}"
            );
            assert!(!file.starts_with('.') && !file.starts_with(' '), "{file}");
            assert_eq!(unescape(file.strip_suffix(".txt").unwrap()), name.trim());
        }
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn rename_and_delete() {
        let folder = temp_folder("rename");
        let sheet = odd_sheet();
        let first = save_in(&folder, "First", &sheet).unwrap();
        let other = save_in(&folder, "Other", &ParamSheet::new()).unwrap();
        assert!(
            rename(&first, "other")
                .unwrap_err()
                .contains("exists already")
        );
        let renamed = rename(&first, "Second: night").unwrap();
        assert!(!first.path.exists());
        assert_eq!(renamed.name, "Second: night");
        let values = load(&renamed.path, &ParamSheet::new()).unwrap();
        assert_eq!(values.len(), sheet.params().len() - 1, "all but Bypass");
        delete(&other).unwrap();
        let names: Vec<String> = list_in(&folder).into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Second: night"]);
        // A change of case alone is the same preset, renamed (one file, its values kept).
        let recased = rename(&renamed, "second: NIGHT").unwrap();
        let listed = list_in(&folder);
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].name, "second: NIGHT");
        assert_eq!(load(&recased.path, &ParamSheet::new()).unwrap(), values);
        assert!(check_name("  ").is_err());
        assert!(check_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(check_name("tab\there").is_err());
        let _ = std::fs::remove_dir_all(folder);
    }

    #[test]
    fn damaged_and_future_files_are_refused_whole() {
        let reference = ParamSheet::new();
        let good = text("Good", &odd_sheet());
        assert!(parse(&good, &reference).is_ok());
        let future = good.replacen("format 1", "format 2", 1);
        let why = parse(&future, &reference).unwrap_err();
        assert!(why.contains("newer Murmur"), "{why}");
        // One damaged line, late in the file: the whole file is refused, naming the line.
        let mut lines: Vec<&str> = good.lines().collect();
        let at = lines.len() - 2;
        lines[at] = "t3dist   = far away";
        let why = parse(&lines.join("\n"), &reference).unwrap_err();
        assert!(why.starts_with(&format!("line {}:", at + 1)), "{why}");
        for cut in [good.len() / 2, good.len() - END_LINE.len() - 1] {
            let why = parse(&good[..cut], &reference).unwrap_err();
            assert!(why.contains("cut short"), "{why}");
        }
        assert!(parse("\u{0}\u{1}garbage", &reference).is_err());
        // Hand-written presets (no format line) are read as before.
        assert_eq!(parse("azim = 90\n", &reference).unwrap().len(), 1);
    }

    #[test]
    fn no_preset_is_lost_to_another() {
        let folder = temp_folder("others");
        let sheet = odd_sheet();
        // A factory preset's name is refused: the command line would never reach the copy.
        let why = save_in(&folder, "slow orbit", &sheet).unwrap_err();
        assert!(why.contains("factory preset"), "{why}");
        // A copy made by hand holds the file name a new preset would take: both are kept.
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("Night.txt"),
            text("Night (old)", &ParamSheet::new()),
        )
        .unwrap();
        let night = save_in(&folder, "Night", &sheet).unwrap();
        assert_eq!(night.path.file_name().unwrap(), "Night (2).txt");
        let names: Vec<String> = list_in(&folder).into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Night", "Night (old)"]);
        // A hand-written preset (no format or end line) renamed stays a preset.
        std::fs::write(folder.join("hand.txt"), "\u{feff}azim = 30\n").unwrap();
        let hand = find_in(&folder, "hand").unwrap();
        let renamed = rename(&hand, "By hand").unwrap();
        assert_eq!(load(&renamed.path, &ParamSheet::new()).unwrap().len(), 1);
        // A file that sets nothing is refused, not read as the defaults.
        assert!(
            parse("", &ParamSheet::new())
                .unwrap_err()
                .contains("no parameter")
        );
        let _ = std::fs::remove_dir_all(folder);
    }
}

//! VST3 preset files (`.vstpreset`): what VST3 hosts' preset browsers list from their preset
//! folders. nice-plug's VST3 wrapper offers no program list, so Murmur's presets reach VST3
//! hosts as files, written by `murmur presets --vst3 DIR`.
//!
//! The container is Steinberg's (VST 3 SDK, `vstpresetfile.h`): a 48-byte header (`VST3`, format
//! version 1, the class ID as 32 hexadecimal characters, the offset of the chunk list), the
//! chunks, then the list (`List`, a count, and per chunk its ID, offset and size). A preset holds
//! the component's state (`Comp`: the same bytes the plugin's `getState` writes, nice-plug's JSON
//! state) and its name and plugin in the metadata chunk (`Info`, XML).

/// The chunk list's position in the header: after `VST3`, the version and the class ID.
const HEADER_LEN: usize = 4 + 4 + 32 + 8;

/// A `.vstpreset` file for the plugin of class `class_id`, restoring `component_state`, named
/// `preset_name` for `plugin_name` in the metadata.
pub fn file(
    class_id: &[u8; 16],
    component_state: &[u8],
    plugin_name: &str,
    preset_name: &str,
) -> Vec<u8> {
    let info = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MetaInfo>\n\
         \t<Attr id=\"MediaType\" value=\"VstPreset\" type=\"string\" flags=\"writeProtected\"/>\n\
         \t<Attr id=\"PlugInName\" value=\"{}\" type=\"string\" flags=\"writeProtected\"/>\n\
         \t<Attr id=\"Name\" value=\"{}\" type=\"string\"/>\n</MetaInfo>\n",
        xml_escape(plugin_name),
        xml_escape(preset_name)
    );
    let mut out = Vec::new();
    out.extend_from_slice(b"VST3");
    out.extend_from_slice(&1i32.to_le_bytes());
    for byte in class_id {
        out.extend_from_slice(format!("{byte:02X}").as_bytes());
    }
    out.extend_from_slice(&0i64.to_le_bytes()); // the list's offset, set below
    let mut chunks = Vec::new();
    for (id, data) in [(b"Comp", component_state), (b"Info", info.as_bytes())] {
        chunks.push((id, out.len() as i64, data.len() as i64));
        out.extend_from_slice(data);
    }
    let list = out.len() as i64;
    out[HEADER_LEN - 8..HEADER_LEN].copy_from_slice(&list.to_le_bytes());
    out.extend_from_slice(b"List");
    out.extend_from_slice(&(chunks.len() as i32).to_le_bytes());
    for (id, offset, size) in chunks {
        out.extend_from_slice(id);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    }
    out
}

/// The chunk `id` of a `.vstpreset` file and the class ID it names, if the file is one.
pub fn chunk<'a>(file: &'a [u8], id: &[u8; 4]) -> Option<(String, &'a [u8])> {
    if file.get(..4)? != b"VST3" {
        return None;
    }
    let class = String::from_utf8(file.get(8..40)?.to_vec()).ok()?;
    let list = i64::from_le_bytes(file.get(40..48)?.try_into().ok()?) as usize;
    if file.get(list..list + 4)? != b"List" {
        return None;
    }
    let count = i32::from_le_bytes(file.get(list + 4..list + 8)?.try_into().ok()?);
    (0..count.max(0) as usize).find_map(|n| {
        let entry = file.get(list + 8 + n * 20..list + 28 + n * 20)?;
        let offset = i64::from_le_bytes(entry[4..12].try_into().ok()?) as usize;
        let size = i64::from_le_bytes(entry[12..20].try_into().ok()?) as usize;
        (&entry[..4] == id).then(|| Some((class.clone(), file.get(offset..offset + size)?)))?
    })
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_holds_its_chunks_where_its_list_says() {
        let state = br#"{"version":"1","params":{}}"#;
        let bytes = file(b"MurmurBinauralFx", state, "Murmur", "Rain & \"Night\"");
        assert_eq!(&bytes[..4], b"VST3");
        assert_eq!(i32::from_le_bytes(bytes[4..8].try_into().unwrap()), 1);
        let (class, comp) = chunk(&bytes, b"Comp").unwrap();
        assert_eq!(class, "4D75726D757242696E617572616C4678");
        assert_eq!(comp, state);
        let (_, info) = chunk(&bytes, b"Info").unwrap();
        let info = std::str::from_utf8(info).unwrap();
        assert!(
            info.contains(r#"value="Rain &amp; &quot;Night&quot;""#),
            "{info}"
        );
        assert!(chunk(&bytes, b"Cont").is_none());
        assert!(chunk(b"VST2 not a preset", b"Comp").is_none());
        assert!(
            chunk(&bytes[..bytes.len() - 3], b"Info").is_none(),
            "a cut file"
        );
    }
}

//! Parameter IDs are what saved sessions and automation lanes store: this list is frozen.
//! A failure here means an ID was renamed, removed or reordered into a new one — restore it.
//! New parameters are appended to the list when they land.

use murmur::params::MurmurParams;
use nice_plug::prelude::Params;
use testkit::frozen_params::FROZEN;

#[test]
fn parameter_ids_are_frozen() {
    let params = MurmurParams::default();
    let actual: Vec<(String, String)> = params
        .param_map()
        .into_iter()
        // SAFETY: the pointers point into `params`, alive for this whole test.
        .map(|(id, ptr, _)| (id, unsafe { ptr.name() }.to_string()))
        .collect();
    for (id, name) in FROZEN {
        let found = actual.iter().find(|(a, _)| a == id);
        assert!(found.is_some(), "parameter ID `{id}` ({name}) disappeared");
        assert_eq!(&found.unwrap().1, name, "parameter `{id}` was renamed");
    }
    let extra: Vec<&String> = actual
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !FROZEN.iter().any(|(f, _)| f == id))
        .collect();
    assert!(
        extra.is_empty(),
        "new parameter IDs {extra:?}: add them to the frozen list"
    );
}

#[test]
fn enum_variant_ids_are_frozen() {
    // Enum parameters save their variant IDs, so those are a contract too.
    use murmur::params::{
        DivisionParam, MotionParam, PlacementParam, SyncDivisionParam, TriggerKindParam,
    };
    use nice_plug::prelude::Enum;
    assert_eq!(
        MotionParam::ids().unwrap(),
        ["static", "ear2ear", "orbit", "fig8", "drift", "earhop"]
    );
    assert_eq!(
        SyncDivisionParam::ids().unwrap(),
        ["8bar", "4bar", "2bar", "1bar", "1/2", "1/4", "1/8"]
    );
    assert_eq!(
        TriggerKindParam::ids().unwrap(),
        [
            "wood", "nail", "crinkle", "paper", "brush", "scratch", "drops", "rain", "shh"
        ]
    );
    assert_eq!(
        PlacementParam::ids().unwrap(),
        ["around", "follow", "leftear", "rightear", "front", "sweep"]
    );
    assert_eq!(
        DivisionParam::ids().unwrap(),
        ["1/1", "1/2", "1/4", "1/8", "1/16", "1/32"]
    );
}

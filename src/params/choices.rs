//! The choice lists the host shows, each standing for an engine enum.
//!
//! A host choice's `#[id]` is what saved sessions store, so these enums are part of the frozen
//! contract (`tests/hosts/param_ids.rs`); the engine's enums are free to change. Each host enum turns
//! into its engine enum through one `From` impl, and the way back ([`choice_for`]) asks that same
//! impl, so the two enums never have to list their variants in the same order.

use nice_plug::prelude::Enum;

use crate::motion::{MotionMode, SyncDivision};
use crate::room::RoomKind;
use crate::settings::HrtfModel;
use crate::triggers::{GridDivision, Placement, TriggerKind};

/// The host choice that stands for `value`, found through `V::from` (the first choice if none
/// does).
pub fn choice_for<P: Enum + Copy, V: From<P> + PartialEq>(value: V) -> P {
    (0..P::variants().len())
        .map(P::from_index)
        .find(|&choice| V::from(choice) == value)
        .unwrap_or_else(|| P::from_index(0))
}

/// Motion path choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MotionParam {
    #[id = "static"]
    #[name = "Static"]
    Static,
    #[id = "ear2ear"]
    #[name = "Ear to Ear"]
    EarToEar,
    #[id = "orbit"]
    #[name = "Orbit"]
    Orbit,
    #[id = "fig8"]
    #[name = "Figure Eight"]
    FigureEight,
    #[id = "drift"]
    #[name = "Drift"]
    Drift,
    #[id = "earhop"]
    #[name = "Ear Hop"]
    EarHop,
}

impl From<MotionParam> for MotionMode {
    fn from(value: MotionParam) -> Self {
        match value {
            MotionParam::Static => MotionMode::Static,
            MotionParam::EarToEar => MotionMode::EarToEar,
            MotionParam::Orbit => MotionMode::Orbit,
            MotionParam::FigureEight => MotionMode::FigureEight,
            MotionParam::Drift => MotionMode::Drift,
            MotionParam::EarHop => MotionMode::EarHop,
        }
    }
}

/// Sync division choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncDivisionParam {
    #[id = "8bar"]
    #[name = "8 bars"]
    Bars8,
    #[id = "4bar"]
    #[name = "4 bars"]
    Bars4,
    #[id = "2bar"]
    #[name = "2 bars"]
    Bars2,
    #[id = "1bar"]
    #[name = "1 bar"]
    Bar1,
    #[id = "1/2"]
    #[name = "1/2"]
    Half,
    #[id = "1/4"]
    #[name = "1/4"]
    Quarter,
    #[id = "1/8"]
    #[name = "1/8"]
    Eighth,
}

impl From<SyncDivisionParam> for SyncDivision {
    fn from(value: SyncDivisionParam) -> Self {
        match value {
            SyncDivisionParam::Bars8 => SyncDivision::Bars(8),
            SyncDivisionParam::Bars4 => SyncDivision::Bars(4),
            SyncDivisionParam::Bars2 => SyncDivision::Bars(2),
            SyncDivisionParam::Bar1 => SyncDivision::Bars(1),
            SyncDivisionParam::Half => SyncDivision::Note(2),
            SyncDivisionParam::Quarter => SyncDivision::Note(4),
            SyncDivisionParam::Eighth => SyncDivision::Note(8),
        }
    }
}

/// Head model choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HrtfParam {
    #[id = "sphere"]
    #[name = "Sphere"]
    Sphere,
    #[id = "sofa"]
    #[name = "SOFA"]
    Sofa,
}

impl From<HrtfParam> for HrtfModel {
    fn from(value: HrtfParam) -> Self {
        match value {
            HrtfParam::Sphere => HrtfModel::Sphere,
            HrtfParam::Sofa => HrtfModel::Sofa,
        }
    }
}

/// Trigger model choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKindParam {
    #[id = "wood"]
    #[name = "Wood Tap"]
    WoodTap,
    #[id = "nail"]
    #[name = "Nail Tap"]
    NailTap,
    #[id = "crinkle"]
    #[name = "Crinkle"]
    Crinkle,
    #[id = "paper"]
    #[name = "Paper"]
    Paper,
    #[id = "brush"]
    #[name = "Brush"]
    Brush,
    #[id = "scratch"]
    #[name = "Scratch"]
    Scratch,
    #[id = "drops"]
    #[name = "Drops"]
    Drops,
    #[id = "rain"]
    #[name = "Rain"]
    Rain,
    #[id = "shh"]
    #[name = "Shh"]
    Shh,
}

impl From<TriggerKindParam> for TriggerKind {
    fn from(value: TriggerKindParam) -> Self {
        match value {
            TriggerKindParam::WoodTap => TriggerKind::WoodTap,
            TriggerKindParam::NailTap => TriggerKind::NailTap,
            TriggerKindParam::Crinkle => TriggerKind::Crinkle,
            TriggerKindParam::Paper => TriggerKind::Paper,
            TriggerKindParam::Brush => TriggerKind::Brush,
            TriggerKindParam::Scratch => TriggerKind::Scratch,
            TriggerKindParam::Drops => TriggerKind::Drops,
            TriggerKindParam::Rain => TriggerKind::Rain,
            TriggerKindParam::Shh => TriggerKind::Shh,
        }
    }
}

/// Placement choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementParam {
    #[id = "around"]
    #[name = "Around Head"]
    AroundHead,
    #[id = "follow"]
    #[name = "Follow Voice"]
    FollowVoice,
    #[id = "leftear"]
    #[name = "Left Ear"]
    LeftEar,
    #[id = "rightear"]
    #[name = "Right Ear"]
    RightEar,
    #[id = "front"]
    #[name = "Front"]
    Front,
    #[id = "sweep"]
    #[name = "Sweep"]
    Sweep,
}

impl From<PlacementParam> for Placement {
    fn from(value: PlacementParam) -> Self {
        match value {
            PlacementParam::AroundHead => Placement::AroundHead,
            PlacementParam::FollowVoice => Placement::FollowVoice,
            PlacementParam::LeftEar => Placement::LeftEar,
            PlacementParam::RightEar => Placement::RightEar,
            PlacementParam::Front => Placement::Front,
            PlacementParam::Sweep => Placement::Sweep,
        }
    }
}

/// Trigger grid divisions as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DivisionParam {
    #[id = "1/1"]
    #[name = "1/1"]
    Whole,
    #[id = "1/2"]
    #[name = "1/2"]
    Half,
    #[id = "1/4"]
    #[name = "1/4"]
    Quarter,
    #[id = "1/8"]
    #[name = "1/8"]
    Eighth,
    #[id = "1/16"]
    #[name = "1/16"]
    Sixteenth,
    #[id = "1/32"]
    #[name = "1/32"]
    ThirtySecond,
}

impl From<DivisionParam> for GridDivision {
    fn from(value: DivisionParam) -> Self {
        match value {
            DivisionParam::Whole => GridDivision::Whole,
            DivisionParam::Half => GridDivision::Half,
            DivisionParam::Quarter => GridDivision::Quarter,
            DivisionParam::Eighth => GridDivision::Eighth,
            DivisionParam::Sixteenth => GridDivision::Sixteenth,
            DivisionParam::ThirtySecond => GridDivision::ThirtySecond,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value the engine can be set to has a host choice, found again on the way back.
    fn round_trips<P, V>(values: &[V])
    where
        P: Enum + Copy,
        V: From<P> + PartialEq + Copy + std::fmt::Debug,
    {
        for &value in values {
            assert_eq!(V::from(choice_for::<P, V>(value)), value);
        }
    }

    #[test]
    fn every_engine_value_has_a_host_choice() {
        round_trips::<MotionParam, _>(&MotionMode::ALL);
        round_trips::<SyncDivisionParam, _>(&[
            SyncDivision::Bars(8),
            SyncDivision::Bars(4),
            SyncDivision::Bars(2),
            SyncDivision::Bars(1),
            SyncDivision::Note(2),
            SyncDivision::Note(4),
            SyncDivision::Note(8),
        ]);
        round_trips::<HrtfParam, _>(&[HrtfModel::Sphere, HrtfModel::Sofa]);
        round_trips::<TriggerKindParam, _>(&TriggerKind::ALL);
        round_trips::<PlacementParam, _>(&Placement::ALL);
        round_trips::<DivisionParam, _>(&GridDivision::ALL);
    }

    #[test]
    fn a_value_without_a_choice_falls_back_to_the_first() {
        assert_eq!(
            choice_for::<SyncDivisionParam, _>(SyncDivision::Bars(3)),
            SyncDivisionParam::Bars8
        );
    }
}

/// Room choices as the host sees them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomParam {
    #[id = "off"]
    #[name = "Off"]
    Off,
    #[id = "booth"]
    #[name = "Booth"]
    Booth,
    #[id = "bedroom"]
    #[name = "Bedroom"]
    Bedroom,
    #[id = "living"]
    #[name = "Living Room"]
    LivingRoom,
    #[id = "bathroom"]
    #[name = "Bathroom"]
    Bathroom,
}

impl From<RoomParam> for RoomKind {
    fn from(value: RoomParam) -> Self {
        match value {
            RoomParam::Off => RoomKind::Off,
            RoomParam::Booth => RoomKind::Booth,
            RoomParam::Bedroom => RoomKind::Bedroom,
            RoomParam::LivingRoom => RoomKind::LivingRoom,
            RoomParam::Bathroom => RoomKind::Bathroom,
        }
    }
}

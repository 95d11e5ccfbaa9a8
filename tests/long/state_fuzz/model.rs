//! What every parameter is, from the library's own parameter definitions, and what a state
//! should load to.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Float,
    Int,
    Bool,
    /// A choice, with its stable variant ids.
    Choice(Vec<&'static str>),
}

/// A parameter's id, kind, and plain range and default.
#[derive(Clone)]
pub(super) struct Spec {
    pub(super) id: String,
    pub(super) kind: Kind,
    pub(super) min: f32,
    pub(super) max: f32,
    pub(super) default: f32,
}

pub(super) struct ParamModel {
    pub(super) spec: Spec,
    pub(super) clap: u32,
    pub(super) steps: Option<usize>,
    /// Range as the CLAP host sees it.
    pub(super) clap_min: f64,
    pub(super) clap_max: f64,
    pub(super) ptr: ParamPtr,
}

/// Murmur's parameters (a private instance of the library's `MurmurParams`, used only to convert
/// plain values), in the plugin's order.
pub(super) struct Model {
    pub(super) _params: Box<MurmurParams>,
    pub(super) params: Vec<ParamModel>,
}

impl Model {
    pub(super) fn new(murmur: &Murmur) -> Self {
        let params = Box::new(MurmurParams::default());
        let infos = murmur.all_params();
        assert_eq!(infos.len(), params.param_map().len(), "parameter count");
        let mut models = Vec::new();
        for (id, ptr, _) in params.param_map() {
            let clap = clap_param_id(&id);
            let info = infos
                .iter()
                .find(|i| i.id == clap)
                .unwrap_or_else(|| panic!("the plugin has no parameter {id:?}"));
            // SAFETY (every `unsafe` here): `ptr` points into `params`, kept alive by the model.
            let steps = unsafe { ptr.step_count() };
            let kind = match ptr {
                ParamPtr::FloatParam(_) => Kind::Float,
                ParamPtr::IntParam(_) => Kind::Int,
                ParamPtr::BoolParam(_) => Kind::Bool,
                ParamPtr::EnumParam(p) => {
                    let n = steps.expect("a choice has steps");
                    let ids = (0..=n)
                        .map(|k| unsafe {
                            ptr._internal_set_normalized_value(k as f32 / n as f32);
                            (*p).unmodulated_plain_id()
                                .expect("choices have stable ids")
                        })
                        .collect();
                    unsafe { ptr._internal_set_normalized_value(ptr.default_normalized_value()) };
                    Kind::Choice(ids)
                }
            };
            let (min, max, default) = unsafe {
                (
                    ptr.preview_plain(0.0),
                    ptr.preview_plain(1.0),
                    ptr.default_plain_value(),
                )
            };
            models.push(ParamModel {
                spec: Spec {
                    id,
                    kind,
                    min,
                    max,
                    default,
                },
                clap,
                steps,
                clap_min: info.min_value,
                clap_max: info.max_value,
                ptr,
            });
        }
        // The plugin's order, so that value lists line up with `Murmur::all_values`.
        let order: Vec<u32> = infos.iter().map(|i| i.id).collect();
        models.sort_by_key(|m| order.iter().position(|&id| id == m.clap));
        Self {
            _params: params,
            params: models,
        }
    }

    pub(super) fn values(&self, murmur: &Murmur) -> Vec<f64> {
        self.params.iter().map(|p| murmur.value(p.clap)).collect()
    }

    /// The CLAP value of plain value `plain` of `p` (the normalized value times the step count
    /// for stepped parameters, as nice-plug reports it).
    pub(super) fn clap_value(p: &ParamModel, plain: f32) -> f64 {
        // SAFETY: `p.ptr` points into `self.params`.
        let normalized = unsafe { p.ptr.preview_normalized(plain) } as f64;
        normalized * p.steps.unwrap_or(1) as f64
    }

    /// The value each parameter must have after `state` is loaded over `before`: `Some(exact)`
    /// for one the state leaves alone, or the value the state asks for.
    pub(super) fn expected(&self, before: &[f64], state: &PluginState) -> Vec<Expected> {
        self.params
            .iter()
            .zip(before)
            .map(|(p, &before)| {
                let Some(value) = state.params.get(&p.spec.id) else {
                    return Expected::Unchanged(before);
                };
                let near = |plain: f32| Expected::Near(Self::clap_value(p, plain));
                let int = |v: i32| {
                    near(v.clamp(p.spec.min.round() as i32, p.spec.max.round() as i32) as f32)
                };
                match (&p.spec.kind, value) {
                    (Kind::Float, ParamValue::F32(v)) if v.is_finite() => {
                        near(v.clamp(p.spec.min, p.spec.max))
                    }
                    (Kind::Float, ParamValue::F32(_)) => near(p.spec.default),
                    (Kind::Int, ParamValue::I32(v)) => int(*v),
                    (Kind::Bool, ParamValue::Bool(v)) => near(if *v { 1.0 } else { 0.0 }),
                    (Kind::Choice(_), ParamValue::I32(v)) => int(*v),
                    (Kind::Choice(ids), ParamValue::String(id)) => {
                        match ids.iter().position(|known| known == id) {
                            Some(index) => near(index as f32),
                            None => Expected::Unchanged(before),
                        }
                    }
                    // A value of the wrong kind is skipped.
                    _ => Expected::Unchanged(before),
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Expected {
    Unchanged(f64),
    Near(f64),
}

/// The persistent fields as a saved state holds them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fields {
    pub(super) editor_size: (u32, u32),
    pub(super) sofa_path: String,
}

impl Fields {
    pub(super) fn of(state: &PluginState) -> Result<Self, String> {
        let field = |key: &str| {
            state
                .fields
                .get(key)
                .ok_or_else(|| format!("the saved state has no {key:?} field: {state:?}"))
        };
        Ok(Self {
            editor_size: from_json(field("editor-size")?)
                .map_err(|e| format!("saved editor-size does not parse: {e}"))?,
            sofa_path: from_json(field("sofa-path")?)
                .map_err(|e| format!("saved sofa-path does not parse: {e}"))?,
        })
    }

    /// These fields after `state` is loaded: a field that parses replaces the old one.
    pub(super) fn after(&self, state: &PluginState) -> Self {
        let mut next = self.clone();
        if let Some(Ok(size)) = state.fields.get("editor-size").map(|s| from_json(s)) {
            next.editor_size = size;
        }
        if let Some(Ok(path)) = state
            .fields
            .get("sofa-path")
            .map(|s| from_json::<String>(s))
        {
            next.sofa_path = path;
        }
        next
    }
}

//! The chosen SOFA file saved with the project: a framework persistent field over the
//! [`SofaLoader`], which knows nothing of the framework.

use std::sync::Arc;

use nice_plug::params::persist::PersistentField;

use crate::sofa_loader::SofaLoader;

/// The chosen SOFA file as a persistent field of the parameters: saving reads the loader's
/// choice, restoring a project hands the path to the loader.
pub struct SofaChoice {
    loader: Arc<SofaLoader>,
}

impl SofaChoice {
    pub fn new(loader: Arc<SofaLoader>) -> Self {
        Self { loader }
    }

    pub fn loader(&self) -> &Arc<SofaLoader> {
        &self.loader
    }
}

impl<'a> PersistentField<'a, String> for SofaChoice {
    fn set(&self, new_value: String) {
        self.loader.restore(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&String) -> R,
    {
        f(&self.loader.chosen())
    }
}

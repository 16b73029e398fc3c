//! The path of the field being processed, rendered only when an error needs it.

use std::fmt::Write;

/// One step of a path.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A stack of path steps; cheap to push and pop on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Path<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> Path<'a> {
    /// Enters a named field.
    pub fn key(&mut self, name: &'a str) {
        self.steps.push(Step::Key(name));
    }

    /// Enters a group element.
    pub fn index(&mut self, index: usize) {
        self.steps.push(Step::Index(index));
    }

    /// Leaves the last step.
    pub fn pop(&mut self) {
        self.steps.pop();
    }

    /// Renders as `body.loans[2].balance`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match step {
                Step::Key(name) if out.is_empty() => out.push_str(name),
                Step::Key(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Step::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
            }
        }
        out
    }
}

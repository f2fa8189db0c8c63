//! The model under construction: its columns (good_lp numbers them in creation order, and so
//! do we) and its rows, each numbered in the order it is added.

use good_lp::{Constraint, ProblemVariables, Variable, VariableDefinition};

/// Columns and rows of the model being built.
pub(super) struct ModelBuilder {
    /// The good_lp variables.
    pub vars: ProblemVariables,
    /// Every column, by our index.
    columns: Vec<Variable>,
    /// Integer columns so far.
    pub n_int: usize,
    /// Rows so far.
    pub constraints: Vec<Constraint>,
    /// Whether integer columns are made continuous (the LP relaxation).
    pub relaxed: bool,
}

impl ModelBuilder {
    /// An empty model; `relaxed` makes every integer column continuous.
    pub fn new(relaxed: bool) -> Self {
        ModelBuilder {
            vars: ProblemVariables::new(),
            columns: Vec::new(),
            n_int: 0,
            constraints: Vec::new(),
            relaxed,
        }
    }

    /// Adds a continuous column; returns its index.
    pub fn continuous(&mut self, def: VariableDefinition) -> usize {
        self.add(def, false)
    }

    /// Adds an integer column (counted as such); returns its index.
    pub fn integer(&mut self, def: VariableDefinition) -> usize {
        self.add(def, true)
    }

    fn add(&mut self, def: VariableDefinition, integer: bool) -> usize {
        self.columns.push(self.vars.add(def));
        if integer {
            self.n_int += 1;
        }
        self.columns.len() - 1
    }

    /// The variable of column `col`.
    pub fn var(&self, col: usize) -> Variable {
        self.columns[col]
    }

    /// Number of columns so far.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// Adds a row; returns its index.
    pub fn add_row(&mut self, row: Constraint) -> usize {
        self.constraints.push(row);
        self.constraints.len() - 1
    }
}

//! Domain → mixed-integer program. `problem` prepares plain numbers; `mip` builds the good_lp
//! model (the only module besides `solve` that imports good_lp).

pub mod aggregate;
pub mod conflict;
pub mod decomp;
pub mod mip;
pub mod problem;
pub mod term;

pub use mip::{build_lp_relaxation, build_mip, Mip, MipSolution};
pub use problem::{DemandSet, Infeasibility, Problem};

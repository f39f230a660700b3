//! Exports: familygraph's data written out in the formats partners and the DfE ask for.
//!
//! - [`cin_census`]: the DfE children in need census of one reporting year, as XML that
//!   validates against that year's XSD.

pub mod cin_census;

pub use cin_census::{
    CinCensusExport, ExportError, ExportScope, ExportSummary, RefusedChild, export_cin_census,
    export_cin_census_with,
};

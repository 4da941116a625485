//! A gating strategy (gates + transformations + spectrum matrices) and its
//! evaluation on events.
//!
//! Evaluation follows the Gating-ML 2.0 order of operations: for every
//! dimension, take the channel from the compensation space the dimension
//! names (uncompensated scaled FCS values, the file's own spillover, or a
//! spectrum matrix), form the ratio for a `new-dimension`, apply the
//! dimension's transformation with its bounds, then test the geometry (see
//! [`crate::gates`]). Intermediate columns are computed once per
//! (compensation, channel, transformation) and shared between gates;
//! memberships are computed on demand, parents and boolean operands first,
//! and a cycle is an error.

use std::collections::{HashMap, HashSet};

use preclin_fcs::{FcsFile, SpillLookup};
use rayon::prelude::*;

use crate::compensation::Compensation;
use crate::error::{FlowError, Result};
use crate::gates::{
    BoolOp, CompRef, DimSource, Dimension, Gate, GateKind, in_range, mahalanobis2, point_in_polygon,
};
use crate::transforms::{FastLogicle, TransformKind, Transformation};

/// A Gating-ML `transforms:spectrumMatrix`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumMatrix {
    /// `transforms:id`.
    pub id: String,
    /// Output names (fluorochromes).
    pub fluorochromes: Vec<String>,
    /// Input names (detectors, `$PnN`).
    pub detectors: Vec<String>,
    /// The `spectrum` rows as written; empty means "the FCS file's own
    /// spillover, with the detectors renamed to the fluorochromes" (a
    /// flowUtils convention used by the compliance suite's set 4).
    pub rows: Vec<Vec<f64>>,
    /// `matrix-inverted-already="true"`.
    pub inverted_already: bool,
}

/// A divider of a quadrant gate.
#[derive(Debug, Clone, PartialEq)]
pub struct Divider {
    /// `gating:id`.
    pub id: String,
    /// Its dimension.
    pub dim: Dimension,
    /// Divider values, ascending.
    pub values: Vec<f64>,
}

/// A `gating:QuadrantGate` as written (its quadrants are also gates of the
/// strategy, of kind [`GateKind::Quadrant`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QuadrantGateDef {
    /// The quadrant gate's id.
    pub id: String,
    /// `parent_id`.
    pub parent: Option<String>,
    /// Dividers.
    pub dividers: Vec<Divider>,
    /// Quadrants: id and (divider id, location) positions.
    pub quadrants: Vec<(String, Vec<(String, f64)>)>,
}

/// Gates, transformations and matrices, as a Gating-ML 2.0 document holds
/// them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GatingStrategy {
    /// Every gate, in document order (quadrants in place of their quadrant
    /// gate).
    pub gates: Vec<Gate>,
    /// Transformations.
    pub transforms: Vec<Transformation>,
    /// Spectrum matrices.
    pub matrices: Vec<SpectrumMatrix>,
    /// Quadrant gates as written (for export).
    pub quadrant_gates: Vec<QuadrantGateDef>,
}

impl GatingStrategy {
    /// The gate with this id.
    pub fn gate(&self, id: &str) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }

    /// The transformation with this id.
    pub fn transform(&self, id: &str) -> Option<&Transformation> {
        self.transforms.iter().find(|t| t.id == id)
    }

    /// The spectrum matrix with this id.
    pub fn matrix(&self, id: &str) -> Option<&SpectrumMatrix> {
        self.matrices.iter().find(|m| m.id == id)
    }

    /// Checks every reference (parents, operands, transformations,
    /// matrices) and that there is no cycle.
    pub fn validate(&self) -> Result<()> {
        let ids: HashSet<&str> = self.gates.iter().map(|g| g.id.as_str()).collect();
        for g in &self.gates {
            for d in g.dependencies() {
                if !ids.contains(d) {
                    return Err(FlowError::UnknownReference {
                        what: "gate",
                        id: d.into(),
                        by: g.id.clone(),
                    });
                }
            }
            for dim in g.dimensions() {
                self.check_dim(dim, &g.id)?;
            }
        }
        // Cycles: depth-first search.
        let index: HashMap<&str, &Gate> = self.gates.iter().map(|g| (g.id.as_str(), g)).collect();
        let mut done: HashSet<&str> = HashSet::new();
        for g in &self.gates {
            let mut stack: Vec<(&str, usize)> = vec![(g.id.as_str(), 0)];
            let mut on_path: HashSet<&str> = HashSet::from([g.id.as_str()]);
            while let Some((id, k)) = stack.pop() {
                if done.contains(id) {
                    on_path.remove(id);
                    continue;
                }
                let deps = index[id].dependencies();
                if k < deps.len() {
                    stack.push((id, k + 1));
                    let d = deps[k];
                    if on_path.contains(d) {
                        return Err(FlowError::Cycle(d.into()));
                    }
                    if !done.contains(d) {
                        on_path.insert(d);
                        stack.push((d, 0));
                    }
                } else {
                    done.insert(id);
                    on_path.remove(id);
                }
            }
        }
        Ok(())
    }

    fn check_dim(&self, dim: &Dimension, by: &str) -> Result<()> {
        if let CompRef::Matrix(m) = &dim.comp {
            if self.matrix(m).is_none() {
                return Err(FlowError::UnknownReference {
                    what: "spectrum matrix",
                    id: m.clone(),
                    by: by.into(),
                });
            }
        }
        for t in dim.transform.iter().chain(match &dim.source {
            DimSource::Ratio(r) => Some(r),
            DimSource::Channel(_) => None,
        }) {
            if self.transform(t).is_none() {
                return Err(FlowError::UnknownReference {
                    what: "transformation",
                    id: t.clone(),
                    by: by.into(),
                });
            }
        }
        Ok(())
    }
}

/// Events to gate: channel names (`$PnN`), columns of scale values, and the
/// file's own compensation when it has a spillover matrix.
#[derive(Debug, Clone)]
pub struct EventData {
    /// Channel names.
    pub names: Vec<String>,
    /// One column per channel.
    pub columns: Vec<Vec<f64>>,
    /// The FCS file's compensation (`compensation-ref="FCS"`).
    pub fcs_compensation: Option<Compensation>,
}

impl EventData {
    /// Scale values of data set `index` of an FCS file (`$PnE`, `$PnG`,
    /// `$TIMESTEP` applied, as flowCore's `linearize-with-PnG-scaling`),
    /// with its spillover matrix.
    pub fn from_fcs(file: &FcsFile, index: usize) -> Result<EventData> {
        let ds = file.dataset(index)?;
        let columns = file.scaled_events(index)?.into_columns();
        let fcs_compensation = match ds.spillover() {
            SpillLookup::Found(s) => Some(Compensation::from_fcs(&s)?),
            _ => None,
        };
        Ok(EventData {
            names: ds.names(),
            columns,
            fcs_compensation,
        })
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// Index of a channel by name (exact, then ignoring ASCII case).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .or_else(|| self.names.iter().position(|n| n.eq_ignore_ascii_case(name)))
    }
}

/// One gate's result.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    /// Gate id.
    pub id: String,
    /// Parent gate id.
    pub parent: Option<String>,
    /// Gate type (`rectangle`, `polygon`, …).
    pub type_name: &'static str,
    /// Events in the gate (absolute: ancestors included).
    pub count: usize,
    /// Events in the parent (all events when there is no parent).
    pub parent_count: usize,
    /// All events.
    pub total: usize,
    /// Per-event membership, in file order.
    pub membership: Vec<bool>,
}

impl GateResult {
    /// 100 · count / parent count; `None` when the parent is empty.
    pub fn percent_parent(&self) -> Option<f64> {
        (self.parent_count > 0).then(|| 100.0 * self.count as f64 / self.parent_count as f64)
    }

    /// 100 · count / total; `None` when there is no event.
    pub fn percent_total(&self) -> Option<f64> {
        (self.total > 0).then(|| 100.0 * self.count as f64 / self.total as f64)
    }
}

/// Results of every gate, in strategy order.
#[derive(Debug, Clone, PartialEq)]
pub struct GatingResults {
    /// All events.
    pub total: usize,
    /// One result per gate.
    pub gates: Vec<GateResult>,
}

impl GatingResults {
    /// The result of gate `id`.
    pub fn get(&self, id: &str) -> Option<&GateResult> {
        self.gates.iter().find(|g| g.id == id)
    }
}

/// Options of [`gate_events_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GateOptions {
    /// Evaluate logicle transforms with the table-seeded
    /// [`crate::transforms::FastLogicle`] (maximum error against the
    /// reference path below 1e-12 on the scale, see its tests) instead of
    /// the reference iteration. Off by default: the compliance results are
    /// established with the reference path.
    pub fast_logicle: bool,
}

/// Applies every gate of `strategy` to `data` (reference transforms).
pub fn gate_events(strategy: &GatingStrategy, data: &EventData) -> Result<GatingResults> {
    gate_events_with(strategy, data, GateOptions::default())
}

/// Applies every gate of `strategy` to `data` with `options`.
pub fn gate_events_with(
    strategy: &GatingStrategy,
    data: &EventData,
    options: GateOptions,
) -> Result<GatingResults> {
    strategy.validate()?;
    let mut ev = Evaluator::new(strategy, data);
    ev.options = options;
    for g in &strategy.gates {
        ev.ensure(&g.id)?;
    }
    let total = data.n_events();
    let mut gates = Vec::with_capacity(strategy.gates.len());
    for g in &strategy.gates {
        let m = ev.members.remove(&g.id).expect("every gate evaluated");
        ev.members.insert(g.id.clone(), Vec::new());
        let count = m.iter().filter(|&&b| b).count();
        gates.push((g, m, count));
    }
    let counts: HashMap<&str, usize> = gates.iter().map(|(g, _, c)| (g.id.as_str(), *c)).collect();
    let out = gates
        .into_iter()
        .map(|(g, membership, count)| GateResult {
            id: g.id.clone(),
            parent: g.parent.clone(),
            type_name: g.type_name(),
            count,
            parent_count: g
                .parent
                .as_deref()
                .map_or(total, |p| counts.get(p).copied().unwrap_or(0)),
            total,
            membership,
        })
        .collect();
    Ok(GatingResults { total, gates: out })
}

/// The values of one dimension (compensated, ratio formed, transformed) for
/// every event — what a gate on that dimension sees; for figures.
pub fn dimension_values(
    strategy: &GatingStrategy,
    data: &EventData,
    dim: &Dimension,
) -> Result<Vec<f64>> {
    let mut ev = Evaluator::new(strategy, data);
    ev.ensure_dim(dim, "figure")?;
    Ok(ev.dims.remove(dim).unwrap_or_default())
}

const PAR_MIN: usize = 32_768;

/// One compensation space: the map, where its detectors are in the data,
/// and the output names it provides (name → output column of the map).
/// Output columns are computed on first use only.
struct Space {
    comp: Option<Compensation>,
    det_idx: Vec<usize>,
    outputs: Vec<(String, usize)>,
    cache: HashMap<String, Vec<f64>>,
}

impl Space {
    fn empty() -> Space {
        Space {
            comp: None,
            det_idx: vec![],
            outputs: vec![],
            cache: HashMap::new(),
        }
    }
}

/// Output column `j` of `c`: `f_j = Σ_m d_m · C[m][j]`.
fn compensate_one(c: &Compensation, det: &[&[f64]], j: usize, n: usize) -> Vec<f64> {
    let k = c.outputs.len();
    let coef: Vec<(usize, f64)> = (0..det.len())
        .map(|m| (m, c.matrix[m * k + j]))
        .filter(|(_, v)| *v != 0.0)
        .collect();
    let mut out = vec![0.0; n];
    let fill = |(chunk_i, o): (usize, &mut [f64])| {
        let start = chunk_i * 16_384;
        for &(m, v) in &coef {
            let d = &det[m][start..start + o.len()];
            for (ov, dv) in o.iter_mut().zip(d) {
                *ov += v * dv;
            }
        }
    };
    if n >= PAR_MIN {
        out.par_chunks_mut(16_384).enumerate().for_each(fill);
    } else {
        out.chunks_mut(16_384).enumerate().for_each(fill);
    }
    out
}

struct Evaluator<'a> {
    s: &'a GatingStrategy,
    data: &'a EventData,
    index: HashMap<&'a str, &'a Gate>,
    spaces: HashMap<CompRef, Space>,
    dims: HashMap<Dimension, Vec<f64>>,
    members: HashMap<String, Vec<bool>>,
    visiting: HashSet<String>,
    options: GateOptions,
}

impl<'a> Evaluator<'a> {
    fn new(s: &'a GatingStrategy, data: &'a EventData) -> Evaluator<'a> {
        Evaluator {
            s,
            data,
            index: s.gates.iter().map(|g| (g.id.as_str(), g)).collect(),
            spaces: HashMap::new(),
            dims: HashMap::new(),
            members: HashMap::new(),
            visiting: HashSet::new(),
            options: GateOptions::default(),
        }
    }

    fn space_of(&self, c: Compensation, outputs: Vec<(String, usize)>) -> Result<Space> {
        let det_idx = c.detector_indices(&self.data.names)?;
        Ok(Space {
            comp: Some(c),
            det_idx,
            outputs,
            cache: HashMap::new(),
        })
    }

    fn ensure_space(&mut self, comp: &CompRef) -> Result<()> {
        if *comp == CompRef::Uncompensated || self.spaces.contains_key(comp) {
            return Ok(());
        }
        let space = match comp {
            CompRef::Uncompensated => unreachable!(),
            CompRef::Fcs => match &self.data.fcs_compensation {
                None => Space::empty(),
                Some(c) => {
                    let outs = c
                        .outputs
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(j, n)| (n, j))
                        .collect();
                    self.space_of(c.clone(), outs)?
                }
            },
            CompRef::Matrix(id) => {
                let m = self
                    .s
                    .matrix(id)
                    .ok_or_else(|| FlowError::UnknownReference {
                        what: "spectrum matrix",
                        id: id.clone(),
                        by: "a dimension".into(),
                    })?;
                if m.rows.is_empty() {
                    // The file's own spillover, renamed detector → fluorochrome.
                    let fcs = self.data.fcs_compensation.as_ref().ok_or_else(|| {
                        FlowError::Matrix {
                            id: id.clone(),
                            message: "has no coefficients (use the FCS spillover) but the file has no spillover keyword".into(),
                        }
                    })?;
                    let mut outs = Vec::new();
                    for (f, d) in m.fluorochromes.iter().zip(&m.detectors) {
                        let j = fcs.outputs.iter().position(|n| n == d).ok_or_else(|| {
                            FlowError::Matrix {
                                id: id.clone(),
                                message: format!(
                                    "detector '{d}' is not in the file's spillover matrix ({})",
                                    fcs.outputs.join(", ")
                                ),
                            }
                        })?;
                        outs.push((f.clone(), j));
                    }
                    self.space_of(fcs.clone(), outs)?
                } else {
                    let c = Compensation::from_spectrum(
                        id,
                        &m.fluorochromes,
                        &m.detectors,
                        &m.rows,
                        m.inverted_already,
                    )?;
                    let outs = c
                        .outputs
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(j, n)| (n, j))
                        .collect();
                    self.space_of(c, outs)?
                }
            }
        };
        self.spaces.insert(comp.clone(), space);
        Ok(())
    }

    /// The column `name` in compensation space `comp`.
    fn column(&mut self, comp: &CompRef, name: &str, gate: &str) -> Result<&[f64]> {
        self.ensure_space(comp)?;
        let n = self.data.n_events();
        if let Some(sp) = self.spaces.get_mut(comp) {
            if let Some(&(_, j)) = sp.outputs.iter().find(|(o, _)| o == name) {
                if !sp.cache.contains_key(name) {
                    let c = sp.comp.as_ref().expect("a space with outputs has a map");
                    let det: Vec<&[f64]> = sp
                        .det_idx
                        .iter()
                        .map(|&i| self.data.columns[i].as_slice())
                        .collect();
                    let col = compensate_one(c, &det, j, n);
                    sp.cache.insert(name.to_string(), col);
                }
                return Ok(&self.spaces[comp].cache[name]);
            }
        }
        match self.data.find(name) {
            Some(j) => Ok(&self.data.columns[j]),
            None => {
                let mut available = self.data.names.clone();
                if let Some(sp) = self.spaces.get(comp) {
                    for (n, _) in &sp.outputs {
                        if !available.contains(n) {
                            available.push(n.clone());
                        }
                    }
                }
                Err(FlowError::UnknownChannel {
                    gate: gate.into(),
                    name: name.into(),
                    space: match comp {
                        CompRef::Uncompensated => "uncompensated".into(),
                        CompRef::Fcs => "FCS-compensated".into(),
                        CompRef::Matrix(m) => format!("'{m}'-compensated"),
                    },
                    available,
                })
            }
        }
    }

    fn transform(&self, id: &str, by: &str) -> Result<&'a Transformation> {
        self.s
            .transform(id)
            .ok_or_else(|| FlowError::UnknownReference {
                what: "transformation",
                id: id.into(),
                by: by.into(),
            })
    }

    fn ensure_dim(&mut self, dim: &Dimension, gate: &str) -> Result<()> {
        if self.dims.contains_key(dim) {
            return Ok(());
        }
        // The transformation first (it borrows the strategy, not `self`).
        let transform = match &dim.transform {
            None => None,
            Some(tid) => {
                let t = self.transform(tid, gate)?;
                if matches!(t.kind, TransformKind::Fratio { .. }) {
                    return Err(FlowError::GatingMl {
                        element: "dimension".into(),
                        id: Some(gate.into()),
                        line: 0,
                        message: format!(
                            "transformation-ref '{tid}' is an fratio, which needs a new-dimension"
                        ),
                    });
                }
                Some(t)
            }
        };
        let fast = match (transform.map(|t| &t.kind), self.options.fast_logicle) {
            (Some(TransformKind::Logicle(l)), true) => Some(FastLogicle::new(l.clone())),
            _ => None,
        };
        let apply = |v: f64| -> f64 {
            match (transform, &fast) {
                (None, _) => v,
                (Some(t), Some(f)) => t.bound(f.scale(v)),
                (Some(t), None) => t.apply(v).unwrap_or(f64::NAN),
            }
        };
        let map = |src: &[f64]| -> Vec<f64> {
            if src.len() >= PAR_MIN {
                src.par_iter().map(|&v| apply(v)).collect()
            } else {
                src.iter().map(|&v| apply(v)).collect()
            }
        };
        let values: Vec<f64> = match &dim.source {
            DimSource::Channel(name) => map(self.column(&dim.comp, name, gate)?),
            DimSource::Ratio(tid) => {
                let t = self.transform(tid, gate)?;
                let TransformKind::Fratio { x, y, .. } = &t.kind else {
                    return Err(FlowError::GatingMl {
                        element: "new-dimension".into(),
                        id: Some(gate.into()),
                        line: 0,
                        message: format!("transformation '{tid}' is not an fratio"),
                    });
                };
                let xs = self.column(&dim.comp, x, gate)?.to_vec();
                let ys = self.column(&dim.comp, y, gate)?;
                let ratio: Vec<f64> = xs
                    .iter()
                    .zip(ys)
                    .map(|(&a, &b)| t.apply_ratio(a, b).unwrap_or(f64::NAN))
                    .collect();
                map(&ratio)
            }
        };
        self.dims.insert(dim.clone(), values);
        Ok(())
    }

    fn ensure(&mut self, id: &str) -> Result<()> {
        if self.members.contains_key(id) {
            return Ok(());
        }
        if !self.visiting.insert(id.to_string()) {
            return Err(FlowError::Cycle(id.into()));
        }
        let gate = *self
            .index
            .get(id)
            .ok_or_else(|| FlowError::UnknownReference {
                what: "gate",
                id: id.into(),
                by: "the strategy".into(),
            })?;
        let mut own = self.own(gate)?;
        if let Some(p) = &gate.parent {
            self.ensure(p)?;
            let pm = &self.members[p.as_str()];
            for (o, &pv) in own.iter_mut().zip(pm) {
                *o &= pv;
            }
        }
        self.visiting.remove(id);
        self.members.insert(id.to_string(), own);
        Ok(())
    }

    fn own(&mut self, gate: &Gate) -> Result<Vec<bool>> {
        let n = self.data.n_events();
        for d in gate.dimensions() {
            self.ensure_dim(d, &gate.id)?;
        }
        let out = match &gate.kind {
            GateKind::Rectangle { dims } => {
                let mut m = vec![true; n];
                for (d, lo, hi) in dims {
                    let v = &self.dims[d];
                    for (mi, &x) in m.iter_mut().zip(v) {
                        *mi &= in_range(x, *lo, *hi);
                    }
                }
                m
            }
            GateKind::Polygon { x, y, vertices } => {
                let xs = &self.dims[x];
                let ys = &self.dims[y];
                if n >= PAR_MIN {
                    xs.par_iter()
                        .zip(ys.par_iter())
                        .map(|(&a, &b)| point_in_polygon(a, b, vertices))
                        .collect()
                } else {
                    xs.iter()
                        .zip(ys)
                        .map(|(&a, &b)| point_in_polygon(a, b, vertices))
                        .collect()
                }
            }
            GateKind::Ellipsoid {
                dims,
                mean,
                inverse,
                distance_square,
                ..
            } => {
                let cols: Vec<&Vec<f64>> = dims.iter().map(|d| &self.dims[d]).collect();
                let mut x = vec![0.0; dims.len()];
                (0..n)
                    .map(|i| {
                        for (k, c) in cols.iter().enumerate() {
                            x[k] = c[i];
                        }
                        let q = mahalanobis2(&x, mean, inverse);
                        q <= *distance_square
                    })
                    .collect()
            }
            GateKind::Quadrant { parts, .. } => {
                let mut m = vec![true; n];
                for p in parts {
                    let v = &self.dims[&p.dim];
                    for (mi, &x) in m.iter_mut().zip(v) {
                        *mi &= in_range(x, p.lower, p.upper);
                    }
                }
                m
            }
            GateKind::Boolean { op, operands } => {
                for o in operands {
                    self.ensure(&o.gate)?;
                }
                let get = |k: usize, i: usize| -> bool {
                    let o = &operands[k];
                    self.members[o.gate.as_str()][i] != o.complement
                };
                match op {
                    BoolOp::And => (0..n)
                        .map(|i| (0..operands.len()).all(|k| get(k, i)))
                        .collect(),
                    BoolOp::Or => (0..n)
                        .map(|i| (0..operands.len()).any(|k| get(k, i)))
                        .collect(),
                    BoolOp::Not => (0..n).map(|i| !get(0, i)).collect(),
                }
            }
        };
        Ok(out)
    }
}

//! FlowJo 10 workspace (`.wsp`) import: per sample, the population tree
//! with its gates, the channel transforms and the compensation matrix, as a
//! [`GatingStrategy`].
//!
//! What is read (FlowJo 10 XML, the form FlowKit's `Workspace` also reads):
//!
//! - `SampleList/Sample`: `DataSet sampleID`, `Keywords` (`$FIL`),
//!   `SampleNode name` and its nested `Subpopulations/Population` elements;
//! - each `Population`'s `Gate` holding a Gating-ML 2.0 `RectangleGate`,
//!   `PolygonGate` or `EllipsoidGate` (FlowJo's ellipse: `foci` and four
//!   `edge` vertices), and `NotNode` / `AndNode` / `OrNode` boolean
//!   populations with `Dependents`;
//! - `Transformations`: `linear`, `log` (`offset`, `decades`), `biex`
//!   (`maxRange`, `width`, `pos`, `neg`), and Gating-ML style `logicle`,
//!   `fasinh`, `hyperlog`;
//! - `transforms:spilloverMatrix` (`prefix`, `spillover` rows of
//!   `coefficient`s): channels named with the prefix (`Comp-FL1-A`) are
//!   taken from that matrix.
//!
//! Gate ids are population paths (`Lymphocytes/Single Cells/CD3+`).
//! FlowJo stores gate coordinates in data units and draws them on the
//! channel's display transform; polygon and ellipse gates are therefore
//! evaluated in the transformed space (their vertices transformed, the
//! dimension given the transform), rectangles in data units (the transforms
//! are monotone, so this is the same set). `biex` is mapped to logicle with
//! `T = maxRange, M = pos, A = neg, W = log10(−width)/2` (CytoML's
//! conversion), which approximates FlowJo's own biexponential; and FlowJo
//! computes polygon and ellipse statistics on binned display data, so its
//! stored counts (kept in [`WspSample::flowjo_counts`]) can differ slightly
//! from exact event gating (FlowKit #113, #173, #194).

use std::collections::HashMap;

use roxmltree::{Document, Node};

use crate::error::{FlowError, Result};
use crate::gates::{BoolOp, CompRef, DimSource, Dimension, Gate, GateKind, Operand, ellipsoid};
use crate::strategy::{GatingStrategy, SpectrumMatrix};
use crate::transforms::{Hyperlog, Logicle, TransformKind, Transformation};

/// One sample of a workspace.
#[derive(Debug, Clone)]
pub struct WspSample {
    /// The sample node name (usually the FCS file name).
    pub name: String,
    /// `$FIL` keyword when present.
    pub fil: Option<String>,
    /// FlowJo's sample id.
    pub sample_id: String,
    /// Gates, transforms and compensation.
    pub strategy: GatingStrategy,
    /// FlowJo's own `count` of each population (gate id → count).
    pub flowjo_counts: Vec<(String, Option<u64>)>,
}

/// A FlowJo workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Samples in document order.
    pub samples: Vec<WspSample>,
}

impl Workspace {
    /// The sample named `name` (sample node name, `$FIL` or sample id),
    /// else the one matching `fcs_name`, else the first.
    pub fn pick(&self, name: Option<&str>, fcs_name: Option<&str>) -> Result<&WspSample> {
        let matches =
            |s: &WspSample, n: &str| s.name == n || s.fil.as_deref() == Some(n) || s.sample_id == n;
        if let Some(n) = name {
            return self.samples.iter().find(|s| matches(s, n)).ok_or_else(|| {
                FlowError::Workspace {
                    line: 0,
                    message: format!(
                        "no sample '{n}' (samples: {})",
                        self.samples
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            });
        }
        if let Some(f) = fcs_name {
            if let Some(s) = self.samples.iter().find(|s| matches(s, f)) {
                return Ok(s);
            }
        }
        self.samples.first().ok_or_else(|| FlowError::Workspace {
            line: 0,
            message: "the workspace has no sample".into(),
        })
    }
}

fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes().find(|a| a.name() == name).map(|a| a.value())
}

fn kids<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn descendants_named<'a, 'i>(
    n: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    n.descendants()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

struct Cx<'d, 'i> {
    doc: &'d Document<'i>,
}

impl Cx<'_, '_> {
    fn err(&self, n: Node, message: impl Into<String>) -> FlowError {
        FlowError::Workspace {
            line: self.doc.text_pos_at(n.range().start).row,
            message: message.into(),
        }
    }

    fn num(&self, n: Node, name: &str) -> Result<f64> {
        let v = attr(n, name)
            .ok_or_else(|| self.err(n, format!("<{}> has no {name}", n.tag_name().name())))?;
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.err(n, format!("{name}='{v}' is not a number")))
    }

    fn opt_num(&self, n: Node, name: &str) -> Result<Option<f64>> {
        match attr(n, name) {
            None => Ok(None),
            Some(_) => self.num(n, name).map(Some),
        }
    }
}

/// Parses a FlowJo 10 workspace.
pub fn parse_workspace(xml: &str) -> Result<Workspace> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = Document::parse_with_options(xml, opts).map_err(|e| FlowError::Xml(e.to_string()))?;
    let cx = Cx { doc: &doc };
    let root = doc.root_element();
    if root.tag_name().name() != "Workspace" {
        return Err(cx.err(root, "the root element is not Workspace"));
    }
    let mut samples = Vec::new();
    for list in kids(root, "SampleList") {
        for s in kids(list, "Sample") {
            samples.push(sample(&cx, s)?);
        }
    }
    Ok(Workspace { samples })
}

fn sample(cx: &Cx, s: Node) -> Result<WspSample> {
    let node = kids(s, "SampleNode")
        .next()
        .ok_or_else(|| cx.err(s, "Sample without SampleNode"))?;
    let name = attr(node, "name").unwrap_or("").to_string();
    let sample_id = attr(node, "sampleID")
        .or_else(|| kids(s, "DataSet").next().and_then(|d| attr(d, "sampleID")))
        .unwrap_or("")
        .to_string();
    let fil = descendants_named(s, "Keyword")
        .find(|k| attr(*k, "name") == Some("$FIL"))
        .and_then(|k| attr(k, "value"))
        .map(str::to_string);
    let mut strategy = GatingStrategy::default();
    // Compensation.
    let mut prefix = None;
    if let Some(m) = descendants_named(s, "spilloverMatrix").next() {
        let p = attr(m, "prefix").unwrap_or("Comp-").to_string();
        let params: Vec<String> = descendants_named(m, "parameters")
            .flat_map(|ps| kids(ps, "parameter"))
            .filter_map(|p| attr(p, "name").map(str::to_string))
            .collect();
        let mut rows = Vec::new();
        for row in kids(m, "spillover") {
            let mut r = vec![0.0; params.len()];
            for (k, c) in kids(row, "coefficient").enumerate() {
                let v = cx.num(c, "value")?;
                let at = attr(c, "parameter")
                    .and_then(|n| params.iter().position(|p| p == n))
                    .unwrap_or(k);
                if at < r.len() {
                    r[at] = v;
                }
            }
            rows.push(r);
        }
        if !params.is_empty() && rows.len() == params.len() {
            strategy.matrices.push(SpectrumMatrix {
                id: "flowjo-compensation".into(),
                fluorochromes: params.iter().map(|n| format!("{p}{n}")).collect(),
                detectors: params.clone(),
                rows,
                inverted_already: false,
            });
            prefix = Some(p);
        }
    }
    // Transforms per channel.
    let mut xforms: HashMap<String, String> = HashMap::new();
    if let Some(ts) = kids(s, "Transformations").next() {
        for t in ts.children().filter(Node::is_element) {
            let Some(ch) = kids(t, "parameter").next().and_then(|p| attr(p, "name")) else {
                continue;
            };
            let kind = match t.tag_name().name() {
                "linear" => None,
                "log" => {
                    let offset = cx.opt_num(t, "offset")?.unwrap_or(1.0);
                    let decades = cx.opt_num(t, "decades")?.unwrap_or(4.5);
                    Some(TransformKind::Flog {
                        t: offset.max(f64::MIN_POSITIVE) * 10f64.powf(decades),
                        m: decades,
                    })
                }
                "biex" => {
                    let t_ = cx.opt_num(t, "maxRange")?.unwrap_or(262_144.0);
                    let width = cx.opt_num(t, "width")?.unwrap_or(-10.0);
                    let pos = cx.opt_num(t, "pos")?.unwrap_or(4.42);
                    let neg = cx.opt_num(t, "neg")?.unwrap_or(0.0);
                    let w = if width < -1.0 {
                        (-width).log10() / 2.0
                    } else {
                        0.0
                    };
                    Some(TransformKind::Logicle(
                        Logicle::new(t_, w, pos, neg).map_err(|e| cx.err(t, e.to_string()))?,
                    ))
                }
                "logicle" => Some(TransformKind::Logicle(
                    Logicle::new(
                        cx.num(t, "T")?,
                        cx.num(t, "W")?,
                        cx.num(t, "M")?,
                        cx.num(t, "A")?,
                    )
                    .map_err(|e| cx.err(t, e.to_string()))?,
                )),
                "hyperlog" => Some(TransformKind::Hyperlog(
                    Hyperlog::new(
                        cx.num(t, "T")?,
                        cx.num(t, "W")?,
                        cx.num(t, "M")?,
                        cx.num(t, "A")?,
                    )
                    .map_err(|e| cx.err(t, e.to_string()))?,
                )),
                "fasinh" => Some(TransformKind::Fasinh {
                    t: cx.num(t, "T")?,
                    m: cx.num(t, "M")?,
                    a: cx.num(t, "A")?,
                }),
                _ => None,
            };
            if let Some(kind) = kind {
                let id = format!("xform:{ch}");
                strategy.transforms.push(Transformation {
                    id: id.clone(),
                    kind,
                    bound_min: None,
                    bound_max: None,
                });
                xforms.insert(ch.to_string(), id);
            }
        }
    }
    let mut b = Builder {
        cx,
        prefix,
        xforms,
        strategy,
        counts: Vec::new(),
    };
    for subs in kids(node, "Subpopulations") {
        b.populations(subs, None)?;
    }
    b.strategy.validate()?;
    Ok(WspSample {
        name,
        fil,
        sample_id,
        strategy: b.strategy,
        flowjo_counts: b.counts,
    })
}

struct Builder<'c, 'd, 'i> {
    cx: &'c Cx<'d, 'i>,
    prefix: Option<String>,
    xforms: HashMap<String, String>,
    strategy: GatingStrategy,
    counts: Vec<(String, Option<u64>)>,
}

impl Builder<'_, '_, '_> {
    /// The dimension of channel `name` (compensated when it carries the
    /// matrix prefix), and the transform id of its display scale.
    fn dim(&self, name: &str) -> (Dimension, Option<String>) {
        let comp = match &self.prefix {
            Some(p) if name.starts_with(p.as_str()) => {
                CompRef::Matrix("flowjo-compensation".into())
            }
            _ => CompRef::Uncompensated,
        };
        let bare = match &self.prefix {
            Some(p) => name.strip_prefix(p.as_str()).unwrap_or(name),
            None => name,
        };
        let xf = self
            .xforms
            .get(name)
            .or_else(|| self.xforms.get(bare))
            .cloned();
        (
            Dimension {
                comp,
                transform: None,
                source: DimSource::Channel(name.to_string()),
            },
            xf,
        )
    }

    fn apply(&self, xf: &Option<String>, v: f64) -> f64 {
        match xf {
            None => v,
            Some(id) => self
                .strategy
                .transform(id)
                .and_then(|t| t.apply(v))
                .unwrap_or(f64::NAN),
        }
    }

    fn populations(&mut self, subs: Node, parent: Option<&str>) -> Result<()> {
        for p in subs.children().filter(Node::is_element) {
            let tag = p.tag_name().name();
            if !matches!(tag, "Population" | "NotNode" | "AndNode" | "OrNode") {
                continue;
            }
            let name =
                attr(p, "name").ok_or_else(|| self.cx.err(p, "population without a name"))?;
            let id = match parent {
                Some(pp) => format!("{pp}/{name}"),
                None => name.to_string(),
            };
            let count = attr(p, "count").and_then(|c| c.trim().parse::<u64>().ok());
            let kind = if tag == "Population" {
                let g = kids(p, "Gate")
                    .next()
                    .and_then(|g| g.children().find(Node::is_element))
                    .ok_or_else(|| self.cx.err(p, format!("population '{name}' has no gate")))?;
                self.gate(g)?
            } else {
                let deps: Vec<String> = descendants_named(p, "Dependent")
                    .filter_map(|d| attr(d, "name"))
                    .map(|d| resolve_path(&id, d))
                    .collect();
                let op = match tag {
                    "NotNode" => BoolOp::Not,
                    "AndNode" => BoolOp::And,
                    _ => BoolOp::Or,
                };
                let ok = match op {
                    BoolOp::Not => deps.len() == 1,
                    _ => deps.len() >= 2,
                };
                if !ok {
                    return Err(self.cx.err(
                        p,
                        format!("boolean population '{name}' has {} dependents", deps.len()),
                    ));
                }
                GateKind::Boolean {
                    op,
                    operands: deps
                        .into_iter()
                        .map(|g| Operand {
                            gate: g,
                            complement: false,
                        })
                        .collect(),
                }
            };
            self.strategy.gates.push(Gate {
                id: id.clone(),
                parent: parent.map(str::to_string),
                kind,
            });
            self.counts.push((id.clone(), count));
            for s in kids(p, "Subpopulations") {
                self.populations(s, Some(&id))?;
            }
        }
        Ok(())
    }

    fn dims_of<'a, 'i>(
        &self,
        g: Node<'a, 'i>,
    ) -> Result<Vec<(Dimension, Option<String>, Node<'a, 'i>)>> {
        let mut v = Vec::new();
        for d in kids(g, "dimension") {
            let name = descendants_named(d, "fcs-dimension")
                .next()
                .and_then(|f| attr(f, "name"))
                .ok_or_else(|| self.cx.err(d, "dimension without fcs-dimension"))?;
            let (dim, xf) = self.dim(name);
            v.push((dim, xf, d));
        }
        Ok(v)
    }

    fn gate(&self, g: Node) -> Result<GateKind> {
        let cx = self.cx;
        match g.tag_name().name() {
            "RectangleGate" => {
                let mut dims = Vec::new();
                for (dim, _xf, d) in self.dims_of(g)? {
                    dims.push((dim, cx.opt_num(d, "min")?, cx.opt_num(d, "max")?));
                }
                if dims.is_empty() {
                    return Err(cx.err(g, "rectangle without dimensions"));
                }
                Ok(GateKind::Rectangle { dims })
            }
            "PolygonGate" => {
                let dims = self.dims_of(g)?;
                if dims.len() != 2 {
                    return Err(cx.err(g, "polygon needs 2 dimensions"));
                }
                let mut vertices = Vec::new();
                for v in kids(g, "vertex") {
                    let c: Vec<f64> = kids(v, "coordinate")
                        .map(|c| cx.num(c, "value"))
                        .collect::<Result<_>>()?;
                    if c.len() != 2 {
                        return Err(cx.err(v, "vertex needs 2 coordinates"));
                    }
                    vertices.push((self.apply(&dims[0].1, c[0]), self.apply(&dims[1].1, c[1])));
                }
                if vertices.len() < 3 {
                    return Err(cx.err(g, "polygon needs 3 vertices"));
                }
                let mut x = dims[0].0.clone();
                x.transform = dims[0].1.clone();
                let mut y = dims[1].0.clone();
                y.transform = dims[1].1.clone();
                Ok(GateKind::Polygon { x, y, vertices })
            }
            "EllipsoidGate" => {
                let dims = self.dims_of(g)?;
                if dims.len() != 2 {
                    return Err(cx.err(g, "FlowJo ellipse needs 2 dimensions"));
                }
                let pts = |tag: &'static str| -> Result<Vec<(f64, f64)>> {
                    descendants_named(g, tag)
                        .flat_map(|f| kids(f, "vertex"))
                        .map(|v| {
                            let c: Vec<f64> = kids(v, "coordinate")
                                .map(|c| cx.num(c, "value"))
                                .collect::<Result<_>>()?;
                            if c.len() != 2 {
                                return Err(cx.err(v, "vertex needs 2 coordinates"));
                            }
                            Ok((self.apply(&dims[0].1, c[0]), self.apply(&dims[1].1, c[1])))
                        })
                        .collect()
                };
                let foci = pts("foci")?;
                let edge = pts("edge")?;
                if foci.len() != 2 || edge.len() != 4 {
                    return Err(cx.err(g, "FlowJo ellipse needs 2 foci and 4 edge vertices"));
                }
                let centre = ((foci[0].0 + foci[1].0) / 2.0, (foci[0].1 + foci[1].1) / 2.0);
                let half = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).hypot(a.1 - b.1)) / 2.0;
                let (a, b) = (half(edge[0], edge[1]), half(edge[2], edge[3]));
                let theta = (edge[0].1 - edge[1].1).atan2(edge[0].0 - edge[1].0);
                let (c, s) = (theta.cos(), theta.sin());
                // Σ = R diag(a², b²) Rᵀ, D² = 1.
                let cov = vec![
                    a * a * c * c + b * b * s * s,
                    (a * a - b * b) * c * s,
                    (a * a - b * b) * c * s,
                    a * a * s * s + b * b * c * c,
                ];
                let mut dx = dims[0].0.clone();
                dx.transform = dims[0].1.clone();
                let mut dy = dims[1].0.clone();
                dy.transform = dims[1].1.clone();
                ellipsoid(vec![dx, dy], vec![centre.0, centre.1], cov, 1.0)
                    .ok_or_else(|| cx.err(g, "degenerate ellipse"))
            }
            other => Err(cx.err(g, format!("unsupported FlowJo gate type {other}"))),
        }
    }
}

/// Resolves a FlowJo dependent path (`../CD3+`, `/Lymph/CD3+`) against
/// the boolean population's own path `node` (so `../X` is a sibling).
fn resolve_path(node: &str, dep: &str) -> String {
    let mut parts: Vec<&str> = if dep.starts_with('/') {
        vec![]
    } else {
        node.split('/').collect()
    };
    for seg in dep.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(resolve_path("A/not C", "../C"), "A/C");
        assert_eq!(resolve_path("not C", "../C"), "C");
        assert_eq!(resolve_path("A/B", "/X/Y"), "X/Y");
    }
}

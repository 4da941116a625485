//! Gating-ML 2.0 import and export.
//!
//! Reads the elements of the `gating`, `transforms` and `data-type`
//! namespaces of Gating-ML 2.0 (ISAC, 2013; see the compliance suite in
//! `tests/data/flow/gatingml2_compliance`): `RectangleGate`, `PolygonGate`,
//! `EllipsoidGate`, `QuadrantGate` (dividers on FCS dimensions or on
//! `fratio` new dimensions), `BooleanGate` (`and`/`or`/`not`,
//! `use-as-complement`), `parent_id`, `transformation` (`flin`, `flog`,
//! `fasinh`, `logicle`, `hyperlog`, `fratio`, with `boundMin`/`boundMax`)
//! and `spectrumMatrix` (square or not, `matrix-inverted-already`).
//! Elements are matched by local name, so any namespace prefix works;
//! `custom_info` is ignored.
//!
//! Two conventions of flowUtils that the compliance suite relies on:
//! a quadrant's `divider_ref` that is not a divider of its own quadrant gate
//! is looked up among all dividers of the document (set 3, `Q1D`), and a
//! `spectrumMatrix` without `spectrum` rows stands for the FCS file's own
//! spillover (set 4, `MySpillFromFCS`).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use roxmltree::{Document, Node};

use crate::error::{FlowError, Result};
use crate::gates::{
    BoolOp, CompRef, DimSource, Dimension, Gate, GateKind, Operand, QuadrantPart, ellipsoid,
};
use crate::strategy::{Divider, GatingStrategy, QuadrantGateDef, SpectrumMatrix};
use crate::transforms::{Hyperlog, Logicle, TransformKind, Transformation};

fn line(doc: &Document, n: Node) -> u32 {
    doc.text_pos_at(n.range().start).row
}

fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes().find(|a| a.name() == name).map(|a| a.value())
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

struct Ctx<'d, 'i> {
    doc: &'d Document<'i>,
}

impl<'d, 'i> Ctx<'d, 'i> {
    fn err(&self, n: Node, id: Option<&str>, message: impl Into<String>) -> FlowError {
        FlowError::GatingMl {
            element: n.tag_name().name().to_string(),
            id: id.map(str::to_string),
            line: line(self.doc, n),
            message: message.into(),
        }
    }

    fn num(&self, n: Node, id: Option<&str>, name: &str) -> Result<Option<f64>> {
        match attr(n, name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| self.err(n, id, format!("attribute {name}='{v}' is not a number"))),
        }
    }

    fn req_num(&self, n: Node, id: Option<&str>, name: &str) -> Result<f64> {
        self.num(n, id, name)?
            .ok_or_else(|| self.err(n, id, format!("attribute {name} is missing")))
    }

    fn value(&self, n: Node, id: Option<&str>) -> Result<f64> {
        self.req_num(n, id, "value")
    }

    fn text_num(&self, n: Node, id: Option<&str>) -> Result<f64> {
        let t = n.text().unwrap_or("").trim();
        t.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.err(n, id, format!("'{t}' is not a number")))
    }

    /// A dimension element (`gating:dimension` or `gating:divider`).
    fn dimension(&self, n: Node, id: &str) -> Result<Dimension> {
        let comp = CompRef::parse(attr(n, "compensation-ref").unwrap_or("uncompensated"));
        let transform = attr(n, "transformation-ref").map(str::to_string);
        let source = if let Some(f) = children(n, "fcs-dimension").next() {
            DimSource::Channel(
                attr(f, "name")
                    .ok_or_else(|| self.err(f, Some(id), "fcs-dimension without a name"))?
                    .to_string(),
            )
        } else if let Some(nd) = children(n, "new-dimension").next() {
            DimSource::Ratio(
                attr(nd, "transformation-ref")
                    .ok_or_else(|| {
                        self.err(nd, Some(id), "new-dimension without a transformation-ref")
                    })?
                    .to_string(),
            )
        } else {
            return Err(self.err(n, Some(id), "no fcs-dimension or new-dimension"));
        };
        Ok(Dimension {
            comp,
            transform,
            source,
        })
    }

    fn coordinates(&self, n: Node, id: &str) -> Result<Vec<f64>> {
        children(n, "coordinate")
            .map(|c| self.value(c, Some(id)))
            .collect()
    }
}

/// Parses a Gating-ML 2.0 document.
pub fn parse_gatingml(xml: &str) -> Result<GatingStrategy> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = Document::parse_with_options(xml, opts).map_err(|e| FlowError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Gating-ML" {
        return Err(FlowError::GatingMl {
            element: root.tag_name().name().into(),
            id: None,
            line: line(&doc, root),
            message: "the root element is not Gating-ML".into(),
        });
    }
    let cx = Ctx { doc: &doc };
    let mut s = GatingStrategy::default();
    // Pending quadrant gates: resolved after all dividers are known.
    let mut pending_quadrants: Vec<(Node, QuadrantGateDef)> = Vec::new();
    for n in root.children().filter(Node::is_element) {
        let name = n.tag_name().name();
        let id = attr(n, "id");
        match name {
            "RectangleGate" | "PolygonGate" | "EllipsoidGate" | "BooleanGate" | "QuadrantGate" => {
                let id = id.ok_or_else(|| cx.err(n, None, "gate without an id"))?;
                let parent = attr(n, "parent_id").map(str::to_string);
                match name {
                    "QuadrantGate" => {
                        let mut dividers = Vec::new();
                        for d in children(n, "divider") {
                            let did = attr(d, "id")
                                .ok_or_else(|| cx.err(d, Some(id), "divider without an id"))?;
                            let dim = cx.dimension(d, id)?;
                            let mut values = children(d, "value")
                                .map(|v| cx.text_num(v, Some(id)))
                                .collect::<Result<Vec<f64>>>()?;
                            if values.is_empty() {
                                return Err(cx.err(d, Some(id), "divider without a value"));
                            }
                            values.sort_by(f64::total_cmp);
                            dividers.push(Divider {
                                id: did.into(),
                                dim,
                                values,
                            });
                        }
                        let mut quadrants = Vec::new();
                        for q in children(n, "Quadrant") {
                            let qid = attr(q, "id")
                                .ok_or_else(|| cx.err(q, Some(id), "Quadrant without an id"))?;
                            let mut pos = Vec::new();
                            for p in children(q, "position") {
                                let r = attr(p, "divider_ref").ok_or_else(|| {
                                    cx.err(p, Some(qid), "position without a divider_ref")
                                })?;
                                let loc = cx.req_num(p, Some(qid), "location")?;
                                pos.push((r.to_string(), loc));
                            }
                            quadrants.push((qid.to_string(), pos));
                        }
                        pending_quadrants.push((
                            n,
                            QuadrantGateDef {
                                id: id.into(),
                                parent,
                                dividers,
                                quadrants,
                            },
                        ));
                        // Placeholder to keep document order; replaced below.
                        s.gates.push(Gate {
                            id: format!("\u{0}quadrant:{id}"),
                            parent: None,
                            kind: GateKind::Boolean {
                                op: BoolOp::And,
                                operands: vec![],
                            },
                        });
                    }
                    _ => {
                        let kind = gate_kind(&cx, n, id)?;
                        s.gates.push(Gate {
                            id: id.into(),
                            parent,
                            kind,
                        });
                    }
                }
            }
            "transformation" => {
                let id = id.ok_or_else(|| cx.err(n, None, "transformation without an id"))?;
                s.transforms.push(transformation(&cx, n, id)?);
            }
            "spectrumMatrix" => {
                let id = id.ok_or_else(|| cx.err(n, None, "spectrumMatrix without an id"))?;
                s.matrices.push(spectrum_matrix(&cx, n, id)?);
            }
            _ => {}
        }
    }
    // Resolve quadrants.
    let all_dividers: HashMap<String, Divider> = pending_quadrants
        .iter()
        .flat_map(|(_, q)| q.dividers.iter().map(|d| (d.id.clone(), d.clone())))
        .collect();
    for (node, def) in pending_quadrants {
        let mut gates = Vec::new();
        for (qid, pos) in &def.quadrants {
            let mut parts = Vec::new();
            for (r, loc) in pos {
                let d = def
                    .dividers
                    .iter()
                    .find(|d| &d.id == r)
                    .or_else(|| all_dividers.get(r))
                    .ok_or_else(|| {
                        cx.err(
                            node,
                            Some(qid),
                            format!("divider_ref '{r}' is not a divider"),
                        )
                    })?;
                let k = d.values.iter().filter(|v| **v <= *loc).count();
                parts.push(QuadrantPart {
                    divider: d.id.clone(),
                    dim: d.dim.clone(),
                    lower: (k > 0).then(|| d.values[k - 1]),
                    upper: d.values.get(k).copied(),
                });
            }
            gates.push(Gate {
                id: qid.clone(),
                parent: def.parent.clone(),
                kind: GateKind::Quadrant {
                    quadrant_gate: def.id.clone(),
                    parts,
                },
            });
        }
        let placeholder = format!("\u{0}quadrant:{}", def.id);
        let at = s
            .gates
            .iter()
            .position(|g| g.id == placeholder)
            .expect("placeholder pushed");
        s.gates.splice(at..=at, gates);
        s.quadrant_gates.push(def);
    }
    let mut seen = HashSet::new();
    for g in &s.gates {
        if !seen.insert(g.id.as_str()) {
            return Err(FlowError::GatingMl {
                element: "Gating-ML".into(),
                id: Some(g.id.clone()),
                line: 0,
                message: "gate id used twice".into(),
            });
        }
    }
    s.validate()?;
    Ok(s)
}

fn gate_kind(cx: &Ctx, n: Node, id: &str) -> Result<GateKind> {
    match n.tag_name().name() {
        "RectangleGate" => {
            let mut dims = Vec::new();
            for d in children(n, "dimension") {
                let dim = cx.dimension(d, id)?;
                let lo = cx.num(d, Some(id), "min")?;
                let hi = cx.num(d, Some(id), "max")?;
                if lo.is_none() && hi.is_none() {
                    return Err(cx.err(d, Some(id), "dimension with neither min nor max"));
                }
                dims.push((dim, lo, hi));
            }
            if dims.is_empty() {
                return Err(cx.err(n, Some(id), "no dimension"));
            }
            Ok(GateKind::Rectangle { dims })
        }
        "PolygonGate" => {
            let dims: Vec<Dimension> = children(n, "dimension")
                .map(|d| cx.dimension(d, id))
                .collect::<Result<_>>()?;
            if dims.len() != 2 {
                return Err(cx.err(n, Some(id), format!("{} dimensions, 2 needed", dims.len())));
            }
            let mut vertices = Vec::new();
            for v in children(n, "vertex") {
                let c = cx.coordinates(v, id)?;
                if c.len() != 2 {
                    return Err(cx.err(v, Some(id), "a vertex needs 2 coordinates"));
                }
                vertices.push((c[0], c[1]));
            }
            if vertices.len() < 3 {
                return Err(cx.err(n, Some(id), "a polygon needs at least 3 vertices"));
            }
            let mut it = dims.into_iter();
            Ok(GateKind::Polygon {
                x: it.next().expect("2 dims"),
                y: it.next().expect("2 dims"),
                vertices,
            })
        }
        "EllipsoidGate" => {
            let dims: Vec<Dimension> = children(n, "dimension")
                .map(|d| cx.dimension(d, id))
                .collect::<Result<_>>()?;
            let mean = match children(n, "mean").next() {
                Some(m) => cx.coordinates(m, id)?,
                None => vec![],
            };
            let mut cov = Vec::new();
            if let Some(c) = children(n, "covarianceMatrix").next() {
                for r in children(c, "row") {
                    for e in children(r, "entry") {
                        cov.push(cx.value(e, Some(id))?);
                    }
                }
            }
            let d2 = match children(n, "distanceSquare").next() {
                Some(d) => cx.value(d, Some(id))?,
                None => return Err(cx.err(n, Some(id), "no distanceSquare")),
            };
            let k = dims.len();
            if mean.len() != k || cov.len() != k * k {
                return Err(cx.err(
                    n,
                    Some(id),
                    format!(
                        "{k} dimensions need {k} mean coordinates and {k}×{k} covariance entries (found {} and {})",
                        mean.len(),
                        cov.len()
                    ),
                ));
            }
            ellipsoid(dims, mean, cov, d2)
                .ok_or_else(|| cx.err(n, Some(id), "the covariance matrix is singular"))
        }
        "BooleanGate" => {
            let op_node = n
                .children()
                .find(|c| c.is_element() && matches!(c.tag_name().name(), "and" | "or" | "not"))
                .ok_or_else(|| cx.err(n, Some(id), "no and/or/not element"))?;
            let op = match op_node.tag_name().name() {
                "and" => BoolOp::And,
                "or" => BoolOp::Or,
                _ => BoolOp::Not,
            };
            let mut operands = Vec::new();
            for r in children(op_node, "gateReference") {
                let g = attr(r, "ref")
                    .ok_or_else(|| cx.err(r, Some(id), "gateReference without ref"))?;
                operands.push(Operand {
                    gate: g.into(),
                    complement: attr(r, "use-as-complement").is_some_and(|v| v.trim() == "true"),
                });
            }
            let ok = match op {
                BoolOp::Not => operands.len() == 1,
                _ => operands.len() >= 2,
            };
            if !ok {
                return Err(cx.err(
                    op_node,
                    Some(id),
                    format!(
                        "{} operands ('not' takes 1, 'and'/'or' at least 2)",
                        operands.len()
                    ),
                ));
            }
            Ok(GateKind::Boolean { op, operands })
        }
        other => Err(cx.err(n, Some(id), format!("unknown gate type {other}"))),
    }
}

fn transformation(cx: &Ctx, n: Node, id: &str) -> Result<Transformation> {
    let f = n
        .children()
        .find(|c| c.is_element() && c.tag_name().name() != "custom_info")
        .ok_or_else(|| cx.err(n, Some(id), "no transformation function"))?;
    let p = |name: &str| cx.req_num(f, Some(id), name);
    let kind = match f.tag_name().name() {
        "flin" => TransformKind::Flin {
            t: p("T")?,
            a: p("A")?,
        },
        "flog" => TransformKind::Flog {
            t: p("T")?,
            m: p("M")?,
        },
        "fasinh" => TransformKind::Fasinh {
            t: p("T")?,
            m: p("M")?,
            a: p("A")?,
        },
        "logicle" => TransformKind::Logicle(
            Logicle::new(p("T")?, p("W")?, p("M")?, p("A")?)
                .map_err(|e| cx.err(f, Some(id), e.to_string()))?,
        ),
        "hyperlog" => TransformKind::Hyperlog(
            Hyperlog::new(p("T")?, p("W")?, p("M")?, p("A")?)
                .map_err(|e| cx.err(f, Some(id), e.to_string()))?,
        ),
        "fratio" => {
            let dims: Vec<String> = children(f, "fcs-dimension")
                .filter_map(|d| attr(d, "name").map(str::to_string))
                .collect();
            if dims.len() != 2 {
                return Err(cx.err(f, Some(id), "fratio needs 2 fcs-dimensions"));
            }
            TransformKind::Fratio {
                a: p("A")?,
                b: p("B")?,
                c: p("C")?,
                x: dims[0].clone(),
                y: dims[1].clone(),
            }
        }
        other => return Err(cx.err(f, Some(id), format!("unknown transformation {other}"))),
    };
    match &kind {
        TransformKind::Flin { t, a } if t + a == 0.0 => {
            return Err(cx.err(f, Some(id), "T + A must not be 0"));
        }
        TransformKind::Flog { t, m } if *t <= 0.0 || *m <= 0.0 => {
            return Err(cx.err(f, Some(id), "T and M must be > 0"));
        }
        TransformKind::Fasinh { t, m, a } if *t <= 0.0 || *m <= 0.0 || m + a == 0.0 => {
            return Err(cx.err(f, Some(id), "T, M must be > 0 and M + A ≠ 0"));
        }
        _ => {}
    }
    Ok(Transformation {
        id: id.into(),
        kind,
        bound_min: cx.num(n, Some(id), "boundMin")?,
        bound_max: cx.num(n, Some(id), "boundMax")?,
    })
}

fn spectrum_matrix(cx: &Ctx, n: Node, id: &str) -> Result<SpectrumMatrix> {
    let names = |tag: &'static str| -> Vec<String> {
        children(n, tag)
            .flat_map(|c| children(c, "fcs-dimension"))
            .filter_map(|d| attr(d, "name").map(str::to_string))
            .collect()
    };
    let fluorochromes = names("fluorochromes");
    let detectors = names("detectors");
    let mut rows = Vec::new();
    for sp in children(n, "spectrum") {
        rows.push(
            children(sp, "coefficient")
                .map(|c| cx.value(c, Some(id)))
                .collect::<Result<Vec<f64>>>()?,
        );
    }
    let inverted_already = attr(n, "matrix-inverted-already").is_some_and(|v| v.trim() == "true");
    if fluorochromes.is_empty() || detectors.is_empty() {
        return Err(cx.err(n, Some(id), "no fluorochromes or no detectors"));
    }
    if rows.is_empty() && fluorochromes.len() != detectors.len() {
        return Err(cx.err(
            n,
            Some(id),
            "a matrix without coefficients (the FCS spillover) needs as many fluorochromes as detectors",
        ));
    }
    Ok(SpectrumMatrix {
        id: id.into(),
        fluorochromes,
        detectors,
        rows,
        inverted_already,
    })
}

// ---------------------------------------------------------------- export

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn write_dim_body(out: &mut String, d: &Dimension, indent: &str) {
    match &d.source {
        DimSource::Channel(c) => {
            let _ = writeln!(
                out,
                "{indent}<data-type:fcs-dimension data-type:name=\"{}\" />",
                esc(c)
            );
        }
        DimSource::Ratio(r) => {
            let _ = writeln!(
                out,
                "{indent}<data-type:new-dimension data-type:transformation-ref=\"{}\" />",
                esc(r)
            );
        }
    }
}

fn dim_attrs(d: &Dimension) -> String {
    let mut a = format!(" gating:compensation-ref=\"{}\"", esc(d.comp.as_str()));
    if let Some(t) = &d.transform {
        let _ = write!(a, " gating:transformation-ref=\"{}\"", esc(t));
    }
    a
}

fn gate_open(kind: &str, id: &str, parent: &Option<String>) -> String {
    let mut s = format!("  <gating:{kind} gating:id=\"{}\"", esc(id));
    if let Some(p) = parent {
        let _ = write!(s, " gating:parent_id=\"{}\"", esc(p));
    }
    s.push('>');
    s
}

/// Writes a strategy as a Gating-ML 2.0 document that [`parse_gatingml`]
/// reads back to an equal strategy (numbers are written in their shortest
/// round-trip form).
pub fn write_gatingml(s: &GatingStrategy) -> String {
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str("<gating:Gating-ML xmlns:gating=\"http://www.isac-net.org/std/Gating-ML/v2.0/gating\" xmlns:transforms=\"http://www.isac-net.org/std/Gating-ML/v2.0/transformations\" xmlns:data-type=\"http://www.isac-net.org/std/Gating-ML/v2.0/datatypes\">\n");
    for t in &s.transforms {
        let mut a = format!(
            "  <transforms:transformation transforms:id=\"{}\"",
            esc(&t.id)
        );
        if let Some(v) = t.bound_min {
            let _ = write!(a, " transforms:boundMin=\"{}\"", num(v));
        }
        if let Some(v) = t.bound_max {
            let _ = write!(a, " transforms:boundMax=\"{}\"", num(v));
        }
        a.push_str(">\n");
        o.push_str(&a);
        match &t.kind {
            TransformKind::Flin { t, a } => {
                let _ = writeln!(
                    o,
                    "    <transforms:flin transforms:T=\"{}\" transforms:A=\"{}\" />",
                    num(*t),
                    num(*a)
                );
            }
            TransformKind::Flog { t, m } => {
                let _ = writeln!(
                    o,
                    "    <transforms:flog transforms:T=\"{}\" transforms:M=\"{}\" />",
                    num(*t),
                    num(*m)
                );
            }
            TransformKind::Fasinh { t, m, a } => {
                let _ = writeln!(
                    o,
                    "    <transforms:fasinh transforms:T=\"{}\" transforms:M=\"{}\" transforms:A=\"{}\" />",
                    num(*t),
                    num(*m),
                    num(*a)
                );
            }
            TransformKind::Logicle(l) => {
                let [t, w, m, a] = l.params;
                let _ = writeln!(
                    o,
                    "    <transforms:logicle transforms:T=\"{}\" transforms:W=\"{}\" transforms:M=\"{}\" transforms:A=\"{}\" />",
                    num(t),
                    num(w),
                    num(m),
                    num(a)
                );
            }
            TransformKind::Hyperlog(h) => {
                let [t, w, m, a] = h.params;
                let _ = writeln!(
                    o,
                    "    <transforms:hyperlog transforms:T=\"{}\" transforms:W=\"{}\" transforms:M=\"{}\" transforms:A=\"{}\" />",
                    num(t),
                    num(w),
                    num(m),
                    num(a)
                );
            }
            TransformKind::Fratio { a, b, c, x, y } => {
                let _ = writeln!(
                    o,
                    "    <transforms:fratio transforms:A=\"{}\" transforms:B=\"{}\" transforms:C=\"{}\">",
                    num(*a),
                    num(*b),
                    num(*c)
                );
                let _ = writeln!(
                    o,
                    "      <data-type:fcs-dimension data-type:name=\"{}\" />",
                    esc(x)
                );
                let _ = writeln!(
                    o,
                    "      <data-type:fcs-dimension data-type:name=\"{}\" />",
                    esc(y)
                );
                o.push_str("    </transforms:fratio>\n");
            }
        }
        o.push_str("  </transforms:transformation>\n");
    }
    for m in &s.matrices {
        let mut a = format!(
            "  <transforms:spectrumMatrix transforms:id=\"{}\"",
            esc(&m.id)
        );
        if m.inverted_already {
            a.push_str(" transforms:matrix-inverted-already=\"true\"");
        }
        a.push_str(">\n");
        o.push_str(&a);
        for (tag, names) in [
            ("fluorochromes", &m.fluorochromes),
            ("detectors", &m.detectors),
        ] {
            let _ = writeln!(o, "    <transforms:{tag}>");
            for n in names {
                let _ = writeln!(
                    o,
                    "      <data-type:fcs-dimension data-type:name=\"{}\" />",
                    esc(n)
                );
            }
            let _ = writeln!(o, "    </transforms:{tag}>");
        }
        for r in &m.rows {
            o.push_str("    <transforms:spectrum>\n");
            for v in r {
                let _ = writeln!(
                    o,
                    "      <transforms:coefficient transforms:value=\"{}\" />",
                    num(*v)
                );
            }
            o.push_str("    </transforms:spectrum>\n");
        }
        o.push_str("  </transforms:spectrumMatrix>\n");
    }
    let mut written_quadrants = HashSet::new();
    for g in &s.gates {
        match &g.kind {
            GateKind::Rectangle { dims } => {
                o.push_str(&gate_open("RectangleGate", &g.id, &g.parent));
                o.push('\n');
                for (d, lo, hi) in dims {
                    let mut a = dim_attrs(d);
                    if let Some(v) = lo {
                        let _ = write!(a, " gating:min=\"{}\"", num(*v));
                    }
                    if let Some(v) = hi {
                        let _ = write!(a, " gating:max=\"{}\"", num(*v));
                    }
                    let _ = writeln!(o, "    <gating:dimension{a}>");
                    write_dim_body(&mut o, d, "      ");
                    o.push_str("    </gating:dimension>\n");
                }
                o.push_str("  </gating:RectangleGate>\n");
            }
            GateKind::Polygon { x, y, vertices } => {
                o.push_str(&gate_open("PolygonGate", &g.id, &g.parent));
                o.push('\n');
                for d in [x, y] {
                    let _ = writeln!(o, "    <gating:dimension{}>", dim_attrs(d));
                    write_dim_body(&mut o, d, "      ");
                    o.push_str("    </gating:dimension>\n");
                }
                for (vx, vy) in vertices {
                    o.push_str("    <gating:vertex>\n");
                    for c in [vx, vy] {
                        let _ = writeln!(
                            o,
                            "      <gating:coordinate data-type:value=\"{}\" />",
                            num(*c)
                        );
                    }
                    o.push_str("    </gating:vertex>\n");
                }
                o.push_str("  </gating:PolygonGate>\n");
            }
            GateKind::Ellipsoid {
                dims,
                mean,
                covariance,
                distance_square,
                ..
            } => {
                o.push_str(&gate_open("EllipsoidGate", &g.id, &g.parent));
                o.push('\n');
                for d in dims {
                    let _ = writeln!(o, "    <gating:dimension{}>", dim_attrs(d));
                    write_dim_body(&mut o, d, "      ");
                    o.push_str("    </gating:dimension>\n");
                }
                o.push_str("    <gating:mean>\n");
                for m in mean {
                    let _ = writeln!(
                        o,
                        "      <gating:coordinate data-type:value=\"{}\" />",
                        num(*m)
                    );
                }
                o.push_str("    </gating:mean>\n    <gating:covarianceMatrix>\n");
                let k = dims.len();
                for r in 0..k {
                    o.push_str("      <gating:row>\n");
                    for c in 0..k {
                        let _ = writeln!(
                            o,
                            "        <gating:entry data-type:value=\"{}\" />",
                            num(covariance[r * k + c])
                        );
                    }
                    o.push_str("      </gating:row>\n");
                }
                let _ = writeln!(
                    o,
                    "    </gating:covarianceMatrix>\n    <gating:distanceSquare data-type:value=\"{}\" />",
                    num(*distance_square)
                );
                o.push_str("  </gating:EllipsoidGate>\n");
            }
            GateKind::Quadrant { quadrant_gate, .. } => {
                if !written_quadrants.insert(quadrant_gate.clone()) {
                    continue;
                }
                let Some(def) = s.quadrant_gates.iter().find(|q| &q.id == quadrant_gate) else {
                    continue;
                };
                o.push_str(&gate_open("QuadrantGate", &def.id, &def.parent));
                o.push('\n');
                for d in &def.dividers {
                    let _ = writeln!(
                        o,
                        "    <gating:divider gating:id=\"{}\"{}>",
                        esc(&d.id),
                        dim_attrs(&d.dim)
                    );
                    write_dim_body(&mut o, &d.dim, "      ");
                    for v in &d.values {
                        let _ = writeln!(o, "      <gating:value>{}</gating:value>", num(*v));
                    }
                    o.push_str("    </gating:divider>\n");
                }
                for (qid, pos) in &def.quadrants {
                    let _ = writeln!(o, "    <gating:Quadrant gating:id=\"{}\">", esc(qid));
                    for (r, loc) in pos {
                        let _ = writeln!(
                            o,
                            "      <gating:position gating:divider_ref=\"{}\" gating:location=\"{}\" />",
                            esc(r),
                            num(*loc)
                        );
                    }
                    o.push_str("    </gating:Quadrant>\n");
                }
                o.push_str("  </gating:QuadrantGate>\n");
            }
            GateKind::Boolean { op, operands } => {
                o.push_str(&gate_open("BooleanGate", &g.id, &g.parent));
                o.push('\n');
                let tag = match op {
                    BoolOp::And => "and",
                    BoolOp::Or => "or",
                    BoolOp::Not => "not",
                };
                let _ = writeln!(o, "    <gating:{tag}>");
                for op in operands {
                    let c = if op.complement {
                        " gating:use-as-complement=\"true\""
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        o,
                        "      <gating:gateReference gating:ref=\"{}\"{c} />",
                        esc(&op.gate)
                    );
                }
                let _ = writeln!(o, "    </gating:{tag}>");
                o.push_str("  </gating:BooleanGate>\n");
            }
        }
    }
    o.push_str("</gating:Gating-ML>\n");
    o
}

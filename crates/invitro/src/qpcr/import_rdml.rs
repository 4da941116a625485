//! RDML 1.0–1.4 reader (Lefever et al. 2009, Nucleic Acids Res; the RDML
//! consortium's schema, rdml.org).
//!
//! An RDML file is either a zip archive holding one XML document (usually
//! `rdml_data.xml`; Bio-Rad CFX names it after the run, so any single `.xml`
//! entry is accepted) or the XML document itself. The root is
//! `<rdml version="1.x" xmlns="http://www.rdml.org">`; elements are matched
//! by local name, so the namespace prefix does not matter.
//!
//! What is read:
//! * `sample`: `id`, `type` (unkn, ntc, nac, ntp, nrt, std, pos, opt),
//!   `quantity/value`, `quantity/unit`, `annotation/property` + `value`;
//! * `target`: `id`, `type` (ref / toi), `amplificationEfficiency`,
//!   `amplificationEfficiencySE`;
//! * `experiment/run/react`: the reaction id, its `sample`, and per `data`
//!   block (one per target; multiplex reactions have several): `tar`, `cq`,
//!   `excl`, `ampEff`, `ampEffSE`, `ampEffMet`, `N0`, `Ncopy`, and the melt
//!   points `mdp` (`tmp`, `fluor`). Amplification points (`adp`) are not kept.
//!
//! Conventions of the files as written by instruments and tools:
//! * `cq = -1` means "no amplification" (rdml-tools / LinRegPCR); a missing
//!   `cq` (Bio-Rad) means no Cq. Both become "not detected" in
//!   [`RdmlFile::to_cq_set`]; the reaction table keeps the raw value.
//! * `amplificationEfficiency` is a fold per cycle in RDML ≥ 1.1 files
//!   (1.84–1.90 in the rdml-tools examples) but a percentage in the StepOne
//!   1.0 export (93.9). A value above 2.5 (impossible as a fold) is read as a
//!   percentage: `E = 1 + value/100` ([`efficiency_fold`]).
//! * Numbers written `NaN` are absent.

use std::collections::BTreeMap;
use std::io::Read;

use roxmltree::{Document, Node};
use serde::Serialize;

use super::QpcrError;
use super::tidy::{CqRecord, CqSet, MeltCurve, SampleType, check_ct};

/// Largest uncompressed XML accepted from a zip entry (bytes).
pub const MAX_XML_BYTES: u64 = 512 << 20;

/// A sample of an RDML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RdmlSample {
    /// Sample id.
    pub id: String,
    /// `type` as written (unkn, ntc, …), if present.
    pub sample_type: Option<String>,
    /// Quantity of a standard.
    pub quantity: Option<f64>,
    /// Unit of `quantity`.
    pub quantity_unit: Option<String>,
    /// Annotations (property, value) in file order.
    pub annotations: Vec<(String, String)>,
}

/// A target (gene) of an RDML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RdmlTarget {
    /// Target id.
    pub id: String,
    /// `type` as written (ref / toi), if present.
    pub target_type: Option<String>,
    /// `amplificationEfficiency` as written (fold or percent, see the module docs).
    pub amp_eff: Option<f64>,
    /// `amplificationEfficiencySE` as written.
    pub amp_eff_se: Option<f64>,
}

/// One reaction × target (`react/data`) of an RDML file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RdmlReaction {
    /// Experiment id.
    pub experiment: String,
    /// Run id.
    pub run: String,
    /// Reaction id (a well number or name).
    pub react: String,
    /// Sample id.
    pub sample: String,
    /// Target id.
    pub target: String,
    /// `cq` as written (−1 = no amplification), if present.
    pub cq: Option<f64>,
    /// `excl` (reason for exclusion), if present.
    pub excl: Option<String>,
    /// `ampEff` of the reaction.
    pub amp_eff: Option<f64>,
    /// `ampEffSE` of the reaction.
    pub amp_eff_se: Option<f64>,
    /// `ampEffMet` (method of the efficiency).
    pub amp_eff_met: Option<String>,
    /// `N0` (starting fluorescence, LinRegPCR).
    pub n0: Option<f64>,
    /// `Ncopy` (copies).
    pub ncopy: Option<f64>,
    /// Melt curve (`mdp` points), if any.
    pub melt: Option<MeltCurve>,
}

/// A parsed RDML document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RdmlFile {
    /// File name as given.
    pub source: String,
    /// `version` attribute of the root.
    pub version: String,
    /// Samples in file order.
    pub samples: Vec<RdmlSample>,
    /// Targets in file order.
    pub targets: Vec<RdmlTarget>,
    /// Reactions × targets in file order.
    pub reactions: Vec<RdmlReaction>,
}

/// Converts a stored `amplificationEfficiency` to a fold per cycle: values
/// above 2.5 are percentages (`1 + v/100`), others are folds already.
pub fn efficiency_fold(v: f64) -> f64 {
    if v > 2.5 { 1.0 + v / 100.0 } else { v }
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text_of(n: Node, name: &str) -> Option<String> {
    child(n, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn num_of(n: Node, name: &str) -> Option<f64> {
    text_of(n, name)
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// `id` attribute (RDML ≥ 1.1) or, in some 1.0 writers, an `id` child.
fn id_of(n: Node) -> Option<String> {
    n.attribute("id")
        .map(|s| s.trim().to_string())
        .or_else(|| text_of(n, "id"))
}

/// The XML text of an RDML file (zip archive or plain XML).
fn xml_text(bytes: &[u8], file: &str) -> Result<String, QpcrError> {
    let err = |m: String| QpcrError::Rdml {
        file: file.to_string(),
        message: m,
    };
    if bytes.starts_with(b"PK") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| err(format!("cannot open the zip archive: {e}")))?;
        let names: Vec<String> = (0..zip.len())
            .map(|i| match zip.name_for_index(i) {
                Some(Ok(n)) => n.into_owned(),
                _ => String::new(),
            })
            .collect();
        let xmls: Vec<usize> = (0..names.len())
            .filter(|&i| names[i].to_ascii_lowercase().ends_with(".xml"))
            .collect();
        let pick = xmls
            .iter()
            .copied()
            .find(|&i| names[i].eq_ignore_ascii_case("rdml_data.xml"))
            .or(if xmls.len() == 1 { Some(xmls[0]) } else { None })
            .ok_or_else(|| {
                err(format!(
                    "the archive holds no rdml_data.xml and not exactly one .xml entry (entries: {})",
                    names.join(", ")
                ))
            })?;
        let entry = zip
            .by_index(pick)
            .map_err(|e| err(format!("cannot read entry {}: {e}", names[pick])))?;
        let mut buf = Vec::new();
        entry
            .take(MAX_XML_BYTES)
            .read_to_end(&mut buf)
            .map_err(|e| err(format!("cannot read entry {}: {e}", names[pick])))?;
        Ok(crate::grid::decode_text(&buf))
    } else {
        Ok(crate::grid::decode_text(bytes))
    }
}

impl RdmlFile {
    /// Parses an RDML file from its bytes (zip or XML); `file` names it in
    /// errors.
    pub fn parse(bytes: &[u8], file: &str) -> Result<RdmlFile, QpcrError> {
        let err = |m: String| QpcrError::Rdml {
            file: file.to_string(),
            message: m,
        };
        let text = xml_text(bytes, file)?;
        let doc = Document::parse(&text).map_err(|e| err(format!("XML: {e}")))?;
        let root = doc.root_element();
        if root.tag_name().name() != "rdml" {
            return Err(err(format!(
                "the root element is <{}>, expected <rdml>",
                root.tag_name().name()
            )));
        }
        let version = root.attribute("version").unwrap_or("").trim().to_string();
        let mut samples = Vec::new();
        for s in children(root, "sample") {
            let id = id_of(s).ok_or_else(|| err("a <sample> has no id".into()))?;
            let q = child(s, "quantity");
            let annotations = children(s, "annotation")
                .filter_map(|a| Some((text_of(a, "property")?, text_of(a, "value")?)))
                .collect();
            samples.push(RdmlSample {
                id,
                sample_type: text_of(s, "type"),
                quantity: q.and_then(|q| num_of(q, "value")),
                quantity_unit: q.and_then(|q| text_of(q, "unit")),
                annotations,
            });
        }
        let mut targets = Vec::new();
        for t in children(root, "target") {
            let id = id_of(t).ok_or_else(|| err("a <target> has no id".into()))?;
            targets.push(RdmlTarget {
                id,
                target_type: text_of(t, "type"),
                amp_eff: num_of(t, "amplificationEfficiency"),
                amp_eff_se: num_of(t, "amplificationEfficiencySE"),
            });
        }
        let mut reactions = Vec::new();
        for e in children(root, "experiment") {
            let exp = id_of(e).unwrap_or_default();
            for r in children(e, "run") {
                let run = id_of(r).unwrap_or_default();
                for re in children(r, "react") {
                    let react = id_of(re).unwrap_or_default();
                    let sample = child(re, "sample").and_then(id_of).ok_or_else(|| {
                        err(format!("reaction '{react}' of run '{run}' names no sample"))
                    })?;
                    for d in children(re, "data") {
                        let target = child(d, "tar").and_then(id_of).ok_or_else(|| {
                            err(format!(
                                "reaction '{react}' of run '{run}' has a <data> block without <tar>"
                            ))
                        })?;
                        let mut melt = MeltCurve::default();
                        for m in children(d, "mdp") {
                            if let (Some(t), Some(f)) = (num_of(m, "tmp"), num_of(m, "fluor")) {
                                melt.temperature.push(t);
                                melt.fluorescence.push(f);
                            }
                        }
                        reactions.push(RdmlReaction {
                            experiment: exp.clone(),
                            run: run.clone(),
                            react: react.clone(),
                            sample: sample.clone(),
                            target,
                            cq: num_of(d, "cq"),
                            excl: text_of(d, "excl"),
                            amp_eff: num_of(d, "ampEff"),
                            amp_eff_se: num_of(d, "ampEffSE"),
                            amp_eff_met: text_of(d, "ampEffMet"),
                            n0: num_of(d, "N0"),
                            ncopy: num_of(d, "Ncopy"),
                            melt: (!melt.temperature.is_empty()).then_some(melt),
                        });
                    }
                }
            }
        }
        Ok(RdmlFile {
            source: file.to_string(),
            version,
            samples,
            targets,
            reactions,
        })
    }

    /// The sample with id `id`.
    pub fn sample(&self, id: &str) -> Option<&RdmlSample> {
        self.samples.iter().find(|s| s.id == id)
    }

    /// The target with id `id`.
    pub fn target(&self, id: &str) -> Option<&RdmlTarget> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// Annotation properties in order of first appearance.
    pub fn annotation_properties(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for s in &self.samples {
            for (p, _) in &s.annotations {
                if !v.contains(p) {
                    v.push(p.clone());
                }
            }
        }
        v
    }

    /// The reaction table: one row per reaction × target with the columns
    /// `rdml_version, experiment, run, react, sample, sample_type,
    /// annot_<property>…, target, target_type, target_ampEff,
    /// target_ampEffSE, cq, excl, ampEff, ampEffSE, ampEffMet, N0, Ncopy,
    /// quantity, quantity_unit` (sample quantity). Values are as stored
    /// (`cq = -1` stays −1); absent values are empty; numbers use Rust's
    /// shortest round-trip formatting.
    pub fn reaction_table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let props = self.annotation_properties();
        let mut header: Vec<String> = [
            "rdml_version",
            "experiment",
            "run",
            "react",
            "sample",
            "sample_type",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend(props.iter().map(|p| format!("annot_{p}")));
        header.extend(
            [
                "target",
                "target_type",
                "target_ampEff",
                "target_ampEffSE",
                "cq",
                "excl",
                "ampEff",
                "ampEffSE",
                "ampEffMet",
                "N0",
                "Ncopy",
                "quantity",
                "quantity_unit",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        let num = |v: Option<f64>| v.map(|x| format!("{x:?}")).unwrap_or_default();
        let txt = |v: &Option<String>| v.clone().unwrap_or_default();
        let rows = self
            .reactions
            .iter()
            .map(|r| {
                let s = self.sample(&r.sample);
                let t = self.target(&r.target);
                let mut row = vec![
                    self.version.clone(),
                    r.experiment.clone(),
                    r.run.clone(),
                    r.react.clone(),
                    r.sample.clone(),
                    s.and_then(|s| s.sample_type.clone()).unwrap_or_default(),
                ];
                for p in &props {
                    row.push(
                        s.and_then(|s| s.annotations.iter().find(|(k, _)| k == p))
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default(),
                    );
                }
                row.extend([
                    r.target.clone(),
                    t.and_then(|t| t.target_type.clone()).unwrap_or_default(),
                    num(t.and_then(|t| t.amp_eff)),
                    num(t.and_then(|t| t.amp_eff_se)),
                    num(r.cq),
                    txt(&r.excl),
                    num(r.amp_eff),
                    num(r.amp_eff_se),
                    txt(&r.amp_eff_met),
                    num(r.n0),
                    num(r.ncopy),
                    num(s.and_then(|s| s.quantity)),
                    s.and_then(|s| s.quantity_unit.clone()).unwrap_or_default(),
                ]);
                row
            })
            .collect();
        (header, rows)
    }

    /// The annotation property used as the group: `requested` if given
    /// (must exist), else the single property that every quantified
    /// (`unkn` or untyped) sample carries, if there is exactly one.
    pub fn group_property(&self, requested: Option<&str>) -> Result<Option<String>, QpcrError> {
        let props = self.annotation_properties();
        if let Some(r) = requested {
            return props
                .iter()
                .find(|p| p.as_str() == r || p.eq_ignore_ascii_case(r))
                .cloned()
                .map(Some)
                .ok_or_else(|| {
                    QpcrError::Invalid(format!(
                        "{}: no sample annotation '{r}' (annotations: {})",
                        self.source,
                        if props.is_empty() {
                            "none".to_string()
                        } else {
                            props.join(", ")
                        }
                    ))
                });
        }
        let quantified: Vec<&RdmlSample> = self
            .samples
            .iter()
            .filter(|s| {
                SampleType::parse(s.sample_type.as_deref().unwrap_or("")) == SampleType::Unknown
            })
            .collect();
        let common: Vec<&String> = props
            .iter()
            .filter(|p| {
                !quantified.is_empty()
                    && quantified
                        .iter()
                        .all(|s| s.annotations.iter().any(|(k, _)| k == *p))
            })
            .collect();
        Ok(if common.len() == 1 {
            Some(common[0].clone())
        } else {
            None
        })
    }

    /// Cq records of the reactions (see the module docs for the conventions):
    /// `cq = -1` or absent → not detected; `excl` → excluded; the group from
    /// the annotation chosen by [`RdmlFile::group_property`]; target
    /// efficiencies converted to folds; `line` = row of the reaction in
    /// [`RdmlFile::reaction_table`] counting the header as row 1. A Cq
    /// outside `(0, 60]` (other than −1) is an error.
    pub fn to_cq_set(&self, group_annotation: Option<&str>) -> Result<CqSet, QpcrError> {
        let source = format!("{} [RDML reaction table]", self.source);
        let prop = self.group_property(group_annotation)?;
        let samples: BTreeMap<&str, &RdmlSample> =
            self.samples.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut records = Vec::with_capacity(self.reactions.len());
        for (i, r) in self.reactions.iter().enumerate() {
            let s = samples.get(r.sample.as_str());
            let line = i + 2;
            let cq = match r.cq {
                None => None,
                Some(-1.0) => None,
                Some(v) => Some(check_ct(v, &source, line, &r.sample, &r.target)?),
            };
            let group = prop.as_ref().and_then(|p| {
                s.and_then(|s| s.annotations.iter().find(|(k, _)| k == p))
                    .map(|(_, v)| v.clone())
            });
            records.push(CqRecord {
                sample: r.sample.clone(),
                group,
                gene: r.target.clone(),
                cq,
                sample_type: SampleType::parse(
                    s.and_then(|s| s.sample_type.as_deref()).unwrap_or(""),
                ),
                replicate: None,
                well: Some(r.react.clone()),
                plate: Some(r.run.clone()),
                quantity: s.and_then(|s| s.quantity),
                excluded: r.excl.is_some(),
                line,
                ncopy: r.ncopy.or(r.n0).filter(|v| *v > 0.0),
                melt: r.melt.clone(),
            });
        }
        let efficiencies = self
            .targets
            .iter()
            .filter_map(|t| Some((t.id.clone(), efficiency_fold(t.amp_eff?))))
            .filter(|(_, e)| *e > 1.0 && *e <= 2.5)
            .collect();
        let reference_genes = self
            .targets
            .iter()
            .filter(|t| {
                t.target_type
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case("ref"))
            })
            .map(|t| t.id.clone())
            .collect();
        Ok(CqSet {
            source,
            format: "rdml".into(),
            records,
            efficiencies,
            reference_genes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0"?>
<rdml version="1.2" xmlns="http://www.rdml.org">
 <sample id="s1"><type>unkn</type><annotation><property>treatment</property><value>DMSO</value></annotation></sample>
 <sample id="ntc"><type>ntc</type></sample>
 <target id="HOXA9"><type>toi</type><amplificationEfficiency>1.95</amplificationEfficiency></target>
 <target id="ACTB"><type>ref</type><amplificationEfficiency>97.0</amplificationEfficiency></target>
 <experiment id="e"><run id="r">
  <react id="1"><sample id="s1"/><data><tar id="HOXA9"/><cq>25.5</cq></data><data><tar id="ACTB"/><cq>18.25</cq></data></react>
  <react id="2"><sample id="ntc"/><data><tar id="HOXA9"/><cq>-1</cq></data><data><tar id="ACTB"/></data></react>
 </run></experiment>
</rdml>"#;

    #[test]
    fn parses_plain_xml() {
        let f = RdmlFile::parse(XML.as_bytes(), "x.rdml").unwrap();
        assert_eq!(f.version, "1.2");
        assert_eq!(f.reactions.len(), 4);
        assert_eq!(f.reactions[2].cq, Some(-1.0));
        let set = f.to_cq_set(None).unwrap();
        assert_eq!(set.records[0].group.as_deref(), Some("DMSO"));
        assert_eq!(set.records[2].cq, None);
        assert_eq!(set.records[3].cq, None);
        assert_eq!(set.records[2].sample_type, SampleType::Ntc);
        assert_eq!(set.efficiencies["HOXA9"], 1.95);
        assert!((set.efficiencies["ACTB"] - 1.97).abs() < 1e-12);
        assert_eq!(set.reference_genes, vec!["ACTB".to_string()]);
        let (h, rows) = f.reaction_table();
        assert_eq!(h[6], "annot_treatment");
        assert_eq!(rows[2][h.iter().position(|c| c == "cq").unwrap()], "-1.0");
    }

    #[test]
    fn rejects_garbage() {
        assert!(RdmlFile::parse(b"<notrdml/>", "x").is_err());
        assert!(RdmlFile::parse(b"PK\x03\x04garbage", "x").is_err());
        assert!(RdmlFile::parse(b"\xff\xfe<", "x").is_err());
        let bad = XML.replace("<cq>25.5</cq>", "<cq>250</cq>");
        let f = RdmlFile::parse(bad.as_bytes(), "x.rdml").unwrap();
        assert!(f.to_cq_set(None).is_err());
    }
}

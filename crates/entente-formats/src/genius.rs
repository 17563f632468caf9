//! GENIUS XML: domain files (`<negotiation_template>`) and utility profiles
//! (`<utility_space>`), read and written.
//!
//! The rules are GENIUS 10.4's, as `../shared/reference/genius-format.md` sets
//! them out, with every expression computed in GENIUS's order so that
//! utilities are bit-identical to GENIUS's:
//!
//! - discrete evaluations are divided by the largest evaluation of their issue
//!   (0 when that maximum is below 1e-5): a table of `evaluation / max`;
//! - integer issues: `clamp01(slope · (x − lowerbound) + offset)`
//!   ([`ValueFunction::ClampedLinear`] with the profile's lower bound as origin);
//! - real issues: `linear` is `clamp01(parameter1 · x + parameter0)` on the raw
//!   `x`, `constant` is `parameter0`, `triangular` is GENIUS's triangle with
//!   corners `parameter0` (low), `parameter2` (top), `parameter1` (high);
//! - a value evaluated twice in a profile keeps its last evaluation (GENIUS
//!   stores evaluations in a map; `other_AMPOvsCity` has such a duplicate);
//! - weights as written, matched with issues by `index` among siblings;
//!   nested objectives are walked (issues are the leaves, objective weights do
//!   not enter the utility); the utility sums `w_i · e_i(x_i)` from 0 in the
//!   domain's issue order, and is not capped at 1;
//! - `<reservation value>` (absent: none) and `<discount_factor value>` (≤ 0,
//!   > 1 and 1 all mean none);
//! - non-linear profiles (`type="nonlinear"`, ANAC 2014) become
//!   [`HyperRectangles`].
//!
//! Real issues have no finite outcome count: they are negotiated over
//! [`ReadOptions::real_steps`] evenly spaced points (default
//! [`DEFAULT_REAL_STEPS`]). The writer records the count in an `entente_steps`
//! attribute of the issue (GENIUS ignores it), which the reader uses when no
//! count is asked for.
//!
//! Legacy `<agent>` elements, `cost`, `description`, similarity and criteria
//! functions and the preference-uncertainty extras are ignored. Every error
//! names the file, the line and column of the element, and what was expected.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use entente_core::{
    Aggregation, Bound, HyperRectangles, Issue, IssueKind, LinearAdditive, ModelError, OutcomeSpace, Preferences,
    Rectangle, RectangleFunction, RectangleKind, UtilityFunction, ValueFunction,
};
use entente_model::SaoConfig;
use entente_model::{Party, Scenario};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::Format;
use crate::error::FormatError;
use crate::scenario::DEFAULT_N_STEPS;

/// Points a real issue is negotiated over when neither the caller nor the file
/// says: 11, so that steps of a tenth of the range are offered.
pub const DEFAULT_REAL_STEPS: u32 = 11;

/// Largest nesting of XML elements (and of objectives or functions) accepted.
const MAX_DEPTH: usize = 256;

/// Options of the GENIUS and GeniusWeb readers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Number of evenly spaced points (bounds included) each real issue is
    /// negotiated over. `None`: the file's `entente_steps` attribute when it
    /// has one, else [`DEFAULT_REAL_STEPS`].
    pub real_steps: Option<u32>,
    /// NegMAS compatibility: discrete evaluations as written, not divided by
    /// the issue's maximum (NegMAS 0.16 reads GENIUS files this way; its
    /// utilities are then not in [0, 1]). Off by default: GENIUS's reading.
    pub raw_discrete: bool,
}

// ---------------------------------------------------------------------------
// A small XML tree with positions.

/// An element: name, attributes in document order, child elements, and the
/// byte offset of its `<`.
#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    pos: usize,
}

impl Element {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// `<name index="…" name="…">` for messages: the attributes that identify it.
    fn describe(&self) -> String {
        let mut s = format!("<{}", self.name);
        for key in ["index", "name", "value"] {
            if let Some(v) = self.attr(key) {
                let v: String = v.chars().take(60).collect();
                let _ = write!(s, " {key}={v:?}");
            }
        }
        s.push('>');
        s
    }
}

/// A document being read: its file and text, to turn offsets into lines.
struct Doc<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Doc<'_> {
    fn error(&self, pos: usize, message: impl Into<String>) -> FormatError {
        let pos = pos.min(self.text.len());
        let before = self.text.as_bytes().get(..pos).unwrap_or_default();
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        FormatError::Syntax { file: self.file.to_path_buf(), line, column, message: message.into() }
    }

    fn at(&self, el: &Element, message: impl std::fmt::Display) -> FormatError {
        self.error(el.pos, format!("{}: {message}", el.describe()))
    }

    fn req<'e>(&self, el: &'e Element, key: &str) -> Result<&'e str, FormatError> {
        el.attr(key).ok_or_else(|| self.at(el, format!("the attribute `{key}` is missing")))
    }

    fn int(&self, el: &Element, key: &str) -> Result<i64, FormatError> {
        let v = self.req(el, key)?;
        v.trim().parse::<i64>().map_err(|_| self.at(el, format!("`{key}` must be an integer, not {v:?}")))
    }

    fn num(&self, el: &Element, key: &str) -> Result<f64, FormatError> {
        let v = self.req(el, key)?;
        parse_number(v).ok_or_else(|| self.at(el, format!("`{key}` must be a finite number, not {v:?}")))
    }

    fn opt_num(&self, el: &Element, key: &str) -> Result<Option<f64>, FormatError> {
        match el.attr(key) {
            None => Ok(None),
            Some(_) => self.num(el, key).map(Some),
        }
    }
}

/// A finite number as Java's `Double.valueOf` reads it (surrounding blanks allowed).
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    // Rust accepts "inf" and "nan" spellings Java does not; both are refused here anyway.
    let x: f64 = t.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Reads a file as text: UTF-8 (a byte-order mark is dropped), or, when the
/// bytes are not UTF-8, ISO-8859-1 (Latin-1), in which old GENIUS files are
/// sometimes written: every byte is the character of that code point, so
/// `Ã©` never stands for `é` and no name gets a replacement character.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
fn read_text(path: &Path) -> Result<String, FormatError> {
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(path, e))?;
    Ok(decode_text(bytes))
}

/// UTF-8 without its byte-order mark, else Latin-1 (see [`read_text`]).
pub(crate) fn decode_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => match s.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => s,
        },
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    }
}

fn element_of(doc: &Doc, e: &BytesStart, pos: usize) -> Result<Element, FormatError> {
    let name = e.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| doc.error(pos, format!("<{name}>: malformed attribute: {err}")))?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| doc.error(pos, format!("<{name}>: attribute `{key}`: {err}")))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element { name, attrs, children: Vec::new(), pos })
}

/// Parses a whole document into its root element.
fn parse_xml(doc: &Doc) -> Result<Element, FormatError> {
    let mut reader = Reader::from_str(doc.text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let pos = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position() as usize;
                let context = stack.last().map(|el| format!(" (inside {})", el.describe())).unwrap_or_default();
                return Err(doc.error(at, format!("malformed XML{context}: {e}")));
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let name = e.name().as_ref().to_string();
                return Err(doc.error(pos, format!("<{name}>: a second root element; a file holds one")));
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(doc.error(pos, format!("elements nest more than {MAX_DEPTH} deep")));
                }
                stack.push(element_of(doc, &e, pos)?);
            }
            Event::Empty(e) => {
                let el = element_of(doc, &e, pos)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(doc.error(pos, "a closing tag without its opening tag"));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(doc.error(
                        doc.text.len(),
                        format!(
                            "the file ends inside {} (opened at line {}): it is truncated or a closing tag is missing",
                            open.describe(),
                            line_of(doc.text, open.pos)
                        ),
                    ));
                }
                return root.ok_or_else(|| doc.error(0, "no XML element found: expected a GENIUS file"));
            }
            _ => {}
        }
    }
}

fn line_of(text: &str, pos: usize) -> usize {
    text.as_bytes().get(..pos).unwrap_or_default().iter().filter(|&&b| b == b'\n').count() + 1
}

/// Name of the root element of an XML text, if it has one.
fn root_name(text: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                return Some(e.name().as_ref().to_string());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Domains.

/// A GENIUS domain: its outcome space and each issue's GENIUS `index`.
#[derive(Clone, Debug)]
pub struct GeniusDomain {
    /// The root objective's `name` (may be empty).
    pub name: String,
    pub space: OutcomeSpace,
    /// The `index` attribute of each issue, in the space's issue order.
    pub indices: Vec<i64>,
}

impl GeniusDomain {
    fn position(&self, index: i64) -> Option<usize> {
        self.indices.iter().position(|&i| i == index)
    }
}

/// Reads a GENIUS domain file.
pub fn read_genius_domain(path: &Path, opts: &ReadOptions) -> Result<GeniusDomain, FormatError> {
    let text = read_text(path)?;
    parse_genius_domain(&text, path, opts)
}

/// Parses a GENIUS domain; `path` names the file in errors.
pub fn parse_genius_domain(text: &str, path: &Path, opts: &ReadOptions) -> Result<GeniusDomain, FormatError> {
    let doc = Doc { file: path, text };
    let root = parse_xml(&doc)?;
    if root.name != "negotiation_template" {
        let hint = if root.name == "utility_space" { " (this looks like a GENIUS profile, not a domain)" } else { "" };
        return Err(doc.at(&root, format!("expected <negotiation_template> as the root of a GENIUS domain{hint}")));
    }
    let us =
        root.child("utility_space").ok_or_else(|| doc.at(&root, "a GENIUS domain needs a <utility_space> element"))?;
    let top = us
        .child("objective")
        .ok_or_else(|| doc.at(us, "a GENIUS domain needs a root <objective> holding its issues"))?;
    let mut issues: Vec<(&Element, Issue, i64)> = Vec::new();
    collect_domain_issues(&doc, top, opts, &mut issues, 0)?;
    if issues.is_empty() {
        return Err(doc.at(top, "the domain has no <issue>"));
    }
    let mut seen = HashMap::new();
    for (el, _, index) in &issues {
        if let Some(first) = seen.insert(*index, el.pos) {
            return Err(
                doc.at(el, format!("issue index {index} is used twice (first at line {})", line_of(text, first)))
            );
        }
    }
    let indices = issues.iter().map(|(_, _, i)| *i).collect();
    let space = OutcomeSpace::new(issues.iter().map(|(_, i, _)| i.clone()).collect()).map_err(|e| match &e {
        ModelError::Issue { issue, .. } => match issues.iter().rev().find(|(_, i, _)| &i.name == issue) {
            Some((el, ..)) => doc.at(el, e.to_string()),
            None => doc.at(top, e.to_string()),
        },
        _ => doc.at(top, e.to_string()),
    })?;
    Ok(GeniusDomain { name: top.attr("name").unwrap_or_default().to_string(), space, indices })
}

fn collect_domain_issues<'e>(
    doc: &Doc,
    objective: &'e Element,
    opts: &ReadOptions,
    out: &mut Vec<(&'e Element, Issue, i64)>,
    depth: usize,
) -> Result<(), FormatError> {
    if depth > MAX_DEPTH {
        return Err(doc.at(objective, "objectives nest too deep"));
    }
    for c in &objective.children {
        match c.name.as_str() {
            "issue" => {
                let index = doc.int(c, "index")?;
                out.push((c, domain_issue(doc, c, opts)?, index));
            }
            "objective" => collect_domain_issues(doc, c, opts, out, depth + 1)?,
            _ => {}
        }
    }
    Ok(())
}

/// The issue type: `type`, else discrete (`vtype` and `etype` do not decide).
fn issue_type(doc: &Doc, el: &Element) -> Result<&'static str, FormatError> {
    match el.attr("type").map(|t| t.trim().to_ascii_lowercase()) {
        None => Ok("discrete"),
        Some(t) => match t.as_str() {
            "discrete" => Ok("discrete"),
            "integer" => Ok("integer"),
            "real" => Ok("real"),
            _ => Err(doc.at(el, format!("unknown issue type {t:?}; expected discrete, integer or real"))),
        },
    }
}

fn domain_issue(doc: &Doc, el: &Element, opts: &ReadOptions) -> Result<Issue, FormatError> {
    let name = doc.req(el, "name")?.to_string();
    if name.trim().is_empty() {
        return Err(doc.at(el, "an issue needs a non-empty name"));
    }
    match issue_type(doc, el)? {
        "discrete" => {
            let mut values: Vec<String> = Vec::new();
            let mut seen = HashSet::new();
            for item in el.children("item") {
                let v = doc.req(item, "value")?;
                if !seen.insert(v) {
                    return Err(doc.at(item, format!("issue {name:?}: value {v:?} is listed twice")));
                }
                values.push(v.to_string());
            }
            if values.is_empty() {
                return Err(doc.at(el, "a discrete issue needs <item value=\"…\"/> children"));
            }
            Ok(Issue::discrete(name, values))
        }
        "integer" => {
            let (lo, hi) = (doc.int(el, "lowerbound")?, doc.int(el, "upperbound")?);
            if lo > hi {
                return Err(doc.at(el, format!("lowerbound {lo} is above upperbound {hi}")));
            }
            Ok(Issue::integer(name, lo, hi))
        }
        _ => {
            let range = el.child("range").unwrap_or(el);
            let (lo, hi) = (doc.num(range, "lowerbound")?, doc.num(range, "upperbound")?);
            if lo > hi {
                return Err(doc.at(range, format!("lowerbound {lo} is above upperbound {hi}")));
            }
            let hint = match el.attr("entente_steps") {
                None => None,
                Some(v) => Some(
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| doc.at(el, format!("`entente_steps` must be a positive integer, not {v:?}")))?,
                ),
            };
            let steps = opts.real_steps.or(hint).unwrap_or(DEFAULT_REAL_STEPS);
            let steps = if lo == hi { 1 } else { steps };
            if steps < 2 && lo != hi {
                return Err(doc.at(
                    el,
                    format!(
                        "real issue {name:?} is negotiated over `real_steps` evenly spaced points from {lo} to {hi}; \
                         {steps} is too few (at least 2)"
                    ),
                ));
            }
            Ok(Issue::real(name, lo, hi, steps))
        }
    }
}

// ---------------------------------------------------------------------------
// Profiles.

/// Reads a GENIUS profile of `domain`.
pub fn read_genius_profile(domain: &GeniusDomain, path: &Path, opts: &ReadOptions) -> Result<Preferences, FormatError> {
    let text = read_text(path)?;
    parse_genius_profile(domain, &text, path, opts)
}

/// Parses a GENIUS profile of `domain`; `path` names the file in errors.
pub fn parse_genius_profile(
    domain: &GeniusDomain,
    text: &str,
    path: &Path,
    opts: &ReadOptions,
) -> Result<Preferences, FormatError> {
    let doc = Doc { file: path, text };
    let root = parse_xml(&doc)?;
    if root.name != "utility_space" {
        let hint =
            if root.name == "negotiation_template" { " (this looks like a GENIUS domain, not a profile)" } else { "" };
        return Err(doc.at(&root, format!("expected <utility_space> as the root of a GENIUS profile{hint}")));
    }
    let reservation = match root.child("reservation") {
        Some(r) => doc.num(r, "value")?,
        None => f64::NEG_INFINITY,
    };
    let discount = match root.child("discount_factor") {
        Some(d) => {
            let v = doc.num(d, "value")?;
            (v > 0.0 && v < 1.0).then_some(v)
        }
        None => None,
    };
    let kind = root.attr("type").map(|t| t.trim().to_ascii_lowercase()).unwrap_or_default();
    match kind.as_str() {
        "" | "linear" | "additive" | "uncertain" => {
            Ok(read_additive(&doc, &root, domain, reservation, discount, opts)?.into())
        }
        "nonlinear" => Ok(read_nonlinear(&doc, &root, domain, reservation, discount)?.into()),
        "constraint" => Err(doc.at(&root, "constraint utility spaces (type=\"constraint\") are not supported")),
        other => Err(doc
            .at(&root, format!("unknown utility space type {other:?}; expected none, \"UNCERTAIN\" or \"nonlinear\""))),
    }
}

fn read_additive(
    doc: &Doc,
    root: &Element,
    domain: &GeniusDomain,
    reservation: f64,
    discount: Option<f64>,
    opts: &ReadOptions,
) -> Result<LinearAdditive, FormatError> {
    let top = root
        .child("objective")
        .ok_or_else(|| doc.at(root, "a GENIUS profile needs a root <objective> holding its issues and weights"))?;
    let n = domain.space.issues().len();
    let mut found: Vec<Option<(f64, ValueFunction)>> = vec![None; n];
    walk_objective(doc, top, domain, opts, &mut found, 0)?;
    let (mut weights, mut functions) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (k, f) in found.into_iter().enumerate() {
        let Some((w, f)) = f else {
            let issue = &domain.space.issues()[k];
            return Err(doc.at(
                top,
                format!("issue {:?} (index {}) has no evaluation in this profile", issue.name, domain.indices[k]),
            ));
        };
        weights.push(w);
        functions.push(f);
    }
    LinearAdditive::new(&domain.space, weights, functions, 0.0, reservation, discount)
        .map_err(|e| doc.at(root, e.to_string()))
}

fn walk_objective(
    doc: &Doc,
    objective: &Element,
    domain: &GeniusDomain,
    opts: &ReadOptions,
    found: &mut [Option<(f64, ValueFunction)>],
    depth: usize,
) -> Result<(), FormatError> {
    if depth > MAX_DEPTH {
        return Err(doc.at(objective, "objectives nest too deep"));
    }
    // Weights of this level, by index.
    let mut weights: HashMap<i64, (f64, &Element)> = HashMap::new();
    for w in objective.children("weight") {
        let index = doc.int(w, "index")?;
        let value = doc.num(w, "value")?;
        if let Some((_, first)) = weights.insert(index, (value, w)) {
            return Err(doc
                .at(w, format!("a second weight for index {index} (first at line {})", line_of(doc.text, first.pos))));
        }
    }
    let mut children: HashSet<i64> = HashSet::new();
    for c in &objective.children {
        match c.name.as_str() {
            "issue" => {
                let index = doc.int(c, "index")?;
                children.insert(index);
                let Some(k) = domain.position(index) else {
                    let known: Vec<String> = domain.indices.iter().map(|i| i.to_string()).collect();
                    return Err(doc.at(
                        c,
                        format!(
                            "issue index {index} is not in the domain (its issue indices are {})",
                            known.join(", ")
                        ),
                    ));
                };
                if found[k].is_some() {
                    return Err(doc.at(c, format!("issue index {index} is evaluated twice")));
                }
                let Some(&(w, _)) = weights.get(&index) else {
                    return Err(doc.at(
                        c,
                        format!("no weight for this issue: expected <weight index=\"{index}\" value=\"…\"/> beside it"),
                    ));
                };
                let f = evaluator(doc, c, &domain.space.issues()[k], opts)?;
                found[k] = Some((w, f));
            }
            "objective" => {
                if let Some(i) = c.attr("index") {
                    let index = i
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| doc.at(c, format!("`index` must be an integer, not {i:?}")))?;
                    children.insert(index);
                }
                walk_objective(doc, c, domain, opts, found, depth + 1)?;
            }
            _ => {}
        }
    }
    for (index, (_, w)) in &weights {
        if !children.contains(index) {
            return Err(doc.at(w, format!("no issue or objective with index {index} beside this weight")));
        }
    }
    Ok(())
}

fn evaluator(doc: &Doc, el: &Element, issue: &Issue, opts: &ReadOptions) -> Result<ValueFunction, FormatError> {
    let ty = issue_type(doc, el)?;
    let expected = match issue.kind {
        IssueKind::Discrete { .. } => "discrete",
        IssueKind::Integer { .. } => "integer",
        IssueKind::Real { .. } => "real",
    };
    if ty != expected {
        return Err(doc.at(el, format!("issue {:?} is {expected} in the domain but {ty} here", issue.name)));
    }
    match &issue.kind {
        IssueKind::Discrete { values } => {
            let mut evals: Vec<Option<f64>> = vec![None; values.len()];
            for item in el.children("item") {
                let v = doc.req(item, "value")?;
                let Some(j) = values.iter().position(|x| x == v) else {
                    return Err(doc.at(item, format!("{v:?} is not a value of issue {:?} in the domain", issue.name)));
                };
                // A value evaluated twice: GENIUS keeps the last evaluation (a
                // map's put); other_AMPOvsCity relies on it.
                let Some(e) = item.attr("evaluation") else {
                    return Err(doc.at(item, "the attribute `evaluation` is missing"));
                };
                let e = parse_number(e)
                    .ok_or_else(|| doc.at(item, format!("`evaluation` must be a finite number, not {e:?}")))?;
                evals[j] = Some(e);
            }
            let mut table = Vec::with_capacity(values.len());
            for (j, e) in evals.iter().enumerate() {
                match e {
                    Some(e) => table.push(*e),
                    None => {
                        return Err(doc.at(
                            el,
                            format!("value {:?} has no evaluation (no <item value=… evaluation=…/>)", values[j]),
                        ));
                    }
                }
            }
            if !opts.raw_discrete {
                // GENIUS: evaluation / max over the issue's evaluations; 0 when max < 1e-5.
                let max = table.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                for e in &mut table {
                    *e = if max < 0.00001 { 0.0 } else { *e / max };
                }
            }
            Ok(ValueFunction::Table(table))
        }
        IssueKind::Integer { min, .. } => {
            // GENIUS computes with the profile's own lower bound.
            let origin = match el.attr("lowerbound") {
                Some(_) => doc.int(el, "lowerbound")?,
                None => *min,
            } as f64;
            match el.child("evaluator") {
                // GENIUS's default: slope 0, offset 0.
                None => Ok(ValueFunction::ClampedLinear { slope: 0.0, origin, offset: 0.0 }),
                Some(ev) => {
                    let slope = doc.num(ev, "slope")?;
                    let offset = doc.num(ev, "offset")?;
                    Ok(ValueFunction::ClampedLinear { slope, origin, offset })
                }
            }
        }
        IssueKind::Real { .. } => {
            let ev = el
                .child("evaluator")
                .ok_or_else(|| doc.at(el, "a real issue needs an <evaluator ftype=\"linear|constant|triangular\">"))?;
            let ftype = doc.req(ev, "ftype")?.trim().to_ascii_lowercase();
            match ftype.as_str() {
                "linear" => Ok(ValueFunction::ClampedLinear {
                    slope: doc.num(ev, "parameter1")?,
                    origin: 0.0,
                    offset: doc.num(ev, "parameter0")?,
                }),
                "constant" => Ok(ValueFunction::Constant { value: doc.num(ev, "parameter0")? }),
                "triangular" => Ok(ValueFunction::GeniusTriangular {
                    low: doc.num(ev, "parameter0")?,
                    high: doc.num(ev, "parameter1")?,
                    top: doc.num(ev, "parameter2")?,
                }),
                other => Err(doc.at(
                    ev,
                    format!(
                        "unsupported ftype {other:?}; GENIUS evaluates real issues as linear, constant or triangular"
                    ),
                )),
            }
        }
    }
}

fn read_nonlinear(
    doc: &Doc,
    root: &Element,
    domain: &GeniusDomain,
    reservation: f64,
    discount: Option<f64>,
) -> Result<HyperRectangles, FormatError> {
    // GENIUS looks in the first child (the objective); files also put it at the top.
    let utility = root
        .child("utility")
        .or_else(|| root.child("objective").and_then(|o| o.child("utility")))
        .ok_or_else(|| doc.at(root, "a nonlinear profile needs a <utility maxutility=\"…\"> element"))?;
    let max_utility = doc.num(utility, "maxutility")?;
    if max_utility <= 0.0 {
        return Err(doc.at(utility, format!("`maxutility` must be positive, not {max_utility}")));
    }
    let ufun = utility.child("ufun").ok_or_else(|| doc.at(utility, "expected a <ufun> inside <utility>"))?;
    let f = ufun_of(doc, ufun, domain, 0)?;
    HyperRectangles::new(&domain.space, max_utility, f, reservation, discount).map_err(|e| doc.at(utility, e))
}

fn ufun_of(doc: &Doc, el: &Element, domain: &GeniusDomain, depth: usize) -> Result<RectangleFunction, FormatError> {
    if depth > MAX_DEPTH {
        return Err(doc.at(el, "ufuns nest too deep"));
    }
    let aggregation = match el.attr("aggregation") {
        None => Aggregation::Sum,
        Some(a) => Aggregation::from_name(a)
            .ok_or_else(|| doc.at(el, format!("unknown aggregation {a:?}; expected sum, min or max")))?,
    };
    let weight = doc.opt_num(el, "weight")?.unwrap_or(1.0);
    let mut rectangles = Vec::new();
    for r in el.children("hyperRectangle") {
        let includes: Vec<&Element> = r.children("INCLUDES").collect();
        let excludes: Vec<&Element> = r.children("EXCLUDES").collect();
        let (kind, bounds) = match (includes.is_empty(), excludes.is_empty()) {
            (_, true) => (RectangleKind::Inclusive, includes),
            (true, false) => (RectangleKind::Exclusive, excludes),
            (false, false) => {
                return Err(doc.at(
                    r,
                    "both INCLUDES and EXCLUDES in one hyperRectangle (GENIUS would silently drop the INCLUDES)",
                ));
            }
        };
        let mut bs = Vec::with_capacity(bounds.len());
        for b in bounds {
            let index = doc.int(b, "index")?;
            let issue =
                domain.position(index).ok_or_else(|| doc.at(b, format!("issue index {index} is not in the domain")))?;
            if !matches!(domain.space.issues()[issue].kind, IssueKind::Integer { .. }) {
                return Err(doc.at(b, format!("issue index {index} is not an integer issue")));
            }
            let (min, max) = (doc.int(b, "min")?, doc.int(b, "max")?);
            bs.push(Bound { issue, min, max });
        }
        let utility = doc.num(r, "utility")?;
        let weight = doc.opt_num(r, "weight")?.unwrap_or(1.0);
        rectangles.push(Rectangle { kind, bounds: bs, utility, weight });
    }
    let functions = el.children("ufun").map(|u| ufun_of(doc, u, domain, depth + 1)).collect::<Result<Vec<_>, _>>()?;
    Ok(RectangleFunction { aggregation, weight, rectangles, functions })
}

// ---------------------------------------------------------------------------
// Scenarios.

/// Reads a GENIUS domain and the given profiles (at least 2) as a scenario.
/// Party names are the profile file stems; no party has a negotiator yet.
pub fn read_genius(domain: &Path, profiles: &[PathBuf], opts: &ReadOptions) -> Result<Scenario, FormatError> {
    let d = read_genius_domain(domain, opts)?;
    if profiles.len() < 2 {
        return Err(FormatError::TooFewProfiles { file: domain.to_path_buf(), given: profiles.len() });
    }
    let mut parties: Vec<Party> = Vec::with_capacity(profiles.len());
    for p in profiles {
        let name = party_name(p);
        if parties.iter().any(|q| q.name == name) {
            return Err(FormatError::DuplicateProfile { file: p.clone(), name });
        }
        let utility = read_genius_profile(&d, p, opts)?;
        parties.push(Party { name, utility, strategy: None, delegation: None });
    }
    Ok(Scenario {
        name: party_name(domain),
        description: None,
        space: d.space,
        parties,
        config: SaoConfig { n_steps: DEFAULT_N_STEPS, time_limit: None },
        seed: 0,
    })
}

pub(crate) fn party_name(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The XML files of a folder, by kind.
pub(crate) struct GeniusFolder {
    pub domains: Vec<PathBuf>,
    /// Profiles in file-name order, with whether they are preference-uncertainty profiles.
    pub profiles: Vec<(PathBuf, bool)>,
}

/// Sorts a folder's `.xml` files into domains and profiles by their root
/// element; other files (and unreadable XML) are left out.
pub(crate) fn scan_genius_folder(dir: &Path) -> Result<GeniusFolder, FormatError> {
    let mut files = list_files(dir, "xml")?;
    files.sort();
    let (mut domains, mut profiles) = (Vec::new(), Vec::new());
    for f in files {
        let text = read_text(&f)?;
        match root_name(&text).as_deref() {
            Some("negotiation_template") => domains.push(f),
            Some("utility_space") => {
                let uncertain =
                    head_attr(&text, "utility_space", "type").is_some_and(|t| t.eq_ignore_ascii_case("uncertain"));
                profiles.push((f, uncertain));
            }
            _ => {}
        }
    }
    Ok(GeniusFolder { domains, profiles })
}

/// An attribute of the first element named `name`, read without parsing the
/// whole file.
fn head_attr(text: &str, name: &str, key: &str) -> Option<String> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == name => {
                return e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == key)
                    .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()));
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Files of `dir` whose extension is `ext` (any case).
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub(crate) fn list_files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, FormatError> {
    let entries = std::fs::read_dir(dir).map_err(|e| FormatError::io(dir, e))?;
    let mut out = Vec::new();
    for e in entries {
        let path = e.map_err(|e| FormatError::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|x| x.eq_ignore_ascii_case(ext)) {
            out.push(path);
        }
    }
    Ok(out)
}

/// Chooses profiles by name (file stem or file name), or the default: the
/// first two in file-name order, preferring profiles that are not
/// preference-uncertainty profiles (`type="UNCERTAIN"`).
pub(crate) fn choose_profiles(
    dir: &Path,
    available: &[(PathBuf, bool)],
    wanted: Option<&[String]>,
    format: Format,
) -> Result<Vec<PathBuf>, FormatError> {
    let names = || available.iter().map(|(p, _)| party_name(p)).collect::<Vec<_>>();
    match wanted {
        Some(w) => {
            if w.len() < 2 {
                return Err(FormatError::TooFewChosen { file: dir.to_path_buf(), format, available: names() });
            }
            let mut out = Vec::with_capacity(w.len());
            for name in w {
                let hit = available.iter().find(|(p, _)| {
                    party_name(p) == *name || p.file_name().is_some_and(|f| f.to_string_lossy() == name.as_str())
                });
                match hit {
                    Some((p, _)) if out.contains(p) => {
                        return Err(FormatError::ProfileChosenTwice { file: dir.to_path_buf(), name: name.clone() });
                    }
                    Some((p, _)) => out.push(p.clone()),
                    None => {
                        return Err(FormatError::UnknownProfile {
                            file: dir.to_path_buf(),
                            format,
                            name: name.clone(),
                            available: names(),
                        });
                    }
                }
            }
            Ok(out)
        }
        None => {
            let mut out: Vec<PathBuf> = available.iter().filter(|(_, u)| !u).map(|(p, _)| p.clone()).take(2).collect();
            for (p, _) in available.iter().filter(|(_, u)| *u) {
                if out.len() >= 2 {
                    break;
                }
                out.push(p.clone());
            }
            if out.len() < 2 {
                return Err(FormatError::NotEnoughProfiles { file: dir.to_path_buf(), format, found: available.len() });
            }
            Ok(out)
        }
    }
}

/// Reads a GENIUS folder: its one domain file (root `<negotiation_template>`)
/// and the chosen profiles (root `<utility_space>`), by file stem. Without a
/// choice, the first two profiles in file-name order, skipping
/// preference-uncertainty profiles when there are two others (the choice of
/// `../shared/domains/REFERENCE_STATS.json`). The scenario is named after the folder.
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub fn read_genius_folder(
    dir: &Path,
    profiles: Option<&[String]>,
    opts: &ReadOptions,
) -> Result<Scenario, FormatError> {
    let folder = scan_genius_folder(dir)?;
    let domain = match folder.domains.as_slice() {
        [d] => d.clone(),
        [] => {
            return Err(FormatError::NoDomain { file: dir.to_path_buf(), format: Format::Genius });
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default())
                .collect();
            return Err(FormatError::SeveralDomains { file: dir.to_path_buf(), format: Format::Genius, files: names });
        }
    };
    let chosen = choose_profiles(dir, &folder.profiles, profiles, Format::Genius)?;
    let mut s = read_genius(&domain, &chosen, opts)?;
    if let Some(name) = dir.canonicalize().ok().as_deref().unwrap_or(dir).file_name() {
        s.name = name.to_string_lossy().into_owned();
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// Writing.

/// Escapes an attribute value (quotes, markup and the white space that
/// attribute normalisation would otherwise turn into spaces).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// A float as Java's `Double.parseDouble` and Rust read it back exactly.
fn fnum(x: f64) -> String {
    format!("{x:?}")
}

/// Checks that a name can be a file stem on any system.
pub(crate) fn check_file_stem(name: &str, file: &Path) -> Result<(), FormatError> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.ends_with(['.', ' '])
        || name.chars().any(|c| c.is_control() || "/\\<>:\"|?*".contains(c));
    if bad {
        return Err(FormatError::Field {
            file: file.to_path_buf(),
            field: format!("party {name:?}"),
            message:
                "this name cannot be a file name, and each profile file is named after its party: rename the party"
                    .into(),
        });
    }
    Ok(())
}

/// Plans the files of a folder: one per party plus the domain file, checks
/// the names, and refuses a folder that already holds other files of the
/// format (they would be read back with ours).
#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub(crate) fn plan_files(s: &Scenario, dir: &Path, ext: &str) -> Result<(PathBuf, Vec<PathBuf>), FormatError> {
    let mut lower = HashSet::new();
    let mut parties = Vec::with_capacity(s.parties.len());
    for p in &s.parties {
        let path = dir.join(format!("{}.{ext}", p.name));
        if p.delegation.is_some() {
            return Err(FormatError::Field {
                file: path,
                field: format!("party {:?}", p.name),
                message: "a divided delegation (blocs, rule) has no form in this format".into(),
            });
        }
        check_file_stem(&p.name, &path)?;
        if !lower.insert(p.name.to_lowercase()) {
            return Err(FormatError::Field {
                file: path,
                field: format!("party {:?}", p.name),
                message: "two parties' names differ only in case; their files would collide".into(),
            });
        }
        parties.push(path);
    }
    let mut stem = "domain".to_string();
    let mut k = 0;
    while lower.contains(&stem) {
        k += 1;
        stem = format!("domain_{k}");
    }
    let domain = dir.join(format!("{stem}.{ext}"));
    if dir.exists() {
        if !dir.is_dir() {
            return Err(FormatError::NotAFolder { file: dir.to_path_buf() });
        }
        let ours: HashSet<&PathBuf> = parties.iter().chain(std::iter::once(&domain)).collect();
        for f in list_files(dir, ext)? {
            if !ours.contains(&f) {
                return Err(FormatError::FolderNotEmpty {
                    file: dir.to_path_buf(),
                    found: f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                });
            }
        }
    }
    Ok((domain, parties))
}

#[allow(clippy::disallowed_methods)] // reads or writes files: the job of this crate
pub(crate) fn write_files(dir: &Path, files: &[(PathBuf, String)]) -> Result<(), FormatError> {
    std::fs::create_dir_all(dir).map_err(|e| FormatError::io(dir, e))?;
    for (path, text) in files {
        std::fs::write(path, text).map_err(|e| FormatError::io(path, e))?;
    }
    Ok(())
}

/// The opening of an `<issue>` tag (without its closing `>`).
fn issue_xml(out: &mut String, k: usize, issue: &Issue, indent: &str) {
    let (ty, extra) = match &issue.kind {
        IssueKind::Discrete { .. } => ("discrete", String::new()),
        IssueKind::Integer { min, max } => ("integer", format!(" lowerbound=\"{min}\" upperbound=\"{max}\"")),
        IssueKind::Real { steps, .. } => ("real", format!(" entente_steps=\"{steps}\"")),
    };
    let _ = write!(
        out,
        "{indent}<issue index=\"{}\" name=\"{}\" type=\"{ty}\" etype=\"{ty}\" vtype=\"{ty}\"{extra}",
        k + 1,
        esc(&issue.name)
    );
}

/// One whole `<issue>` element of a domain, with its items or range, each
/// line led by `indent`.
fn issue_element_xml(out: &mut String, k: usize, issue: &Issue, indent: &str) {
    issue_xml(out, k, issue, indent);
    match &issue.kind {
        IssueKind::Discrete { values } => {
            out.push_str(">\n");
            for (j, v) in values.iter().enumerate() {
                let _ = writeln!(out, "{indent}  <item index=\"{}\" value=\"{}\"/>", j + 1, esc(v));
            }
            let _ = writeln!(out, "{indent}</issue>");
        }
        IssueKind::Integer { .. } => out.push_str("/>\n"),
        IssueKind::Real { min, max, .. } => {
            let _ = writeln!(
                out,
                ">\n{indent}  <range lowerbound=\"{}\" upperbound=\"{}\"/>\n{indent}</issue>",
                fnum(*min),
                fnum(*max)
            );
        }
    }
}

fn domain_xml(s: &Scenario) -> String {
    let mut out = String::from("<negotiation_template>\n");
    let _ = writeln!(out, "  <utility_space number_of_issues=\"{}\">", s.space.issues().len());
    let _ =
        writeln!(out, "    <objective index=\"0\" name=\"{}\" type=\"objective\" etype=\"objective\">", esc(&s.name));
    for (k, issue) in s.space.issues().iter().enumerate() {
        issue_element_xml(&mut out, k, issue, "      ");
    }
    out.push_str("    </objective>\n  </utility_space>\n</negotiation_template>\n");
    out
}

/// What GENIUS reads back from discrete evaluations `t`.
fn genius_normalised(t: &[f64]) -> Vec<f64> {
    let max = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    t.iter().map(|e| if max < 0.00001 { 0.0 } else { e / max }).collect()
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Why GENIUS cannot express a value function (the writer names the party
/// and issue in the field path of the [`FormatError::Field`] it becomes).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
enum EvaluatorError {
    #[error("a discrete issue needs a table of value utilities")]
    DiscreteNeedsTable,
    #[error(
        "GENIUS divides discrete evaluations by their maximum, so these value utilities (maximum {max}) \
         would not read back the same; scale them so that the largest is 1 (or all are 0)"
    )]
    NotNormalised { max: f64 },
    #[error(
        "GENIUS evaluates an integer issue as clamp01(slope·(x − {min}) + offset) only; \
         this value function is not of that form"
    )]
    IntegerForm { min: i64 },
    #[error("GENIUS's integer evaluator (clamped to [0, 1]) would not give the same utilities")]
    IntegerClamped,
    #[error(
        "GENIUS evaluates a real issue as clamp01(parameter1·x + parameter0), a constant or its triangle only; \
         this value function is none of them"
    )]
    RealForm,
    #[error("GENIUS utilities have no constant term; this one has bias {bias}")]
    Bias { bias: f64 },
    #[error("these preferences have no GENIUS form")]
    NoGeniusForm,
}

/// The `<evaluator>` (or items) of issue `k`, or why GENIUS cannot express it.
fn evaluator_xml(
    issue: &Issue,
    f: &ValueFunction,
    u: &LinearAdditive,
    space: &OutcomeSpace,
    k: usize,
) -> Result<String, EvaluatorError> {
    let n = issue.cardinality();
    let values: Option<Vec<f64>> =
        (n <= 1 << 20).then(|| (0..n as u32).map(|j| u.value_utility(space, k, j)).collect());
    match (&issue.kind, f) {
        (IssueKind::Discrete { values: labels }, _) => {
            let t = match f {
                ValueFunction::Table(t) => t.clone(),
                ValueFunction::Constant { value } => vec![*value; labels.len()],
                _ => return Err(EvaluatorError::DiscreteNeedsTable),
            };
            if !same_bits(&genius_normalised(&t), &t) {
                let max = t.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                return Err(EvaluatorError::NotNormalised { max });
            }
            let mut out = String::new();
            for (j, (v, e)) in labels.iter().zip(&t).enumerate() {
                let _ =
                    writeln!(out, "      <item index=\"{}\" value=\"{}\" evaluation=\"{}\"/>", j + 1, esc(v), fnum(*e));
            }
            Ok(out)
        }
        (IssueKind::Integer { min, .. }, _) => {
            let (slope, offset) = match *f {
                ValueFunction::ClampedLinear { slope, origin, offset } if origin == *min as f64 => (slope, offset),
                ValueFunction::Constant { value } => (0.0, value),
                _ => return Err(EvaluatorError::IntegerForm { min: *min }),
            };
            let candidate = ValueFunction::ClampedLinear { slope, origin: *min as f64, offset };
            if let Some(vals) = &values {
                let genius: Vec<f64> =
                    (0..n as u32).map(|j| candidate.eval_numeric(issue.numeric(j).unwrap_or(0.0))).collect();
                if !same_bits(&genius, vals) {
                    return Err(EvaluatorError::IntegerClamped);
                }
            }
            Ok(format!("      <evaluator ftype=\"linear\" slope=\"{}\" offset=\"{}\"/>\n", fnum(slope), fnum(offset)))
        }
        (IssueKind::Real { .. }, ValueFunction::ClampedLinear { slope, origin, offset }) if *origin == 0.0 => {
            Ok(format!(
                "      <evaluator ftype=\"linear\" parameter0=\"{}\" parameter1=\"{}\"/>\n",
                fnum(*offset),
                fnum(*slope)
            ))
        }
        (IssueKind::Real { .. }, ValueFunction::Constant { value }) => {
            Ok(format!("      <evaluator ftype=\"constant\" parameter0=\"{}\"/>\n", fnum(*value)))
        }
        (IssueKind::Real { .. }, ValueFunction::GeniusTriangular { low, high, top }) => Ok(format!(
            "      <evaluator ftype=\"triangular\" parameter0=\"{}\" parameter1=\"{}\" parameter2=\"{}\"/>\n",
            fnum(*low),
            fnum(*high),
            fnum(*top)
        )),
        (IssueKind::Real { .. }, _) => Err(EvaluatorError::RealForm),
    }
}

fn tail_xml(out: &mut String, p: &Preferences) {
    let r = p.reservation();
    if r.is_finite() {
        let _ = writeln!(out, "  <reservation value=\"{}\"/>", fnum(r));
    }
    if let Some(d) = p.discount() {
        let _ = writeln!(out, "  <discount_factor value=\"{}\"/>", fnum(d));
    }
    out.push_str("</utility_space>\n");
}

fn additive_xml(s: &Scenario, u: &LinearAdditive, p: &Preferences) -> Result<String, (Option<usize>, EvaluatorError)> {
    if u.bias() != 0.0 {
        return Err((None, EvaluatorError::Bias { bias: u.bias() }));
    }
    let mut out = String::from("<utility_space>\n");
    let _ = writeln!(out, "  <objective index=\"0\" name=\"{}\" type=\"objective\" etype=\"objective\">", esc(&s.name));
    for (k, issue) in s.space.issues().iter().enumerate() {
        let body = evaluator_xml(issue, &u.functions()[k], u, &s.space, k).map_err(|e| (Some(k), e))?;
        issue_xml(&mut out, k, issue, "    ");
        out.push_str(">\n");
        if let IssueKind::Real { min, max, .. } = issue.kind {
            let _ = writeln!(out, "      <range lowerbound=\"{}\" upperbound=\"{}\"/>", fnum(min), fnum(max));
        }
        out.push_str(&body);
        out.push_str("    </issue>\n");
    }
    for (k, w) in u.weights().iter().enumerate() {
        let _ = writeln!(out, "    <weight index=\"{}\" value=\"{}\"/>", k + 1, fnum(*w));
    }
    out.push_str("  </objective>\n");
    tail_xml(&mut out, p);
    Ok(out)
}

fn rectangles_xml(s: &Scenario, h: &HyperRectangles, p: &Preferences) -> String {
    fn ufun(out: &mut String, f: &RectangleFunction, indent: usize) {
        let pad = " ".repeat(indent);
        let _ = writeln!(
            out,
            "{pad}<ufun type=\"PlainUfun\" weight=\"{}\" aggregation=\"{}\">",
            fnum(f.weight),
            f.aggregation.name()
        );
        for r in &f.rectangles {
            let weight = if r.weight.to_bits() == 1.0f64.to_bits() {
                String::new()
            } else {
                format!(" weight=\"{}\"", fnum(r.weight))
            };
            let _ = writeln!(out, "{pad}  <hyperRectangle utility=\"{}\"{weight}>", fnum(r.utility));
            let tag = if r.kind == RectangleKind::Inclusive { "INCLUDES" } else { "EXCLUDES" };
            for b in &r.bounds {
                let _ =
                    writeln!(out, "{pad}    <{tag} index=\"{}\" min=\"{}\" max=\"{}\"/>", b.issue + 1, b.min, b.max);
            }
            let _ = writeln!(out, "{pad}  </hyperRectangle>");
        }
        for g in &f.functions {
            ufun(out, g, indent + 2);
        }
        let _ = writeln!(out, "{pad}</ufun>");
    }
    let mut out = String::from("<utility_space type=\"nonlinear\">\n");
    let _ = writeln!(out, "  <objective index=\"0\" name=\"{}\" type=\"objective\" etype=\"objective\">", esc(&s.name));
    for (k, issue) in s.space.issues().iter().enumerate() {
        issue_element_xml(&mut out, k, issue, "    ");
    }
    let _ = writeln!(out, "    <utility maxutility=\"{}\">", fnum(h.max_utility()));
    ufun(&mut out, h.root(), 6);
    out.push_str("    </utility>\n  </objective>\n");
    tail_xml(&mut out, p);
    out
}

/// The text of a party's GENIUS profile, or why GENIUS cannot express it.
fn profile_xml(s: &Scenario, party: &Party, file: &Path) -> Result<String, FormatError> {
    let refuse = |issue: Option<usize>, error: EvaluatorError| FormatError::Field {
        file: file.to_path_buf(),
        field: match issue {
            Some(k) => format!("party {:?}, issue {:?}", party.name, s.space.issues()[k].name),
            None => format!("party {:?}", party.name),
        },
        message: error.to_string(),
    };
    match &party.utility {
        Preferences::Additive(u) => additive_xml(s, u, &party.utility).map_err(|(k, m)| refuse(k, m)),
        Preferences::Rectangles(h) => Ok(rectangles_xml(s, h, &party.utility)),
        Preferences::Other(_) => Err(refuse(None, EvaluatorError::NoGeniusForm)),
    }
}

/// Writes a scenario as a GENIUS folder: `domain.xml` and one profile per
/// party, `<party name>.xml`. Refuses (naming the party and issue, writing
/// nothing) what GENIUS cannot express exactly: a bias, discrete value
/// utilities whose maximum is not 1, integer value functions other than
/// `clamp01(slope·(x − min) + offset)`, real ones other than GENIUS's three.
/// Real issues keep their point count in an `entente_steps` attribute.
/// Returns the files written, the domain first.
pub fn write_genius(s: &Scenario, dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let (domain, parties) = plan_files(s, dir, "xml")?;
    let mut files = vec![(domain, domain_xml(s))];
    for (party, path) in s.parties.iter().zip(parties) {
        let text = profile_xml(s, party, &path)?;
        files.push((path, text));
    }
    write_files(dir, &files)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(text: &str) -> Result<GeniusDomain, FormatError> {
        parse_genius_domain(text, Path::new("d.xml"), &ReadOptions::default())
    }

    #[test]
    fn positions_are_lines_and_columns() {
        let err = domain("<negotiation_template>\n  <utility_space>\n    <objective index=\"0\">\n      <issue index=\"x\" name=\"a\"/>")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("d.xml:"), "{err}");
        let err = domain("<negotiation_template>\n<utility_space>\n<objective index=\"0\">\n   <issue index=\"x\" name=\"a\"/>\n</objective></utility_space></negotiation_template>")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("d.xml:4:4: <issue index=\"x\" name=\"a\">: `index` must be an integer"), "{err}");
    }

    #[test]
    fn attribute_values_survive_escaping() {
        let name = "a \"b\" & <c>\n\td";
        let text = format!(
            "<negotiation_template><utility_space><objective index=\"0\"><issue index=\"1\" name=\"{}\" type=\"integer\" lowerbound=\"0\" upperbound=\"1\"/></objective></utility_space></negotiation_template>",
            esc(name)
        );
        assert_eq!(domain(&text).unwrap().space.issues()[0].name, name);
    }
}

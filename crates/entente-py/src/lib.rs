//! Python bindings of entente: the native module `entente._entente`.
//!
//! The pure-Python package `entente` (in `python/entente`) wraps this module;
//! `python/entente/_entente.pyi` types it. Every function takes plain Python
//! values and returns plain Python values (dicts, lists, numbers, strings)
//! made from the same serde documents the command-line tool prints as JSON,
//! so the Python API and `entente ... --json` agree field for field.
//!
//! Long calls (analysis, talks, tournaments, runs without Python negotiators)
//! release the GIL. Every error becomes an `entente.EntenteError` whose
//! message is the chain of causes, as the CLI prints it; no input panics.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use entente_core::analysis::{AnalysisOptions, Limits, Method, Requested, agreement_measures, analyze_preferences};
use entente_core::{TieOrder, UtilityTable};
use entente_formats::{ReadOptions, folder_profiles, load_scenario, parse_scenario};
use entente_model::Scenario;
use entente_model::strategy::{StrategyOptions, StrategySpec};
use entente_protocols::NoClock;
use entente_protocols::negotiators::{Negotiator, Prepared, Response, TurnInfo};
use entente_protocols::scenario::{RunReport, party_seed};
use entente_protocols::{BuildNegotiator, RunScenario};
use entente_report::analysis::AnalysisDoc;
use entente_report::run::{Dynamics, RunDoc};
use entente_talks::log::Role;
use entente_tournament::{Entry, ScenarioEntry, Shard, Tournament, TournamentSpec};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

create_exception!(_entente, EntenteError, PyException, "An error of entente, with the CLI's message.");

/// The embedded reference case of `entente talks`.
const DEFAULT_TALKS: &str = include_str!("../../../scenarios/istanbul-2025.toml");
const DEFAULT_TALKS_NAME: &str = "scenarios/istanbul-2025.toml (embedded)";

/// The message of an error and its causes, `outer: inner: ...`, as the CLI prints them.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let m = s.to_string();
        if !msg.contains(&m) {
            msg.push_str(": ");
            msg.push_str(&m);
        }
        source = s.source();
    }
    msg
}

fn err(e: impl std::error::Error + 'static) -> PyErr {
    EntenteError::new_err(chain(&e))
}

fn fail(msg: impl Into<String>) -> PyErr {
    EntenteError::new_err(msg.into())
}

// ---------------------------------------------------------------------------
// serde_json <-> Python

fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_u64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(x) = n.as_f64() {
                PyFloat::new(py, x).into_any()
            } else {
                // u128 (outcome counts beyond u64) are written as strings by serde_json's
                // arbitrary precision; fall back to Python's int parser.
                py.import("builtins")?.getattr("int")?.call1((n.to_string(),))?
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let dict = PyDict::new(py);
            for (k, x) in o {
                dict.set_item(k, to_py(py, x)?)?;
            }
            dict.into_any()
        }
    })
}

fn doc_to_py<'py>(py: Python<'py>, doc: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(doc).map_err(err)?;
    to_py(py, &v)
}

fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(obj.extract::<u64>()?));
    }
    if let Ok(x) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(x.value())
            .map(Value::Number)
            .ok_or_else(|| fail(format!("{} is not a finite number", x.value())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.extract::<String>()?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = serde_json::Map::new();
        for (k, v) in d.iter() {
            m.insert(k.str()?.extract::<String>()?, from_py(&v)?);
        }
        return Ok(Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj.try_iter()?.map(|x| from_py(&x?)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    Err(fail(format!("cannot use a value of type {} here", obj.get_type().name()?)))
}

// ---------------------------------------------------------------------------
// Scenarios

/// A negotiation scenario (issues, parties, their preferences and strategies, settings).
#[pyclass(module = "entente._entente", name = "Scenario", frozen)]
#[derive(Clone)]
pub struct PyScenario {
    inner: Scenario,
}

#[pymethods]
impl PyScenario {
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    #[getter]
    fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }

    /// The parties' names, in order.
    #[getter]
    fn parties(&self) -> Vec<String> {
        self.inner.parties.iter().map(|p| p.name.clone()).collect()
    }

    /// `(issue name, [values])` for every issue, in order.
    #[getter]
    fn issues<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (k, issue) in self.inner.space.issues().iter().enumerate() {
            let n = self.inner.space.radices()[k];
            let values = PyList::empty(py);
            for v in 0..n {
                let value = issue.value(v).ok_or_else(|| fail("an issue value out of range"))?;
                values.append(doc_to_py(py, &value)?)?;
            }
            out.append((issue.name.clone(), values))?;
        }
        Ok(out)
    }

    /// Number of outcomes of the space.
    #[getter]
    fn n_outcomes(&self) -> u128 {
        self.inner.space.cardinality()
    }

    #[getter]
    fn n_steps(&self) -> u32 {
        self.inner.config.n_steps
    }

    #[getter]
    fn time_limit(&self) -> Option<f64> {
        self.inner.config.time_limit
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// The strategy each party declares (None where it declares none).
    #[getter]
    fn strategies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for p in &self.inner.parties {
            out.append(match &p.strategy {
                Some(s) => doc_to_py(py, s)?,
                None => py.None().into_bound(py),
            })?;
        }
        Ok(out)
    }

    /// The outcome of index `index` as `{issue: value}`.
    fn outcome<'py>(&self, py: Python<'py>, index: u128) -> PyResult<Bound<'py, PyDict>> {
        let labels = self.inner.space.labels(index).map_err(err)?;
        let d = PyDict::new(py);
        for (issue, v) in self.inner.space.issues().iter().zip(labels) {
            d.set_item(&issue.name, doc_to_py(py, &v)?)?;
        }
        Ok(d)
    }

    /// The index of an outcome given as `{issue: value}` or as a list of values in issue order.
    fn index_of(&self, outcome: &Bound<'_, PyAny>) -> PyResult<u128> {
        let issues = self.inner.space.issues();
        let values: Vec<Value> = if let Ok(d) = outcome.cast::<PyDict>() {
            let mut vs = Vec::with_capacity(issues.len());
            for issue in issues {
                let v = d.get_item(&issue.name)?.ok_or_else(|| fail(format!("no value for issue {:?}", issue.name)))?;
                vs.push(from_py(&v)?);
            }
            vs
        } else {
            match from_py(outcome)? {
                Value::Array(a) => a,
                _ => return Err(fail("an outcome is a dict {issue: value} or a list of values in issue order")),
            }
        };
        if values.len() != issues.len() {
            return Err(fail(format!("an outcome has {} values, one per issue; got {}", issues.len(), values.len())));
        }
        let mut labels = Vec::with_capacity(values.len());
        for (issue, v) in issues.iter().zip(values) {
            let value: entente_core::Value = match v {
                Value::Number(n) if n.is_i64() => entente_core::Value::Int(n.as_i64().unwrap_or_default()),
                Value::Number(n) => entente_core::Value::Real(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => entente_core::Value::Text(s),
                other => return Err(fail(format!("issue {:?}: {other} is not a value", issue.name))),
            };
            labels.push(value);
        }
        self.inner.space.index_of_labels(&labels).map_err(err)
    }

    /// Every party's utility of every outcome, party by party (a list of lists;
    /// `entente.Scenario.utilities` makes it a NumPy array of shape
    /// `(n_outcomes, n_parties)` when NumPy is installed).
    fn utility_table(&self, py: Python<'_>) -> PyResult<Vec<Vec<f64>>> {
        let s = &self.inner;
        py.detach(|| {
            s.parties
                .iter()
                .map(|p| UtilityTable::new(&s.space, &p.utility).map(|t| t.utilities().to_vec()))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(err)
    }

    /// Each party's reservation value (None where it has none).
    fn reservations(&self, py: Python<'_>) -> PyResult<Vec<Option<f64>>> {
        let s = &self.inner;
        py.detach(|| {
            s.parties
                .iter()
                .map(|p| {
                    UtilityTable::new(&s.space, &p.utility).map(|t| Some(t.reservation()).filter(|r| r.is_finite()))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(err)
    }

    /// The scenario with `n_steps`, `seed` or parties' strategies changed
    /// (`strategies`: `{party name or index: strategy}`, a strategy being a
    /// name or a dict with `name` and parameters).
    #[pyo3(signature = (*, n_steps=None, seed=None, strategies=None))]
    fn with_(
        &self,
        n_steps: Option<u32>,
        seed: Option<u64>,
        strategies: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyScenario> {
        let mut s = self.inner.clone();
        if let Some(n) = n_steps {
            if n == 0 {
                return Err(fail("n_steps must be at least 1"));
            }
            s.config.n_steps = n;
        }
        if let Some(seed) = seed {
            s.seed = seed;
        }
        if let Some(d) = strategies {
            for (party, strategy) in d.iter() {
                let k = party_index(&s, &party)?;
                s.parties[k].strategy = Some(strategy_spec(&strategy)?);
            }
        }
        Ok(PyScenario { inner: s })
    }

    /// The scenario as entente TOML (what `entente convert --to toml` writes).
    fn to_toml(&self) -> PyResult<String> {
        entente_formats::write_scenario(&self.inner).map_err(err)
    }

    /// Pickling (for multiprocessing, Ray): the scenario travels as its TOML text.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String, String))> {
        let py = slf.py();
        let this = slf.get();
        let parse = py.import("entente._entente")?.getattr("parse")?;
        Ok((parse, (this.to_toml()?, format!("{} (pickled)", this.inner.name))))
    }

    fn __repr__(&self) -> String {
        format!(
            "<entente.Scenario {:?}: {} parties ({}), {} issues, {} outcomes, {} steps>",
            self.inner.name,
            self.inner.parties.len(),
            self.parties().join(", "),
            self.inner.space.issues().len(),
            self.inner.space.cardinality(),
            self.inner.config.n_steps
        )
    }
}

fn party_index(s: &Scenario, party: &Bound<'_, PyAny>) -> PyResult<usize> {
    let names: Vec<&str> = s.parties.iter().map(|p| p.name.as_str()).collect();
    let found = if let Ok(name) = party.extract::<String>() {
        names.iter().position(|n| *n == name).or_else(|| name.trim().parse::<usize>().ok().filter(|&k| k < names.len()))
    } else if let Ok(k) = party.extract::<i64>() {
        usize::try_from(k).ok().filter(|&k| k < names.len())
    } else {
        None
    };
    found.ok_or_else(|| {
        fail(format!(
            "no party {}; the parties are {} (or their indices from 0)",
            party.repr().map_or_else(|_| "?".into(), |r| r.to_string()),
            names.join(", ")
        ))
    })
}

/// A strategy from a name (`"boulware"`) or a dict (`{"name": "time-based", "exponent": 3}`).
fn strategy_spec(obj: &Bound<'_, PyAny>) -> PyResult<StrategySpec> {
    let (name, options) = if let Ok(name) = obj.extract::<String>() {
        (name, StrategyOptions::default())
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut v = from_py(d.as_any())?;
        let name = match v.as_object_mut().and_then(|m| m.remove("name")) {
            Some(Value::String(n)) => n,
            _ => return Err(fail("a strategy given as a dict needs a \"name\" (e.g. {\"name\": \"boulware\"})")),
        };
        let options: StrategyOptions =
            serde_json::from_value(v).map_err(|e| fail(format!("strategy {name:?}: {e}")))?;
        (name, options)
    } else {
        return Err(fail("a strategy is a name (e.g. \"boulware\") or a dict with a \"name\" and parameters"));
    };
    StrategySpec::from_name(&name, &options).map_err(|e| fail(format!("strategy {name:?}: {e}")))
}

/// `"stable"` (entente's order among outcomes of equal utility: enumeration
/// order) or `"numpy"` (NegMAS's: numpy's argsort under AVX2, as in the
/// conformance corpus).
fn tie_order(name: &str) -> PyResult<TieOrder> {
    match name {
        "stable" => Ok(TieOrder::Stable),
        "numpy" => Ok(TieOrder::NumpyAvx2),
        other => Err(fail(format!("tie_order {other:?}: expected \"stable\" or \"numpy\""))),
    }
}

/// Every party's prepared utilities with ties ordered by `order`.
fn prepare(s: &Scenario, order: TieOrder) -> Result<Vec<Prepared>, entente_core::ModelError> {
    s.parties.iter().map(|p| Ok(Prepared::with_tie_order(UtilityTable::new(&s.space, &p.utility)?, order))).collect()
}

/// Reads a scenario: an entente `.toml` file, a GENIUS folder or a GeniusWeb folder.
#[pyfunction]
#[pyo3(signature = (path, *, profiles=None, all_profiles=false, real_steps=None, raw_discrete=false))]
fn load(
    py: Python<'_>,
    path: PathBuf,
    profiles: Option<Vec<String>>,
    all_profiles: bool,
    real_steps: Option<u32>,
    raw_discrete: bool,
) -> PyResult<PyScenario> {
    if real_steps.is_some_and(|n| n < 2) {
        return Err(fail(format!(
            "real_steps must be at least 2 (the default is {})",
            entente_formats::DEFAULT_REAL_STEPS
        )));
    }
    if all_profiles && profiles.is_some() {
        return Err(fail("give profiles or all_profiles, not both"));
    }
    py.detach(|| {
        let opts = ReadOptions { real_steps, raw_discrete };
        let profiles = if all_profiles { Some(folder_profiles(&path).map_err(err)?) } else { profiles };
        load_scenario(&path, profiles.as_deref(), &opts).map(|inner| PyScenario { inner }).map_err(err)
    })
}

/// Parses an entente TOML scenario from text (`name` names it in messages).
#[pyfunction]
#[pyo3(signature = (text, name="<string>"))]
fn parse(text: &str, name: &str) -> PyResult<PyScenario> {
    parse_scenario(text, Path::new(name)).map(|inner| PyScenario { inner }).map_err(err)
}

// ---------------------------------------------------------------------------
// One negotiation

/// A Python object at the table: `propose(round, t) -> int | None` and
/// `respond(round, t, offer) -> "accept" | "reject" | "end"`. The first
/// Python error ends the negotiation (the party breaks off) and is raised
/// once the run is over.
struct PyNegotiator {
    obj: Py<PyAny>,
    error: Arc<Mutex<Option<PyErr>>>,
}

impl PyNegotiator {
    fn failed(&self) -> bool {
        self.error.lock().map_or(true, |e| e.is_some())
    }

    fn keep(&self, e: PyErr) {
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    }
}

impl Negotiator for PyNegotiator {
    fn propose(&mut self, turn: &TurnInfo) -> Option<u32> {
        if self.failed() {
            return None;
        }
        let answer = Python::attach(|py| {
            self.obj.bind(py).call_method1("propose", (turn.round, turn.t)).and_then(|r| r.extract::<Option<u32>>())
        });
        answer.unwrap_or_else(|e| {
            self.keep(e);
            None
        })
    }

    fn respond(&mut self, turn: &TurnInfo, offer: u32) -> Response {
        if self.failed() {
            return Response::End;
        }
        let answer = Python::attach(|py| {
            self.obj.bind(py).call_method1("respond", (turn.round, turn.t, offer)).and_then(|r| r.extract::<String>())
        });
        match answer.as_deref() {
            Ok("accept") => Response::Accept,
            Ok("reject") => Response::Reject,
            Ok("end") => Response::End,
            Ok(other) => {
                self.keep(fail(format!("respond() returned {other:?}; expected \"accept\", \"reject\" or \"end\"")));
                Response::End
            }
            Err(_) => {
                if let Err(e) = answer {
                    self.keep(e);
                }
                Response::End
            }
        }
    }
}

/// Runs one negotiation of `scenario` with Python negotiators in some seats
/// (on the calling thread, under the GIL).
fn run_with_python(
    scenario: &Scenario,
    prepared: &[Prepared],
    seed: u64,
    seats: &[(usize, Py<PyAny>)],
) -> PyResult<RunReport> {
    if scenario.parties.iter().any(|p| p.delegation.is_some()) {
        return Err(fail("Python negotiators cannot sit beside divided delegations yet"));
    }
    let error = Arc::new(Mutex::new(None));
    let mut seat = |k: usize| -> Option<Box<dyn Negotiator + Send + '_>> {
        let (_, obj) = seats.iter().find(|(j, _)| *j == k)?;
        let obj = Python::attach(|py| obj.clone_ref(py));
        Some(Box::new(PyNegotiator { obj, error: Arc::clone(&error) }))
    };
    let report = scenario.run_seated(prepared, Some(seed), &mut NoClock, &mut seat);
    // A Python negotiator's own exception is the cause of whatever followed.
    if let Some(e) = error.lock().ok().and_then(|mut e| e.take()) {
        return Err(e);
    }
    report.map_err(err)
}

/// Runs one negotiation of `scenario` and returns its document (the JSON of
/// `entente run --json`, as Python values).
///
/// `strategies`: `{party name or index: strategy}` where a strategy is a
/// built-in's name, a dict with `name` and parameters, or a Python object
/// with `propose(round, t)` and `respond(round, t, offer)` methods.
/// `tie_order`: "stable" (entente's) or "numpy" (NegMAS's order among
/// outcomes of equal utility).
#[pyfunction]
#[pyo3(signature = (scenario, *, strategies=None, seed=None, n_steps=None, tie_order="stable"))]
fn run<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    strategies: Option<&Bound<'py, PyDict>>,
    seed: Option<u64>,
    n_steps: Option<u32>,
    tie_order: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let order = self::tie_order(tie_order)?;
    let mut s = scenario.inner.clone();
    if let Some(n) = n_steps {
        if n == 0 {
            return Err(fail("n_steps must be at least 1"));
        }
        s.config.n_steps = n;
    }
    if s.parties.len() < 2 {
        return Err(fail(format!("a negotiation needs at least 2 parties, not {}", s.parties.len())));
    }
    let mut seats: Vec<(usize, Py<PyAny>)> = Vec::new();
    if let Some(d) = strategies {
        for (party, strategy) in d.iter() {
            let k = party_index(&s, &party)?;
            let native = strategy.is_instance_of::<PyString>() || strategy.is_instance_of::<PyDict>();
            if native {
                s.parties[k].strategy = Some(strategy_spec(&strategy)?);
                seats.retain(|(j, _)| *j != k);
            } else if strategy.hasattr("propose")? && strategy.hasattr("respond")? {
                seats.push((k, strategy.unbind()));
            } else {
                return Err(fail(format!(
                    "strategy of party {:?}: a name, a dict, or an object with propose(round, t) and respond(round, t, offer)",
                    s.parties[k].name
                )));
            }
        }
    }
    if seats.iter().any(|_| s.config.time_limit.is_some()) {
        return Err(fail("Python negotiators need a scenario without a time limit (n_steps only)"));
    }
    let (report, analysis) = if seats.is_empty() {
        py.detach(|| -> Result<_, String> {
            let prepared = prepare(&s, order).map_err(|e| chain(&e))?;
            let report = s.run_prepared(&prepared, seed).map_err(|e| chain(&e))?;
            let tables: Vec<&UtilityTable> = prepared.iter().map(|p| p.table()).collect();
            let analysis = entente_core::analysis::analyze_with(&tables, &AnalysisOptions { list_rational_up_to: 0 })
                .map_err(|e| chain(&e))?;
            Ok((report, analysis))
        })
        .map_err(fail)?
    } else {
        let prepared = py.detach(|| prepare(&s, order)).map_err(err)?;
        let report = run_with_python(&s, &prepared, seed.unwrap_or(s.seed), &seats)?;
        let tables: Vec<&UtilityTable> = prepared.iter().map(|p| p.table()).collect();
        let analysis =
            entente_core::analysis::analyze_with(&tables, &AnalysisOptions { list_rational_up_to: 0 }).map_err(err)?;
        (report, analysis)
    };
    let measures = report.agreement.map(|_| agreement_measures(&report.utilities, &analysis));
    let dynamics = Dynamics::of(&report, &analysis);
    let doc = RunDoc::new(&s, &report, measures.as_ref(), &dynamics);
    doc_to_py(py, &doc)
}

// ---------------------------------------------------------------------------
// A native strategy as a stand-alone negotiator (for hosts such as NegMAS)

/// One call a negotiator answered: `offer` is `None` for `propose`.
#[derive(Clone, Copy)]
struct Call {
    round: u32,
    t: f64,
    offer: Option<u32>,
}

/// One of entente's strategies playing for one party, driven from outside:
/// the host calls `propose(round, t)` and `respond(round, t, offer)` as its
/// protocol requires. `entente.negmas.EntenteNegotiator` seats it in a NegMAS
/// `SAOMechanism`.
///
/// The negotiator borrows its party's prepared utilities, so it is rebuilt
/// at every call and replays the calls before it (strategies are
/// deterministic given their seed): each call costs the calls before it.
#[pyclass(module = "entente._entente", name = "NativeNegotiator")]
pub struct NativeNegotiator {
    spec: StrategySpec,
    prepared: Prepared,
    seed: u64,
    config: entente_model::SaoConfig,
    calls: Vec<Call>,
}

impl NativeNegotiator {
    /// `Ok(offer)` for a proposal, `Err(response)` for an answer to an offer.
    fn answer(&mut self, call: Call) -> PyResult<Result<Option<u32>, Response>> {
        let n = self.prepared.table().len();
        if let Some(o) = call.offer
            && o as usize >= n
        {
            return Err(fail(format!("offer {o} is not an outcome: the space has {n} outcomes")));
        }
        if !(0.0..=1.0).contains(&call.t) {
            return Err(fail(format!("t = {} is not a relative time in [0, 1]", call.t)));
        }
        let mut negotiator = self.spec.build_for(&self.prepared, self.seed, &self.config);
        for c in &self.calls {
            let turn = TurnInfo { round: c.round, t: c.t };
            match c.offer {
                None => {
                    negotiator.propose(&turn);
                }
                Some(o) => {
                    negotiator.respond(&turn, o);
                }
            }
        }
        let turn = TurnInfo { round: call.round, t: call.t };
        let out = match call.offer {
            None => Ok(negotiator.propose(&turn)),
            Some(o) => Err(negotiator.respond(&turn, o)),
        };
        drop(negotiator);
        self.calls.push(call);
        Ok(out)
    }
}

#[pymethods]
impl NativeNegotiator {
    /// The strategy `strategy` (a name or a dict) for party `party` of
    /// `scenario`, seeded with the party's seed of run seed `seed` (as
    /// `entente.run` does), for a negotiation of `n_steps` rounds (default:
    /// the scenario's); `tie_order`: "stable" or "numpy" (NegMAS's order among
    /// outcomes of equal utility).
    #[new]
    #[pyo3(signature = (scenario, party, strategy, *, seed=None, n_steps=None, tie_order="stable"))]
    fn new(
        py: Python<'_>,
        scenario: &PyScenario,
        party: &Bound<'_, PyAny>,
        strategy: &Bound<'_, PyAny>,
        seed: Option<u64>,
        n_steps: Option<u32>,
        tie_order: &str,
    ) -> PyResult<Self> {
        let order = self::tie_order(tie_order)?;
        let s = &scenario.inner;
        let k = party_index(s, party)?;
        let spec = strategy_spec(strategy)?;
        if n_steps == Some(0) {
            return Err(fail("n_steps must be at least 1"));
        }
        let mut config = s.config;
        if let Some(n) = n_steps {
            config.n_steps = n;
        }
        let table = py.detach(|| UtilityTable::new(&s.space, &s.parties[k].utility)).map_err(err)?;
        Ok(NativeNegotiator {
            spec,
            prepared: Prepared::with_tie_order(table, order),
            seed: party_seed(seed.unwrap_or(s.seed), k),
            config,
            calls: Vec::new(),
        })
    }

    /// The outcome index to offer in `round` at relative time `t`, or None to break off.
    fn propose(&mut self, round: u32, t: f64) -> PyResult<Option<u32>> {
        Ok(self.answer(Call { round, t, offer: None })?.unwrap_or(None))
    }

    /// The answer to the standing `offer`: "accept", "reject" or "end".
    fn respond(&mut self, round: u32, t: f64, offer: u32) -> PyResult<&'static str> {
        Ok(match self.answer(Call { round, t, offer: Some(offer) })? {
            Err(Response::Accept) => "accept",
            Err(Response::Reject) => "reject",
            _ => "end",
        })
    }
}

// ---------------------------------------------------------------------------
// Analysis

/// Analyses the scenario's domain: Pareto frontier (GENIUS's and NegMAS's),
/// Nash, Kalai–Smorodinsky, egalitarian and welfare points, opposition, the
/// zone of agreement (the JSON of `entente analyze --json`).
///
/// `method`: "auto", "enumerate" or "merge" (linear additive utilities).
#[pyfunction]
#[pyo3(signature = (scenario, *, method="auto", list_rational=1000))]
fn analyze<'py>(
    py: Python<'py>,
    scenario: &PyScenario,
    method: &str,
    list_rational: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let requested = match method {
        "auto" => Requested::Auto,
        "enumerate" => Requested::Enumerate,
        "merge" => Requested::Merge,
        other => return Err(fail(format!("method {other:?}: expected \"auto\", \"enumerate\" or \"merge\""))),
    };
    let s = &scenario.inner;
    let doc = py
        .detach(|| -> Result<AnalysisDoc, String> {
            let limits = Limits::default();
            let additive = s.parties.iter().all(|p| p.utility.as_additive().is_some());
            let choice = limits.choose_method(s.space.cardinality(), additive, requested).map_err(|e| match e {
                entente_core::analysis::PlanError::MergeNeedsAdditive => {
                    "method \"merge\" needs linear additive utilities for every party".to_string()
                }
                e => chain(&e),
            })?;
            let preferences: Vec<_> = s.parties.iter().map(|p| &p.utility).collect();
            let options = AnalysisOptions { list_rational_up_to: list_rational };
            let a = analyze_preferences(&s.space, &preferences, &choice, &options).map_err(|e| {
                if choice.method == Method::Merge {
                    format!(
                        "the issue-by-issue merge failed (try method=\"enumerate\" on a smaller space): {}",
                        chain(&e)
                    )
                } else {
                    format!("tabulating the utilities: {}", chain(&e))
                }
            })?;
            Ok(AnalysisDoc::new(s, &a, &choice, None))
        })
        .map_err(fail)?;
    doc_to_py(py, &doc)
}

// ---------------------------------------------------------------------------
// Talks

/// Simulates a round of mediated talks (`entente talks`): a scenario file with
/// a `[talks]` table (`path`), TOML text (`text`), or the embedded reference
/// case. Returns the log as `role` may see it ("observer", "mediator" or a
/// party's name), the ending, the final text, the clauses, the mediators'
/// assessment and the baseline report.
#[pyfunction]
#[pyo3(signature = (path=None, *, text=None, counterfactual=None, role="observer"))]
fn talks<'py>(
    py: Python<'py>,
    path: Option<PathBuf>,
    text: Option<&str>,
    counterfactual: Option<&str>,
    role: &str,
) -> PyResult<Bound<'py, PyAny>> {
    use entente_formats::talks_toml::{parse_talks, read_talks};
    let talks = match (&path, text) {
        (Some(_), Some(_)) => return Err(fail("give a path or a text, not both")),
        (Some(p), None) => py.detach(|| read_talks(p)).map_err(err)?,
        (None, Some(t)) => parse_talks(t, Path::new("<string>")).map_err(err)?,
        (None, None) => parse_talks(DEFAULT_TALKS, Path::new(DEFAULT_TALKS_NAME)).map_err(err)?,
    };
    let talks = match counterfactual {
        Some(name) => {
            let which =
                entente_talks::model::Counterfactual::ALL.into_iter().find(|c| c.name() == name).ok_or_else(|| {
                    let names: Vec<&str> = entente_talks::model::Counterfactual::ALL.iter().map(|c| c.name()).collect();
                    fail(format!("unknown counterfactual {name:?}; expected one of: {}", names.join(", ")))
                })?;
            talks.counterfactual(which).map_err(err)?
        }
        None => talks,
    };
    let reader = Role::named(&talks, role).map_err(|e| fail(format!("role {e}")))?;
    let run = py.detach(|| entente_talks::simulate(&talks)).map_err(err)?;
    // The role's export (entries and names), what is public of the outcome,
    // and the mediators' assessment for the mediators only: it is computed
    // from every party's preferences.
    let export = entente_talks::Export::new(&talks, &run, reader);
    let mut doc = serde_json::to_value(&export).map_err(err)?;
    if let Value::Object(map) = &mut doc {
        map.insert("ending".into(), serde_json::to_value(&run.ending).map_err(err)?);
        map.insert("text".into(), serde_json::to_value(&run.text).map_err(err)?);
        map.insert("baseline".into(), serde_json::to_value(&run.baseline).map_err(err)?);
        let assessment =
            if reader == Role::Mediator { serde_json::to_value(&run.assessment).map_err(err)? } else { Value::Null };
        map.insert("assessment".into(), assessment);
    }
    to_py(py, &doc)
}

// ---------------------------------------------------------------------------
// Tournaments

/// Runs a tournament, or one shard of it (`entente tournament`), on `threads`
/// threads (default: every core) and returns its records, one dict per
/// negotiation, in id order.
///
/// `strategies`: names or dicts (`{"name": ..., "label": ..., parameters}`);
/// `scenarios`: `Scenario` objects; `shard`: "i/k".
#[pyfunction]
#[pyo3(signature = (scenarios, strategies, *, repetitions=1, self_play=true, rotate_preferences=true, seed=0, n_steps=None, shard="1/1", threads=None))]
#[allow(clippy::too_many_arguments)]
fn tournament<'py>(
    py: Python<'py>,
    scenarios: Vec<PyRef<'py, PyScenario>>,
    strategies: &Bound<'py, PyList>,
    repetitions: u32,
    self_play: bool,
    rotate_preferences: bool,
    seed: u64,
    n_steps: Option<u32>,
    shard: &str,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    if repetitions == 0 {
        return Err(fail("repetitions must be at least 1"));
    }
    if n_steps == Some(0) {
        return Err(fail("n_steps must be at least 1"));
    }
    if threads == Some(0) {
        return Err(fail("threads must be at least 1"));
    }
    if scenarios.is_empty() {
        return Err(fail("scenarios: give at least one scenario"));
    }
    if strategies.is_empty() {
        return Err(fail("strategies: give at least one strategy"));
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (i, s) in strategies.iter().enumerate() {
        let label = match s.cast::<PyDict>() {
            Ok(d) => match d.get_item("label")? {
                Some(l) => Some(l.extract::<String>()?),
                None => None,
            },
            Err(_) => None,
        };
        let spec_obj = match s.cast::<PyDict>() {
            Ok(d) => {
                let d = d.copy()?;
                if d.contains("label")? {
                    d.del_item("label")?;
                }
                d.into_any()
            }
            Err(_) => s.clone(),
        };
        let spec = strategy_spec(&spec_obj).map_err(|e| fail(format!("strategies[{i}]: {}", e.value(py))))?;
        let label = match label {
            Some(l) => l,
            None => match spec_obj.extract::<String>() {
                Ok(n) => n,
                Err(_) => spec_obj.get_item("name")?.extract::<String>()?,
            },
        };
        if entries.iter().any(|e| e.label == label) {
            return Err(fail(format!(
                "strategies[{i}]: the label {label:?} is used twice; give each entry a distinct \"label\""
            )));
        }
        entries.push(Entry { label, spec });
    }
    let shard = Shard::parse(shard).map_err(err)?;
    let spec = TournamentSpec {
        strategies: entries,
        scenarios: scenarios
            .into_iter()
            .map(|s| {
                let n = n_steps.unwrap_or(s.inner.config.n_steps);
                ScenarioEntry { scenario: s.inner.clone(), n_steps: n }
            })
            .collect(),
        repetitions,
        self_play,
        rotate_preferences,
        seed,
    };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let records = py
        .detach(|| -> Result<Vec<entente_tournament::Record>, String> {
            let t = Tournament::new(spec).map_err(|e| chain(&e))?;
            let ids: Vec<u64> = shard.range(t.len()).collect();
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| chain(&e))?;
            let mut out = Vec::with_capacity(ids.len());
            let stop = AtomicBool::new(false);
            t.run::<entente_tournament::TournamentError>(&ids, &pool, 4096, &stop, |r| {
                out.push(r.clone());
                Ok(())
            })
            .map_err(|e| chain(&e))?;
            Ok(out)
        })
        .map_err(fail)?;
    doc_to_py(py, &records)
}

// ---------------------------------------------------------------------------
// Sweeps

/// Runs a sweep, or one shard of it (`entente sweep --json [--shard i/k]`), on
/// `threads` threads (default: every core) and returns its `entente.sweep/1`
/// document.
///
/// `base`: a `Scenario` (negotiations), or a path: a file with a `[talks]`
/// table runs the talks, anything else is read as `load` reads it.
/// `strategies`: party (name or index) -> strategy, as in `run` (natives only).
#[pyfunction]
#[pyo3(signature = (base, vary, *, changes=Vec::new(), strategies=None, draws=None, repetitions=100, seed=None, level=0.95, shard="1/1", threads=None))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    base: &Bound<'py, PyAny>,
    vary: Vec<String>,
    changes: Vec<String>,
    strategies: Option<&Bound<'py, PyDict>>,
    draws: Option<u64>,
    repetitions: u64,
    seed: Option<u64>,
    level: f64,
    shard: &str,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    use entente_tournament::sweep::{Sweep, SweepBase, SweepSpec};
    if threads == Some(0) {
        return Err(fail("threads must be at least 1"));
    }
    let shard = Shard::parse(shard).map_err(err)?;
    let base = if let Ok(s) = base.cast::<PyScenario>() {
        SweepBase::Sao(s.get().inner.clone())
    } else if let Ok(path) = base.extract::<PathBuf>() {
        let talks = py.detach(|| read_talks_file(&path))?;
        match talks {
            Some(t) => SweepBase::Talks(Box::new(t)),
            None => SweepBase::Sao(py.detach(|| load_scenario(&path, None, &ReadOptions::default())).map_err(err)?),
        }
    } else {
        return Err(fail("a sweep's base is a Scenario or a path (a scenario file, a talks file, a folder)"));
    };
    let base = match (base, strategies) {
        (b, None) => b,
        (SweepBase::Talks(_), Some(_)) => {
            return Err(fail(
                "strategies: a round of talks has no SAO negotiators (its parties follow [talks.conduct])",
            ));
        }
        (SweepBase::Sao(mut s), Some(d)) => {
            for (party, strategy) in d.iter() {
                let k = party_index(&s, &party)?;
                s.parties[k].strategy = Some(strategy_spec(&strategy)?);
            }
            SweepBase::Sao(s)
        }
    };
    let spec = SweepSpec { vary, changes, draws, repetitions, seed, level };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let doc = py
        .detach(|| -> Result<_, String> {
            let sweep = Sweep::new(base, spec).map_err(|e| chain(&e))?;
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().map_err(|e| chain(&e))?;
            sweep.run(shard, &pool).map_err(|e| chain(&e))
        })
        .map_err(fail)?;
    doc_to_py(py, &doc)
}

/// The talks of `path` when it is a file with a `[talks]` table, else `None`. A top crate: it reads the
/// file the caller named, as `entente sweep` does, to tell talks from a scenario.
#[allow(clippy::disallowed_methods)]
fn read_talks_file(path: &Path) -> PyResult<Option<entente_talks::Talks>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    if !entente_formats::talks_toml::has_talks(&text) {
        return Ok(None);
    }
    entente_formats::talks_toml::parse_talks(&text, path).map(Some).map_err(err)
}

/// Joins the documents of shards 1/k … k/k of one sweep (in order) into the whole sweep's document.
#[pyfunction]
fn merge_sweep<'py>(py: Python<'py>, parts: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyAny>> {
    let docs = parts
        .iter()
        .enumerate()
        .map(|(j, p)| {
            serde_json::from_value::<entente_tournament::sweep::SweepDoc>(from_py(&p)?)
                .map_err(|e| fail(format!("parts[{j}]: not a sweep's document: {e}")))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let doc = entente_tournament::sweep::merge(docs).map_err(err)?;
    doc_to_py(py, &doc)
}

/// The native part of the `entente` package.
#[pymodule]
fn _entente(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("EntenteError", m.py().get_type::<EntenteError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyScenario>()?;
    m.add_class::<NativeNegotiator>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(talks, m)?)?;
    m.add_function(wrap_pyfunction!(tournament, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(merge_sweep, m)?)?;
    Ok(())
}

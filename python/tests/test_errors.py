"""Bad input raises entente.EntenteError with the CLI's message; nothing crashes the interpreter."""

import pytest

import entente
from conftest import SCENARIOS


def test_missing_file():
    with pytest.raises(entente.EntenteError, match="no such file or folder"):
        entente.load("/nonexistent/scenario.toml")


def test_toml_error_names_file_line_and_column():
    with pytest.raises(entente.EntenteError, match=r"bad\.toml:2:\d+"):
        entente.parse("[[issues]]\nname = 3\n", "bad.toml")


@pytest.mark.parametrize(
    "text",
    ["", "\x00\x01", "[[issues]]\n", "name = 'x'\n[[parties]]\n", "[[[", "a = 1e999999", "[[issues]]\nname='a'\nvalues=[]\n"],
)
def test_hostile_text(text):
    with pytest.raises(entente.EntenteError):
        entente.parse(text)


def test_strategy_errors(car):
    with pytest.raises(entente.EntenteError, match="no party 'nobody'; the parties are buyer, dealer"):
        entente.run(car, strategies={"nobody": "boulware"})
    with pytest.raises(entente.EntenteError, match="unknown strategy"):
        entente.run(car, strategies={0: "bogus"})
    with pytest.raises(entente.EntenteError, match="exponent: must be a positive number"):
        entente.run(car, strategies={0: {"name": "boulware", "exponent": -1}})
    with pytest.raises(entente.EntenteError, match="unknown field `foo`"):
        entente.run(car, strategies={0: {"name": "boulware", "foo": 1}})
    with pytest.raises(entente.EntenteError, match="needs a \"name\""):
        entente.run(car, strategies={0: {"exponent": 2}})
    with pytest.raises(entente.EntenteError):
        entente.run(car, strategies={0: 12})
    with pytest.raises(entente.EntenteError, match="n_steps must be at least 1"):
        entente.run(car, n_steps=0)
    with pytest.raises(entente.EntenteError):
        entente.run(car, strategies={0: {"name": "boulware", "exponent": float("nan")}})


def test_python_negotiator_errors(car):
    class OutOfSpace:
        def propose(self, r, t):
            return 10**6

        def respond(self, r, t, o):
            return "reject"

    with pytest.raises(entente.EntenteError, match="only 325 outcomes"):
        entente.run(car, strategies={0: OutOfSpace()})

    class Raises:
        def propose(self, r, t):
            raise ZeroDivisionError("boom")

        def respond(self, r, t, o):
            return "reject"

    with pytest.raises(ZeroDivisionError, match="boom"):
        entente.run(car, strategies={1: Raises()})

    class Nonsense:
        def propose(self, r, t):
            return -1

        def respond(self, r, t, o):
            return "maybe"

    with pytest.raises(Exception):
        entente.run(car, strategies={0: Nonsense()})

    class Answers:
        def propose(self, r, t):
            return 0

        def respond(self, r, t, o):
            return "maybe"

    with pytest.raises(entente.EntenteError, match="expected \"accept\", \"reject\" or \"end\""):
        entente.run(car, strategies={1: Answers()})


def test_analysis_talks_tournament_errors(car):
    with pytest.raises(entente.EntenteError, match="method \"x\""):
        entente.analyze(car, method="x")
    with pytest.raises(entente.EntenteError, match="role \"nobody\": expected a party"):
        entente.talks(role="nobody")
    with pytest.raises(entente.EntenteError, match="unknown counterfactual"):
        entente.talks(counterfactual="nope")
    with pytest.raises(entente.EntenteError, match="(?i)no such file"):
        entente.talks("/nonexistent.toml")
    with pytest.raises(entente.EntenteError, match="i must be between 1 and k = 2"):
        entente.tournament([car], ["boulware"], shard="3/2")
    with pytest.raises(entente.EntenteError, match="expected i/k"):
        entente.tournament([car], ["boulware"], shard="half")
    with pytest.raises(entente.EntenteError, match="used twice"):
        entente.tournament([car], ["boulware", "boulware"])
    with pytest.raises(entente.EntenteError, match="threads must be at least 1"):
        entente.tournament([car], ["boulware"], threads=0)
    with pytest.raises(entente.EntenteError, match="at least one scenario"):
        entente.tournament([], ["boulware"])
    with pytest.raises(TypeError):
        entente.tournament(["not a scenario"], ["boulware"])
    with pytest.raises(entente.EntenteError):
        car.outcome(10**9)
    with pytest.raises(entente.EntenteError):
        car.index_of({"price": "nope", "warranty_months": 0, "delivery_weeks": 0.0})


def test_python_negotiator_that_plays(car):
    """A minimal Python negotiator: offers its best outcome, accepts anything worth 0.6 to it."""
    import entente as e

    u = [row[0] for row in e.utilities(car)]
    best = max(range(len(u)), key=u.__getitem__)

    class Simple:
        def propose(self, r, t):
            return best

        def respond(self, r, t, offer):
            return "accept" if u[offer] >= 0.6 else "reject"

    r = e.run(car, strategies={"buyer": Simple(), "dealer": "conceder"})
    assert r.agreement is not None and r.utilities[0] >= 0.6
    assert all(o.outcome_index == best for o in r.offers if o.party == 0)


def _mutations(text, seed, n):
    import random

    rng = random.Random(seed)
    for _ in range(n):
        chars = list(text)
        for _ in range(rng.randint(1, 8)):
            op = rng.random()
            i = rng.randrange(len(chars))
            if op < 0.4:
                del chars[i : i + rng.randint(1, 20)]
            elif op < 0.7:
                chars.insert(i, rng.choice(["]", "[", "=", '"', "\n", "-1", "1e308", "nan", "{", "}", ",", "0", "x"]))
            else:
                j = rng.randrange(len(chars))
                chars[i], chars[j] = chars[j], chars[i]
        yield "".join(chars)


def test_mutated_scenarios_never_crash():
    """Hostile variants of real files give a scenario or an EntenteError, never a panic or a crash."""
    text = (SCENARIOS / "car-purchase.toml").read_text()
    outcomes = {"ok": 0, "error": 0}
    for t in _mutations(text, 1, 300):
        try:
            sc = entente.parse(t, "mutant.toml")
        except entente.EntenteError:
            outcomes["error"] += 1
            continue
        outcomes["ok"] += 1
        try:
            entente.run(sc, strategies={0: "boulware", 1: "conceder"} if len(sc.parties) >= 2 else None, n_steps=5)
            entente.analyze(sc)
        except entente.EntenteError:
            pass
    assert outcomes["error"] > 0 and outcomes["ok"] > 0


def test_mutated_talks_never_crash():
    text = (SCENARIOS / "istanbul-2025.toml").read_text()
    for t in _mutations(text, 2, 60):
        try:
            entente.talks(text=t)
        except entente.EntenteError:
            pass

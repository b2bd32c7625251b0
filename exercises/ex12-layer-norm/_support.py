"""Shared by ex12's checks and hidden checks: find the learner's layer, and say in learner terms
what keeps it from being checked at all.

One root cause gives one message: the check that owns a stage (``build()`` or ``call()``) fails
with what is wrong; every check that needs that stage is skipped with a pointer to it.
"""

import inspect
import re

import numpy as np
import pytest
import tensorflow as tf

from tfgrade.checking import keras_spellings

EPS = 1e-3
BUILD_SHAPE = (4, 6)
# The check that reports a broken stage; the others skip and point to it.
STAGE_OWNERS = {
    "build": ("check_weights_created", "build() creates weights named alpha and beta, one value per feature"),
    "call": ("check_output_matches_keras", "Output matches keras.layers.LayerNormalization on 2-D inputs"),
}


def layer_bases():
    import keras

    bases = [keras.layers.Layer]
    try:  # legacy Keras 2 (tf_keras) spelling, when TF_USE_LEGACY_KERAS switched tf.keras
        bases.append(tf.keras.layers.Layer)
    except Exception:
        pass
    return tuple(bases)


def keras_reference(layer_cls, epsilon=EPS):
    """Keras's own LayerNormalization from the same Keras the learner's class uses."""
    import keras

    if issubclass(layer_cls, keras.layers.Layer):
        return keras.layers.LayerNormalization(epsilon=epsilon)
    return tf.keras.layers.LayerNormalization(epsilon=epsilon)


def keras_normalisers():
    """Keras's own layer normalisation, by the names a message gives it."""
    return {**keras_spellings("ops.layer_normalization"), **keras_spellings("layers.LayerNormalization"),
            **keras_spellings("layers.GroupNormalization")}


def weights_by_name(layer):
    return {w.name.split("/")[-1].split(":")[0]: w for w in layer.weights}


def source_of(obj):
    """The source of a function, or of a class's own methods (a class defined in a cell has no
    module file for inspect to read, its methods' code does)."""
    if isinstance(obj, type):
        return "\n".join(source_of(v) for v in vars(obj).values() if inspect.isfunction(v))
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def keras2_idiom(layer_cls):
    """A Keras 2 spelling Keras 3 rejects, named with its Keras 3 replacement, or None."""
    source = source_of(layer_cls)
    match = re.search(r"add_weight\(\s*['\"](\w+)['\"]", source)
    if match:
        return (f"Keras 3 takes a weight's name as a keyword only: write self.add_weight(name=\"{match.group(1)}\", "
                f"shape=..., initializer=...), not add_weight(\"{match.group(1)}\", ...).")
    if "dynamic=True" in source:
        return "Keras 3 layers no longer accept dynamic=True; remove it."
    return None


def build(layer_cls, shape, **kwargs):
    """A new layer built for ``shape``, with a Keras 2 idiom turned into one clear message."""
    layer = layer_cls(**kwargs)
    try:
        layer.build(shape)
    except Exception:
        advice = keras2_idiom(layer_cls)
        if advice:
            raise AssertionError(advice) from None
        raise
    layer.built = True
    return layer


def inputs(rng, shape, loc=2.0, scale=3.0):
    # A spread of a few units and an offset, so per-instance statistics really matter.
    return tf.constant(rng.normal(loc=loc, scale=scale, size=shape), dtype=tf.float32)


def _build_problem(layer_cls):
    layer = build(layer_cls, BUILD_SHAPE)
    weights = weights_by_name(layer)
    missing = [n for n in ("alpha", "beta") if n not in weights]
    if missing:
        return (f"`build()` has not created {' and '.join(f'`{n}`' for n in missing)}: after build({BUILD_SHAPE}) "
                f"the layer's weights are {sorted(weights) or 'none'}. Create them with self.add_weight(name=..., ...).")
    for name in ("alpha", "beta"):
        shape = tuple(weights[name].shape)
        if shape != BUILD_SHAPE[-1:]:
            return (f"`{name}` should have one value per feature: shape {BUILD_SHAPE[-1:]} for inputs of shape "
                    f"{BUILD_SHAPE} (that is, input_shape[-1:]); it has shape {shape}.")
    return None


def _call_problem(layer_cls):
    layer = build(layer_cls, BUILD_SHAPE)
    out = layer(tf.constant(np.linspace(-1.0, 2.0, 24).reshape(BUILD_SHAPE), dtype=tf.float32))
    if out is None:
        body = source_of(getattr(layer_cls, "call", None))
        if re.search(r"^\s*\.\.\.\s*$", body, re.MULTILINE):
            return "`call()` returns None: it still holds the starter's `...`. Compute the normalised output and return it."
        return "`call()` returns None: it needs a `return` with the normalised output."
    if not tf.is_tensor(out):
        return f"`call()` returns a {type(out).__name__}, not a tensor: return the normalised output as a tf.Tensor."
    return None


_PROBLEMS = {"build": _build_problem, "call": _call_problem}
# What each stage gave, per learner class, for this grading run (this module is loaded afresh
# for each run): every check asks, and building the layer twice per check is most of their time.
_STAGE_OUTCOMES = {}


def _stage_outcome(layer_cls, stage):
    """``(problem, exception)`` for ``stage``: a message, or what the learner's code raised."""
    key = (id(layer_cls), stage)
    if key not in _STAGE_OUTCOMES:
        try:
            outcome = (_PROBLEMS[stage](layer_cls), None)
        except Exception as exc:
            outcome = (None, exc)
        _STAGE_OUTCOMES[key] = (layer_cls, outcome)   # the class is kept so its id is not reused
    return _STAGE_OUTCOMES[key][1]


def require_stage(layer_cls, stage, check_name):
    """Fail (in the stage's owner check) or skip (elsewhere) when the layer cannot reach ``stage``."""
    for current in ("build", "call"):
        owner, title = STAGE_OWNERS[current]
        problem, raised = _stage_outcome(layer_cls, current)
        if raised is not None:
            if check_name == owner:
                raise raised
            problem = raised
        if problem is not None:
            if check_name == owner:
                raise AssertionError(problem)
            pytest.skip(f"Not checked yet: `{current}()` must work first (see the check \"{title}\").")
        if current == stage:
            return


@pytest.fixture
def layer_cls(learner, request):
    cls = learner.require("LayerNormalization")
    if not (isinstance(cls, type) and issubclass(cls, layer_bases())):
        owner, title = STAGE_OWNERS["build"]
        if request.node.name != owner:
            pytest.skip(f"Not checked yet: `LayerNormalization` must be a Keras layer first (see the check \"{title}\").")
        raise AssertionError("`LayerNormalization` should be a class that subclasses keras.layers.Layer.")
    return cls


@pytest.fixture
def built_cls(layer_cls, request):
    """The learner's class, once ``build()`` creates alpha and beta."""
    require_stage(layer_cls, "build", request.node.name)
    return layer_cls


@pytest.fixture
def working_cls(layer_cls, request):
    """The learner's class, once ``build()`` and ``call()`` work on a plain 2-D input."""
    require_stage(layer_cls, "call", request.node.name)
    return layer_cls


def epsilon_parameter(layer_cls):
    """The ``__init__`` argument holding the epsilon: a float default, preferably named like eps."""
    params = inspect.signature(layer_cls.__init__).parameters.values()
    floats = [p for p in params if isinstance(p.default, float)]
    named = [p for p in floats if "eps" in p.name.lower()]
    return (named or floats or [None])[0]


def expected_outputs(X, alpha, beta, eps):
    """Both accepted formulas: divide by std + eps (the prompt's) or by sqrt(var + eps) (Keras's)."""
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=-1, keepdims=True)
    var = X.var(axis=-1, keepdims=True)
    centred = X - mean
    return (alpha * centred / (np.sqrt(var) + eps) + beta, alpha * centred / np.sqrt(var + eps) + beta)

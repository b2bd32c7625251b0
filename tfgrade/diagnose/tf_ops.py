"""The TensorFlow op to use in place of a NumPy or ``random`` call inside a ``tf.function``.

Keys are the called function's own name under its module (``np.std`` and ``numpy.std``
both look up ``std``); ``random.*`` and ``np.random.*`` calls have their own tables.
"""

from __future__ import annotations

__all__ = ["tensorflow_op_for"]

_NUMPY = {
    "mean": "tf.reduce_mean", "average": "tf.reduce_mean", "sum": "tf.reduce_sum", "prod": "tf.reduce_prod",
    "max": "tf.reduce_max", "amax": "tf.reduce_max", "min": "tf.reduce_min", "amin": "tf.reduce_min",
    "std": "tf.math.reduce_std", "var": "tf.math.reduce_variance", "any": "tf.reduce_any",
    "all": "tf.reduce_all", "argmax": "tf.argmax", "argmin": "tf.argmin", "sort": "tf.sort",
    "argsort": "tf.argsort", "cumsum": "tf.cumsum", "cumprod": "tf.math.cumprod",
    "exp": "tf.exp", "log": "tf.math.log", "log1p": "tf.math.log1p", "sqrt": "tf.sqrt", "square": "tf.square",
    "abs": "tf.abs", "absolute": "tf.abs", "sign": "tf.sign", "power": "tf.pow", "maximum": "tf.maximum",
    "minimum": "tf.minimum", "clip": "tf.clip_by_value", "where": "tf.where", "tanh": "tf.tanh",
    "sin": "tf.sin", "cos": "tf.cos", "floor": "tf.floor", "ceil": "tf.math.ceil", "round": "tf.round",
    "dot": "tf.tensordot", "matmul": "tf.matmul", "transpose": "tf.transpose", "reshape": "tf.reshape",
    "concatenate": "tf.concat", "stack": "tf.stack", "squeeze": "tf.squeeze", "expand_dims": "tf.expand_dims",
    "zeros": "tf.zeros", "ones": "tf.ones", "zeros_like": "tf.zeros_like", "ones_like": "tf.ones_like",
    "full": "tf.fill", "eye": "tf.eye", "arange": "tf.range", "linspace": "tf.linspace",
    "isnan": "tf.math.is_nan", "isfinite": "tf.math.is_finite", "einsum": "tf.einsum", "tile": "tf.tile",
    "array": "tf.constant", "asarray": "tf.convert_to_tensor", "shape": "tf.shape", "size": "tf.size",
    "unique": "tf.unique", "logical_and": "tf.logical_and", "logical_or": "tf.logical_or",
    "logical_not": "tf.logical_not", "equal": "tf.equal", "mod": "tf.math.floormod",
}
_NUMPY_RANDOM = {
    "normal": "tf.random.normal", "randn": "tf.random.normal", "standard_normal": "tf.random.normal",
    "uniform": "tf.random.uniform", "rand": "tf.random.uniform", "random": "tf.random.uniform",
    "randint": "tf.random.uniform (with an integer dtype)", "integers": "tf.random.uniform (with an integer dtype)",
    "shuffle": "tf.random.shuffle", "permutation": "tf.random.shuffle", "choice": "tf.random.categorical",
}
_RANDOM = {
    "random": "tf.random.uniform", "uniform": "tf.random.uniform", "gauss": "tf.random.normal",
    "normalvariate": "tf.random.normal", "randint": "tf.random.uniform (with an integer dtype)",
    "randrange": "tf.random.uniform (with an integer dtype)", "shuffle": "tf.random.shuffle",
    "choice": "tf.random.categorical",
}


def tensorflow_op_for(module: str, call: str) -> str | None:
    """The op replacing ``call`` (as the learner spelled it, e.g. ``"np.random.normal"``), or None.

    ``module`` is the root module the call resolved to: ``"numpy"`` or ``"random"``.
    """
    parts = call.split(".")
    name = parts[-1]
    if module == "random":
        return _RANDOM.get(name)
    if module == "numpy":
        if "random" in parts[:-1] or name in {"default_rng"}:
            return _NUMPY_RANDOM.get(name)
        return _NUMPY.get(name)
    return None

"""Plain data across the kernel boundary: JSON plus one ``.npz`` (never pickle).

:func:`dumps` turns answers and code outputs (numbers, strings, arrays, lists, tuples,
dicts with string keys) into a JSON text whose arrays live in a base64 ``.npz`` blob;
anything else becomes ``{"__unsupported__": "<type name>"}``. :func:`loads` reverses it
with ``allow_pickle=False`` and size limits, so reading what a kernel wrote runs none of
its code.
"""

import base64
import io
import json

import numpy as np

MAX_TEXT = 32 * 2**20  # characters of one exported message
MAX_DEPTH = 8


class Unsupported:
    """An answer that was not plain data (a model object, a function, ...)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<{self.kind}>"


def _encode(value, arrays, depth):
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.generic)) and np.ndim(value) == 0:
        value = np.asarray(value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {
            "__dict__": {k: _encode(v, arrays, depth + 1) for k, v in value.items()}
        }
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list) and not _numeric_list(value):
        return [_encode(v, arrays, depth + 1) for v in value]
    try:
        arr = np.asarray(value)
    except Exception:  # an object numpy cannot convert
        return {"__unsupported__": type(value).__name__}
    if arr.dtype.kind not in "biuf":
        return {"__unsupported__": f"{type(value).__name__} of {arr.dtype}"}
    key = f"a{len(arrays)}"
    arrays[key] = arr
    return {"__array__": key}


def _numeric_list(value):
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except Exception:
        return False


def dumps(value):
    """JSON text of ``value`` with its arrays in an embedded ``.npz``."""
    arrays = {}
    tree = _encode(value, arrays, 0)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    blob = base64.b64encode(buffer.getvalue()).decode("ascii")
    return json.dumps({"tree": tree, "npz": blob})


def _decode(tree, arrays, depth):
    if depth > MAX_DEPTH + 1:
        return Unsupported("nested too deeply")
    if isinstance(tree, list):
        return [_decode(v, arrays, depth + 1) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "__array__" in tree:
        arr = arrays[str(tree["__array__"])]
        return arr[()] if arr.ndim == 0 else arr
    if "__tuple__" in tree:
        return tuple(_decode(v, arrays, depth + 1) for v in tree["__tuple__"])
    if "__dict__" in tree:
        return {
            str(k): _decode(v, arrays, depth + 1) for k, v in tree["__dict__"].items()
        }
    return Unsupported(str(tree.get("__unsupported__", "unknown"))[:80])


def loads(text):
    """The value :func:`dumps` wrote; raises ValueError on anything malformed."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValueError("exported data missing or too large")
    try:
        message = json.loads(text)
        raw = base64.b64decode(message["npz"], validate=True)
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return _decode(message["tree"], arrays, 0)
    except (KeyError, TypeError, ValueError, OSError, json.JSONDecodeError) as error:
        raise ValueError(f"malformed exported data: {type(error).__name__}") from None

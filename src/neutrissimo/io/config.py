"""The one configuration-schema helper: TOML files validated by frozen pydantic models.

Every TOML the package reads (detector geometries, simulation setups, the MiniBooNE and MINERvA
analysis configurations, the paper's numbers) is described by a subclass of :class:`ConfigModel`
and read with :func:`load_toml` (a file) or :func:`validate` (an already parsed table). Whatever
is wrong -- an unreadable or non-UTF-8 file, TOML syntax, an unknown key, a missing key, a wrong
type or a value out of range -- raises ONE :class:`~neutrissimo.exceptions.ConfigurationError`
(or the subclass the caller asks for) whose one-line message names the file, the table, the key
and the bad value, and says how to fix it::

    miniboone-analysis.toml: [exposure] pot = -1.0: must be > 0. Fix: give a value > 0.
    minerva.toml: unknown key 'shower_energy_mn' in [cuts]; did you mean 'shower_energy_min'?
    Allowed: shower_energy_min, q2_qe_max, e_theta2_max, dedx_min.

(the second is one line). Models forbid unknown keys, are frozen, and are strict: a string is
not a number, ``true`` is not ``1``; TOML arrays arrive as tuples and infinities or NaN are
rejected. Units belong in the key (``energy_gev``) or, where the key is older, in its comment.

This module is the lowest layer: it imports only the standard library, pydantic and
:mod:`neutrissimo.exceptions`.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    TypeAdapter,
    ValidationError,
)

from neutrissimo.exceptions import ConfigurationError

__all__ = [
    "ConfigModel",
    "FloatArray",
    "Fraction",
    "Locator",
    "choice",
    "load_toml",
    "read_toml",
    "validate",
]

M = TypeVar("M")

#: ``locate(loc, raw) -> (where, key)``: how an error location (pydantic's ``loc`` tuple) is
#: named in a message, e.g. ``("[volumes]", "radius")`` -> ``("volume 'tank'", "radius")``.
Locator = Callable[[tuple[int | str, ...], Mapping[str, Any]], tuple[str, str]]


class ConfigModel(BaseModel):
    """Base of every configuration table: unknown keys forbidden, frozen, strict types."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True
    )


def _float_array(value: Any) -> NDArray[np.float64]:
    """A read-only float array from a TOML array of finite numbers."""
    items = value.tolist() if isinstance(value, np.ndarray) else value
    if not isinstance(items, tuple | list) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x) for x in items
    ):
        raise ValueError("must be an array of finite numbers")
    array = np.array(items, dtype=float)
    array.setflags(write=False)
    return array


#: A 1-d array of finite numbers (a TOML array), stored as a read-only ``float64`` array.
FloatArray = Annotated[NDArray[np.float64], PlainValidator(_float_array)]

#: A fraction in [0, 1] (efficiencies, acceptances, relative uncertainties, mixture shares).
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


def choice(options: Sequence[str]) -> AfterValidator:
    """Validator of a string that must be one of ``options`` (message with a did-you-mean).

    Use as ``beam: Annotated[str, choice(BEAMS)]``.
    """

    def check(value: str) -> str:
        if value not in options:
            close = difflib.get_close_matches(value, options, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"must be one of {', '.join(options)}{hint}")
        return value

    return AfterValidator(check)


def read_toml(
    path_or_text: str | Path,
    *,
    source: str | None = None,
    error: type[ConfigurationError] = ConfigurationError,
) -> tuple[dict[str, Any], str]:
    """Parse a TOML file (a :class:`~pathlib.Path`) or TOML text (a :class:`str`).

    Returns the table and the name used in messages (``source``, else the path, else
    ``"<string>"``).

    Raises:
        ConfigurationError (or ``error``): missing or unreadable file, not UTF-8, bad TOML syntax.
    """
    if isinstance(path_or_text, Path):
        name = source or str(path_or_text)
        try:
            text = path_or_text.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise error(f"{name}: no such file. Fix: check the path.") from None
        except OSError as exc:
            raise error(f"{name}: cannot be read ({exc.strerror}).") from None
        except UnicodeDecodeError as exc:
            raise error(
                f"{name}: not a UTF-8 text file (byte {exc.start}). Fix: save it as UTF-8."
            ) from None
    else:
        name, text = source or "<string>", path_or_text
    try:
        return tomllib.loads(text), name
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML ({exc}). Fix: correct the syntax there.") from None


def load_toml(
    path_or_text: str | Path,
    model: type[M],
    *,
    source: str | None = None,
    error: type[ConfigurationError] = ConfigurationError,
    locate: Locator | None = None,
) -> M:
    """Read a TOML file (``Path``) or text (``str``) and validate it as ``model``.

    ``model`` is a :class:`ConfigModel` (or any type pydantic validates, e.g. a dataclass).

    Raises:
        ConfigurationError (or ``error``): one line naming file, table, key, value and fix.
    """
    raw, name = read_toml(path_or_text, source=source, error=error)
    return validate(raw, model, name, error=error, locate=locate)


def validate(
    raw: Mapping[str, Any],
    model: type[M],
    source: str,
    *,
    error: type[ConfigurationError] = ConfigurationError,
    locate: Locator | None = None,
) -> M:
    """Validate a parsed TOML table ``raw`` as ``model``; ``source`` names it in messages.

    Raises:
        ConfigurationError (or ``error``): the first problem (unknown keys first), one line.
    """
    try:
        return TypeAdapter(model).validate_python(_tuples(raw))
    except ValidationError as exc:
        raise error(_message(exc, model, raw, source, locate or _table_and_key)) from None


def _tuples(value: Any) -> Any:
    """TOML arrays as tuples (strict models take tuples; configurations are immutable)."""
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _table_and_key(loc: tuple[int | str, ...], raw: Mapping[str, Any]) -> tuple[str, str]:
    """Default naming: ``("[a.b]", "key")``; list positions as ``key[i]``; top level as such."""
    names = [str(p) for p in loc if isinstance(p, str)]
    key = names[-1] if names else ""
    suffix = "".join(f"[{p}]" for p in loc[loc.index(key) + 1 :]) if key in loc else ""
    table = names[:-1]
    return (f"[{'.'.join(table)}]" if table else "top level"), key + suffix


def _unwrap(tp: Any) -> list[Any]:
    """The model types a value of annotation ``tp`` can hold (through unions, tuples, dicts)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType, tuple, list, dict):
        args = typing.get_args(tp)
        return [m for a in args if a is not Ellipsis for m in _unwrap(a)]
    return [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _allowed_keys(model: Any, loc: tuple[int | str, ...]) -> list[str]:
    """Keys allowed in the table at ``loc`` (walking the model's fields), [] if unknown."""
    candidates = _unwrap(model)
    for part in loc:
        if isinstance(part, int):
            continue
        tagged = [m for m in candidates if _tag(m) == part]
        if tagged:  # a discriminated union names its member by the tag
            candidates = tagged
            continue
        following: list[Any] = []
        for m in candidates:
            fields = {f.alias or n: f for n, f in m.model_fields.items()}
            # a field leads into its type; anything else is a dict key (a sample name)
            following += _unwrap(fields[part].annotation) if part in fields else [m]
        candidates = following
    if not candidates:
        return []
    return [f.alias or n for n, f in candidates[0].model_fields.items() if not f.exclude]


def _tag(model: type[BaseModel]) -> str | None:
    """The tag of a discriminated-union member: the value of its single-valued Literal field."""
    for field in model.model_fields.values():
        if typing.get_origin(field.annotation) is typing.Literal:
            values = typing.get_args(field.annotation)
            if len(values) == 1:
                return str(values[0])
    return None


_BOUNDS = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
}
_KINDS = {
    "float_type": "a number",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "string_type": "a string",
    "bool_type": "true or false",
    "tuple_type": "an array [...]",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dataclass_type": "a table",
    "finite_number": "a finite number",
}


def _problem(err: Any) -> tuple[str, str]:
    """(what is wrong, how to fix it) for one pydantic error."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind in _BOUNDS:
        op, name = _BOUNDS[kind]
        return f"must be {op} {ctx[name]}", f"give a value {op} {ctx[name]}"
    if kind in _KINDS:
        return f"must be {_KINDS[kind]}", f"write {_KINDS[kind]}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}", f"use one of {ctx['expected']}"
    if kind in ("too_short", "too_long"):
        return str(err["msg"]).lower().replace("after validation, ", ""), "give the right number"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, "), ""
    return str(err["msg"]).lower(), ""


def _toml_like(value: Any) -> str:
    """A value as written in TOML (arrays in brackets)."""
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_like(v) for v in value) + "]"
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _sentence(problem: str, fix: str) -> str:
    """``problem.`` followed by `` Fix: fix.`` when there is one."""
    text = problem if problem.endswith((".", "?", "!")) else problem + "."
    return text + (f" Fix: {fix}." if fix else "")


def _message(
    exc: ValidationError,
    model: Any,
    raw: Mapping[str, Any],
    source: str,
    locate: Locator,
) -> str:
    """One line for the most telling error of ``exc`` (unknown keys and tags first)."""
    errors = exc.errors()
    order = {"extra_forbidden": 0, "union_tag_invalid": 1, "missing": 3}
    err = min(errors, key=lambda e: order.get(e["type"], 2))
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        where, key = locate(loc, raw)
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "."
        listing = f" Allowed: {', '.join(allowed)}." if allowed else ""
        return f"{source}: unknown key '{loc[-1]}' in {where}{hint}{listing}"
    if err["type"] == "union_tag_invalid":
        ctx = err["ctx"]
        tags = [t.strip("'") for t in str(ctx["expected_tags"]).split(", ")]
        close = difflib.get_close_matches(str(ctx["tag"]), tags, n=1)
        hint = f" did you mean '{close[0]}'?" if close else ""
        where, _ = locate((*loc, str(ctx["discriminator"]).strip("'")), raw)
        return (
            f"{source}: {where}: unknown {ctx['discriminator'].strip(chr(39))} '{ctx['tag']}';"
            f"{hint} Allowed: {', '.join(tags)}."
        )
    if err["type"] == "missing" and isinstance(loc[-1], int):  # a too short array
        where, key = locate(loc[:-1], raw)
        return f"{source}: {where} {key} = {_toml_like(err.get('input'))}: too few items."
    if err["type"] == "missing":
        where, key = locate(loc, raw)
        return f"{source}: {where}: missing key '{key}'. Fix: add `{key} = ...`."
    problem, fix = _problem(err)
    value = err.get("input")
    if isinstance(value, Mapping):  # a check across the keys of a table
        where = f"{locate((*loc, ''), raw)[0]}: " if loc else ""
        return f"{source}: {where}{_sentence(problem, fix)}"
    where, key = locate(loc, raw)
    shown = f" = {_toml_like(value)}" if key else ""
    return f"{source}: {where} {key}{shown}: {_sentence(problem, fix)}"

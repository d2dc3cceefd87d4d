"""Statements SQLAlchemy cannot cache, compiled once a worker.

The dialects' INSERT .. ON CONFLICT has no cache key, so SQLAlchemy builds and compiles such a
statement anew on every execution: for the learner-standing refresh (an INSERT .. SELECT with a
GROUP BY subquery) that was most of an exam start's CPU (issue 21, B4). `compiled_once` compiles
the statement with the dialect's generic form in named style, keeps its constants as bound
values, and leaves the names in `variables` to be given at each execution: a text() statement,
which SQLAlchemy caches like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Dialect

_COMPILED: dict[tuple[str, Hashable], TextClause] = {}


def compiled_once(
    dialect: Dialect, key: Hashable, build: Callable[[], Any], variables: Mapping[str, Any]
) -> TextClause:
    """The statement `build()` makes, as a text() statement compiled once per dialect and `key`
    (which must name everything build() reads besides `variables`: bindparams of those names,
    with these types, given at each execution; build() gives them a placeholder value, as
    IN lists are rendered at compile time)."""
    statement = _COMPILED.get((dialect.name, key))
    if statement is not None:
        return statement
    # The generic dialect in named style: a driver's own (psycopg adds casts after each
    # parameter) would hide the names from text(). IN lists are rendered as separate values.
    generic = PGDialect if dialect.name == "postgresql" else SQLiteDialect
    compiled = build().compile(
        dialect=generic(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    constants = [
        bindparam(name, value=value, type_=_type_of(compiled, name))
        for name, value in compiled.params.items()
        if name not in variables
    ]
    binds = [bindparam(name, type_=type_) for name, type_ in variables.items()]
    statement = text(compiled.string).bindparams(*binds, *constants)
    _COMPILED[(dialect.name, key)] = statement
    return statement


def _type_of(compiled: Any, name: str) -> Any:
    """A constant's type (an Enum column stores the member's name, not its value); None for the
    values of an IN list, which are plain numbers or strings."""
    bind = compiled.binds.get(name)
    return bind.type if bind is not None else None

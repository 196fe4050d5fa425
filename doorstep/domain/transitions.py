"""A state machine as a table, (status, action) -> the status it leads to: the step, its
refusal and the actions a status allows, shared by the task and the ticket workflows."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class IllegalStep(Exception, Generic[S, A]):
    """An action the current status does not allow; a subclass names its code and its noun."""

    code = "illegal_transition"
    noun = "record"

    def __init__(self, current: S, action: A) -> None:
        super().__init__(f"cannot {action} a {self.noun} that is {current}")
        self.current = current
        self.action = action


def step(
    table: Mapping[tuple[S, A], S],
    current: S,
    action: A,
    illegal: Callable[[S, A], IllegalStep[S, A]],
) -> S:
    """The status the action leads to, or the machine's refusal."""
    try:
        return table[(current, action)]
    except KeyError:
        raise illegal(current, action) from None


def allowed(table: Mapping[tuple[S, A], S], current: S, never: Collection[A] = ()) -> frozenset[A]:
    """The actions the table allows from `current`, but for those in `never`."""
    return frozenset(a for (s, a) in table if s == current and a not in never)

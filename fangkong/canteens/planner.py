"""The staggering planner (分时、分流、分开), a pure function: departments are put into the
serving slots of a meal so that no slot holds more people than the canteen's safe-distance
seats and each department eats together, in one slot. Largest department first, each into
the least-loaded slot it fits in (so the load is spread over the window); a department
larger than the safe capacity, or one that no longer fits anywhere, is left unplaced (it
takes away or eats at the desks)."""

from collections.abc import Sequence
from dataclasses import dataclass, field


class NoCapacity(ValueError):
    pass


@dataclass
class Placement:
    slot_of: dict = field(default_factory=dict)  # department key -> slot index
    unplaced: list = field(default_factory=list)  # department keys that do not fit
    loads: list = field(default_factory=list)  # people per slot


def place(capacity: int, slots: int, departments: Sequence[tuple[object, int]]) -> Placement:
    """`departments`: (key, people) in a stable order; people 0 are placed nowhere."""
    if capacity <= 0:
        raise NoCapacity("capacity")
    if slots <= 0:
        raise NoCapacity("slots")
    result = Placement(loads=[0] * slots)
    order = sorted(enumerate(departments), key=lambda e: (-e[1][1], e[0]))
    for _i, (key, people) in order:
        if people <= 0:
            continue
        fits = [s for s in range(slots) if result.loads[s] + people <= capacity]
        if not fits:
            result.unplaced.append(key)
            continue
        best = min(fits, key=lambda s: (result.loads[s], s))
        result.loads[best] += people
        result.slot_of[key] = best
    return result


def loads_of(slot_of: dict, people: dict, slots: int) -> list[int]:
    loads = [0] * slots
    for key, slot in slot_of.items():
        if slot is not None:
            loads[slot] += people.get(key, 0)
    return loads

"""The planner's promise, for any departments, capacity and slots (hypothesis): no slot
holds more than the safe capacity, each department placed is in exactly one slot, and a
department is left unplaced only when it fits in no slot."""

from django.test import SimpleTestCase
from hypothesis import given
from hypothesis import strategies as st

from fangkong.canteens.planner import NoCapacity, loads_of, place


class PlannerTests(SimpleTestCase):
    @given(
        capacity=st.integers(1, 200),
        slots=st.integers(1, 12),
        sizes=st.lists(st.integers(0, 250), max_size=40),
    )
    def test_every_slot_within_capacity_and_each_department_in_one_slot(
        self, capacity, slots, sizes
    ):
        departments = [(f"d{i}", n) for i, n in enumerate(sizes)]
        people = dict(departments)
        result = place(capacity, slots, departments)
        self.assertEqual(len(result.loads), slots)
        self.assertTrue(all(load <= capacity for load in result.loads))
        self.assertEqual(result.loads, loads_of(result.slot_of, people, slots))
        placed = set(result.slot_of)
        self.assertFalse(placed & set(result.unplaced))
        for key, n in departments:
            if n == 0:
                self.assertNotIn(key, placed)
            elif key in result.unplaced:
                # Unplaced only when it fits nowhere.
                self.assertTrue(all(load + n > capacity for load in result.loads))
            else:
                self.assertIn(result.slot_of[key], range(slots))

    def test_spreads_the_load(self):
        result = place(10, 3, [("a", 5), ("b", 5), ("c", 5)])
        self.assertEqual(sorted(result.loads), [5, 5, 5])

    def test_capacity_zero_refused(self):
        with self.assertRaises(NoCapacity):
            place(0, 3, [("a", 1)])

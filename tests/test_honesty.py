"""An exercise is not passed by calling gdlab's own implementation of it (gdlab/honesty.py, gdgrade/untrusted/shortcuts.py)."""

from __future__ import annotations

import numpy as np
import pytest

import gdlab.schedules as schedules
from gdlab.honesty import Shortcut, check_written_by_student, written_by_student
from gdgrade.untrusted.shortcuts import shortcut_reasons, twins
from coursekit import ROOT, read

HINT = "write it yourself"


def test_every_route_to_the_twin_is_refused_while_checking() -> None:
    """An alias, a module attribute, an import inside the function and a method through an instance all fail."""
    from gdlab.schedules import step_decay as alias

    routes = [lambda: alias(0.1)(3), lambda: schedules.step_decay(0.1)(3),
              lambda: __import__("gdlab.schedules", fromlist=["x"]).step_decay(0.1)(3)]
    for route in routes:
        with pytest.raises(Shortcut, match=HINT):
            check_written_by_student(route, schedules.step_decay, hint=HINT)
    plateau = schedules.ReduceOnPlateau(1.0)
    with pytest.raises(Shortcut):
        check_written_by_student(lambda: plateau.observe(1.0), schedules.ReduceOnPlateau.observe, hint=HINT)


def test_the_twin_works_again_afterwards_even_after_a_failure() -> None:
    """The reference's code is put back whatever happened in the block."""
    with pytest.raises(ZeroDivisionError):
        with written_by_student(schedules.step_decay, hint=HINT):
            1 / 0
    assert schedules.step_decay(0.1, 0.5, 5)(5) == pytest.approx(0.05)


def test_a_student_function_that_does_the_work_passes_and_returns_its_value() -> None:
    """Honest code is untouched by the check, and its result comes back."""
    got = check_written_by_student(lambda: 0.1 * 0.5 ** (np.arange(6) // 5), schedules.step_decay, hint=HINT)
    assert np.allclose(got, [0.1] * 5 + [0.05])


def test_an_assertion_of_the_student_is_not_taken_for_a_shortcut() -> None:
    """Only the hint's own failure is a shortcut; the student's other errors pass through as they are."""
    def broken():
        raise AssertionError("my own bug")

    with pytest.raises(AssertionError, match="my own bug") as caught:
        check_written_by_student(broken, schedules.step_decay, hint=HINT)
    assert not isinstance(caught.value, Shortcut)


def test_closures_and_builtins_cannot_be_checked() -> None:
    """A twin whose code cannot be swapped is refused when the check is written, not silently skipped."""
    with pytest.raises(TypeError, match="closure"):
        with written_by_student(schedules.step_decay(0.1), hint=HINT):
            pass
    with pytest.raises(TypeError, match="not a Python function"):
        with written_by_student(len, hint=HINT):
            pass


def test_the_scan_learns_each_exercises_twins_from_the_release() -> None:
    """04-decay's test cells name a twin for each of its five written functions."""
    found = twins(read(ROOT / "notebooks" / "04-decay" / "04-decay.ipynb"))
    assert found["step_decay_lr"] == {"gdlab.schedules.step_decay"}
    assert {"gdlab.schedules.reduce_on_plateau_rates", "gdlab.schedules.ReduceOnPlateau"} <= found["plateau_rates"]
    assert set(found) == {"step_decay_lr", "exponential_lr", "inverse_sqrt_lr", "inverse_time_lr", "plateau_rates"}


@pytest.mark.parametrize("source, flagged", [
    ("from gdlab.schedules import step_decay as sd\ndef step_decay_lr(t, a, b, c):\n    return sd(a, b, c)(t)", True),
    ("import gdlab.schedules as g\ndef step_decay_lr(t, a, b, c):\n    return g.step_decay(a, b, c)(t)", True),
    ("def plateau_rates(l, a, b, c):\n    from gdlab.schedules import ReduceOnPlateau\n    return ReduceOnPlateau(a)", True),
    ("def step_decay_lr(t, a, b, c):\n    return a * b ** (np.asarray(t) // c)", False),
    ("from gdlab.schedules import ReduceOnPlateau\ndef pick_schedule():\n    return ReduceOnPlateau(1.0)", False),
])
def test_the_scan_flags_a_twin_only_where_its_exercise_is_written(source: str, flagged: bool) -> None:
    """A cell defining an exercise's function and reaching for its twin is flagged; other uses of gdlab are not."""
    found = twins(read(ROOT / "notebooks" / "04-decay" / "04-decay.ipynb"))
    assert bool(shortcut_reasons(source, found, {})) == flagged


def test_the_tamper_scan_flags_a_delegating_submission_for_review() -> None:
    """grading's scan of a whole 04-decay submission names the answer cell that calls gdlab's step_decay."""
    from coursekit import answered
    from gdgrade.untrusted.tamper_scan import scan_notebook

    released = read(ROOT / "notebooks" / "04-decay" / "04-decay.ipynb")
    source = read(ROOT / "solutions" / "04-decay" / "04-decay.ipynb")
    shortcut = "from gdlab.schedules import step_decay as sd\ndef step_decay_lr(t, lr0, drop, every):\n    return sd(lr0, drop, every)(t)"
    found = scan_notebook(answered(released, source, {"decay_step_answer": shortcut}), released)
    assert any("gdlab's own answer" in reason for reason in found.get("decay_step_answer", [])), found
    assert scan_notebook(answered(released, source), released) == {}


def test_numpy_dispatchers_are_disabled_through_every_name() -> None:
    """np.linalg.inv is a NumPy dispatcher: `from numpy.linalg import inv` is refused too, and inv works afterwards."""
    from numpy.linalg import inv

    H = np.array([[4.0, 1.0], [1.0, 3.0]])
    with pytest.raises(Shortcut):
        check_written_by_student(lambda: inv(H), np.linalg.inv, hint=HINT)
    assert np.allclose(inv(H) @ H, np.eye(2))


def test_arguments_of_calls_sees_a_matrix_right_hand_side() -> None:
    """Solving H·X = I shows up as a 2-D right-hand side; solving H·d = g as a vector."""
    from gdlab.honesty import arguments_of_calls

    H, g = np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])
    _, calls = arguments_of_calls(lambda: np.linalg.solve(H, np.eye(2)) @ g, np.linalg.solve)
    assert [np.ndim(c["b"]) for c in calls] == [2]
    result, calls = arguments_of_calls(lambda: np.linalg.solve(H, g), np.linalg.solve)
    assert [np.ndim(c["b"]) for c in calls] == [1] and np.allclose(H @ result, g)


def test_lines_run_tells_a_loop_over_rates_from_a_loop_over_steps() -> None:
    """5,000 rates and 5 steps: arrays run a few dozen lines, a loop over the rates tens of thousands."""
    from gdlab.honesty import lines_run

    def over_steps(lrs):
        w = np.full(lrs.shape, 3.0)
        for _ in range(5):
            w = w - lrs * 2.0 * w
        return w

    def over_rates(lrs):
        out = []
        for lr in lrs:
            w = 3.0
            for _ in range(5):
                w = w - lr * 2.0 * w
            out.append(w)
        return np.array(out)

    lrs = np.linspace(0.01, 0.9, 5000)
    (fast, few), (slow, many) = lines_run(lambda: over_steps(lrs)), lines_run(lambda: over_rates(lrs))
    assert np.allclose(fast, slow) and few < 100 < 5000 < many

"""Generate the student notebooks (the release folder) from the sources with nbgrader's generate_assignment."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from gdgrade.course import assignment_ids, course_api, errors_of, failure_reason, layout


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment."""


def release(ids: list[str], config: Config) -> list[Path]:
    """Generate the student version of each assignment of the course `config` describes; the released notebooks' paths."""
    course = layout(config)
    unknown = sorted(set(ids) - set(assignment_ids(course)))
    if unknown:
        raise ReleaseError(f"no such assignment in {course.source}: {', '.join(unknown)} "
                           f"(the course has {', '.join(assignment_ids(course)) or 'none'})")
    api = course_api(config=config, echo=False)
    made = []
    for assignment in ids:
        with errors_of(api) as errors:
            result = api.generate_assignment(assignment, force=True, create=True)
        if not result["success"]:
            raise ReleaseError(f"nbgrader could not generate {assignment}: {failure_reason(result, errors.messages)}")
        made.append(course.release / assignment / f"{assignment}.ipynb")
    return made

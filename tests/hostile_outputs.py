"""A 09-capstone submission whose answers are right and whose outputs and written answer try to run script.

Shared by tests/test_sanitize.py (the autograded notebook, the feedback page) and
tests/browser/test_inert_outputs.py (formgrader and the feedback page in Chromium). Every vector sets
`window.__pwned` (or `parent.__pwned`) to its own number, or asks for an address no honest page
needs: a page on which none of them ran still has `window.__pwned` undefined and made no such request.
"""

from __future__ import annotations

import base64
import io

import nbformat

LEAK = "http://127.0.0.1:9/leak"
HONEST_TEXT = "honest cell 42"
HONEST_WORDS = "My own words: momentum damps the zig-zag"

# The display calls a student adds to an answer cell, after a correct answer: each one a kind of active output.
DISPLAY_VECTORS = {
    "HTML img onerror": "display(HTML('<img src=x onerror=\"window.__pwned=1;fetch(\\'/api/contents/solutions\\')\">'))",
    "HTML script": "display(HTML('<script>window.__pwned=2; fetch(\"" + LEAK + "\")</script>'))",
    "Javascript output": "display(Javascript('window.__pwned=3'))",
    "Markdown img onerror": "display(Markdown('<img src=y onerror=\"window.__pwned=4\">'))",
    "SVG onload": "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"window.__pwned=5\"><circle r=\"5\"/></svg>'))",
    "iframe": "display(HTML('<iframe src=\"javascript:parent.__pwned=6\"></iframe>'))",
    "javascript: link": "display(HTML('<a id=\"jslink\" href=\"javascript:window.__pwned=7\">click me</a>'))",
    "form to the server": "display(HTML('<form action=\"/api/terminals\" method=\"post\"><button id=\"go\">go</button></form>'))",
    "remote image": "display(HTML('<img src=\"" + LEAK + ".png\">'))",
    "LaTeX href": "display(Latex(r'$\\href{javascript:window.__pwned=8}{x}$'))",
    "widget view": "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x', 'version_major': 2, 'version_minor': 0}, "
                   "'text/plain': 'a widget'}, raw=True)",
    "style that loads": "display(HTML('<div style=\"background:url(" + LEAK + ".css)\">styled</div>'))",
}


def png_bytes() -> bytes:
    """A small PNG picture (what an honest plot looks like to the page)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def display_code() -> str:
    """Code that displays every vector, then an honest table and an honest PNG picture."""
    png = base64.b64encode(png_bytes()).decode()
    lines = ["from IPython.display import HTML, Image, Javascript, Latex, Markdown, SVG, display", *DISPLAY_VECTORS.values(),
             f"display(HTML('<table id=\"honest-table\"><tr><th>lr</th></tr><tr><td>{HONEST_TEXT}</td></tr></table>'))",
             f"import base64\ndisplay(Image(data=base64.b64decode('{png}')))"]
    return "\n".join(lines) + "\n"


def hostile_justification(solution_text: str) -> str:
    """A written answer that is the solution's, with raw HTML that would run script."""
    return (f"{HONEST_WORDS}. {solution_text}\n\n<img src=z onerror=\"window.__pwned=9\">\n\n"
            "<a href=\"javascript:window.__pwned=10\">see</a> $\\href{javascript:window.__pwned=11}{y}$\n")


SVG_ATTACHMENT = {"evil.svg": {"image/svg+xml": base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=12"/>').decode()}}


def hostile_submission(released, source):
    """09-capstone answered with the solution, plus every display vector and a hostile written answer."""
    from coursekit import answered

    nb = answered(released, source)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "capstone_config_answer":
            cell.source += "\n" + display_code()
        elif grade_id == "capstone_justification":
            cell.source = hostile_justification(cell.source)
            cell["attachments"] = SVG_ATTACHMENT
    return nbformat.from_dict(nb)


def grade_class(root):
    """09-capstone released into a new course at `root`, handed in by a hostile and an honest student, and graded by the batch."""
    from coursekit import answered, new_course, read, require_sandbox
    from gdgrade import batch
    from gdgrade.course import course_api

    require_sandbox()
    assignment = "09-capstone"
    new_course(root, [assignment], with_empty_gradebook=True)
    assert course_api(root).generate_assignment(assignment, force=True, create=True)["success"]
    released = read(root / "notebooks" / assignment / f"{assignment}.ipynb")
    source = read(root / "solutions" / assignment / f"{assignment}.ipynb")
    for student, nb in (("mallory", hostile_submission(released, source)), ("honest", answered(released, source))):
        folder = root / "grading" / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    run = batch.run([assignment], root=root, workers=2, progress=False)
    assert not run.failures, run.failures
    return run

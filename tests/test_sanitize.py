"""What student code displays, and what students write, reaches formgrader and the feedback pages inert.

Unit tests of gdgrade/untrusted/sanitize.py, then one 09-capstone class graded for real: a student whose
answers are right and whose outputs and written answer carry every kind of active content
(tests/hostile_outputs.py), beside an honest student, graded by `gdgrade autograde` and by
plain `nbgrader autograde`.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser

import nbformat
import pytest

from gdgrade.course import course_api, course_config
from gdgrade.export import read_grades
from gdgrade.untrusted.sanitize import active_parts, clean_html, markdown_to_safe_html, rendered_markdown, sanitise_notebook
from coursekit import read
from hostile_outputs import HONEST_TEXT, HONEST_WORDS, grade_class

ASSIGNMENT = "09-capstone"
# The tests of the graded class share one xdist worker, so that the class is graded once, not once per worker.
ONE_WORKER = pytest.mark.xdist_group("sanitize-class")
ACTIVE_MIME = ("application/javascript", "image/svg+xml", "text/markdown", "text/latex",
               "application/vnd.jupyter.widget-view+json")


def test_clean_html_keeps_tables_text_links_and_embedded_pictures() -> None:
    """An honest table, formatting, an https link and a PNG picture survive cleaning unchanged in substance."""
    honest = ('<table class="dataframe"><thead><tr><th>lr</th></tr></thead><tbody><tr><td><b>0.5</b> <i>ok</i></td></tr>'
              '</tbody></table><a href="https://example.org">docs</a><img src="data:image/png;base64,iVBORw0KGgo=">')
    cleaned = clean_html(honest)
    assert active_parts(honest) == set()
    for kept in ("<table", "<b>0.5</b>", "<i>ok</i>", 'href="https://example.org"', 'src="data:image/png;base64,iVBORw0KGgo="'):
        assert kept in cleaned


@pytest.mark.parametrize("html, part", [
    ('<img src=x onerror="alert(1)">', "an onerror handler"),
    ("<script>alert(1)</script>", "<script>"),
    ('<a href="javascript:alert(1)">x</a>', "a href of 'javascript:alert(1)'"),
    ('<iframe src="/api/terminals"></iframe>', "<iframe>"),
    ('<form action="/api/terminals"><button>go</button></form>', "<form>"),
    ('<img src="http://evil.example/x.png">', "a src of 'http://evil.example/x.png'"),
    ('<img src="/files/solutions/x.png">', "a src of '/files/solutions/x.png'"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "a href of 'data:text/html,<script>alert(1)</script>'"),
    ('<svg onload="alert(1)"></svg>', "<svg>"),
    ('<div style="background:url(http://evil.example/)">x</div>', "a style that loads or runs something"),
    ('<object data="x.swf"></object>', "<object>"),
])
def test_active_html_is_found_and_cleaned_away(html: str, part: str) -> None:
    """Each kind of active HTML is named, and nothing active is left after cleaning."""
    assert part in active_parts(html)
    assert active_parts(clean_html(html)) == set()


def test_pandas_style_block_is_not_active_but_is_dropped() -> None:
    """A table's own <style> block (as pandas writes it) is harmless: not flagged, and cleaned away with its text."""
    html = '<div><style scoped>.dataframe td {text-align: right;}</style><table><tr><td>1</td></tr></table></div>'
    assert active_parts(html) == set()
    assert "text-align" not in clean_html(html) and "<td>1</td>" in clean_html(html)


def test_markdown_keeps_its_formatting_and_math_and_loses_raw_html() -> None:
    """Markdown renders as nbconvert renders it (bold, code, quotes, math for MathJax), with raw HTML made inert."""
    html = markdown_to_safe_html("**bold** `a < b` $x^2$\n\n> quoted\n\n<img src=y onerror=alert(1)> \\href{javascript:x}{y}")
    assert "<strong>bold</strong>" in html and "<code>a &lt; b</code>" in html and "$x^2$" in html
    assert "<blockquote>" in html and "onerror" not in html and "\\href" not in html
    assert active_parts(html) == set() and "an onerror handler" in active_parts(rendered_markdown("<img src=y onerror=a>"))


def test_sanitise_notebook_cleans_outputs_and_written_answers_and_names_each_cell() -> None:
    """Every active output kind is dropped or cleaned, a student's markdown is cleaned, locked text is left alone."""
    script = nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "<js>"})
    page = nbformat.v4.new_output("display_data", data={"text/html": "<b>hi</b><script>x()</script>", "text/plain": "hi"})
    picture = nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    code = nbformat.v4.new_code_cell("show()", outputs=[script, page, picture])
    code.metadata["nbgrader"] = {"grade_id": "answer", "solution": True, "grade": False, "locked": False}
    answer = nbformat.v4.new_markdown_cell("Mine <img src=z onerror=alert(1)>")
    answer.metadata["nbgrader"] = {"grade_id": "why", "solution": True, "grade": True, "locked": False, "points": 1}
    locked = nbformat.v4.new_markdown_cell("<details><summary>Hint</summary>from the instructor</details>")
    locked.metadata["nbgrader"] = {"grade_id": "intro", "solution": False, "grade": False, "locked": True}
    nb = nbformat.v4.new_notebook(cells=[code, answer, locked], metadata={"widgets": {"state": {}}})
    flags = sanitise_notebook(nb)
    assert [f.split(":")[0] for f in flags] == ["cell answer", "cell why"]
    assert "application/javascript output" in flags[0] and "<script>" in flags[0] and "onerror" in flags[1]
    outputs = nb.cells[0].outputs
    assert "application/javascript" not in outputs[0]["data"] and "removed" in outputs[0]["data"]["text/plain"]
    assert outputs[1]["data"]["text/html"] == "<b>hi</b>" and outputs[2]["data"]["image/png"] == "iVBORw0KGgo="
    assert "onerror" not in nb.cells[1].source and "Mine" in nb.cells[1].source
    assert nb.cells[2].source == locked.source and "widgets" not in nb.metadata


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """09-capstone graded for a hostile and an honest student by the batch, and for a third by plain nbgrader."""
    root = tmp_path_factory.mktemp("inert") / "course"
    run = grade_class(root)
    plain = root / "grading" / "submitted" / "plainmallory" / ASSIGNMENT
    shutil.copytree(root / "grading" / "submitted" / "mallory" / ASSIGNMENT, plain)
    result = course_api(root).autograde(ASSIGNMENT, "plainmallory", force=True, create=True)
    assert result["success"], result.get("log")
    return root, run


def autograded(root, student: str):
    """The student's autograded 09-capstone notebook."""
    return read(root / "grading" / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


@pytest.mark.grading
@ONE_WORKER
@pytest.mark.parametrize("student", ["mallory", "plainmallory"])
def test_autograded_notebook_is_inert_with_its_honest_parts_kept(graded, student: str) -> None:
    """Batch or plain nbgrader: no active output kind or HTML is left; the table, the picture and the words are."""
    nb = autograded(graded[0], student)
    htmls, pictures = [], 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert not set(data) & set(ACTIVE_MIME), data.keys()
            htmls += [data["text/html"]] if "text/html" in data else []
            pictures += "image/png" in data
    assert all(active_parts(h) == set() for h in htmls)
    assert any(HONEST_TEXT in h for h in htmls) and pictures >= 1
    written = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "capstone_justification")
    assert HONEST_WORDS in written.source and active_parts(rendered_markdown(written.source)) == set()
    assert "__pwned" not in json.dumps(written.get("attachments", {}))


@pytest.mark.grading
@ONE_WORKER
def test_active_content_is_flagged_and_kept_for_audit_and_scores_stay(graded) -> None:
    """The hostile student is flagged for review with what was removed, keeps the honest score, and the original is audited."""
    root, run = graded
    flags = [flag for student, _, flag in run.flagged if student == "mallory"]
    assert any("active content removed" in f and "<script>" in f for f in flags), flags
    assert any("written answer with an onerror handler" in f for f in flags), flags
    assert not [f for student, _, f in run.flagged if student == "honest"]
    grades = read_grades(course_config(root).CourseDirectory.db_url, [ASSIGNMENT])
    assert grades.total("mallory", ASSIGNMENT) == grades.total("honest", ASSIGNMENT) > 0
    original = (root / "grading" / "audit" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.original.json").read_text()
    assert "onerror" in original and "window.__pwned=3" in original


@pytest.mark.grading
@ONE_WORKER
def test_feedback_page_carries_no_student_script(graded) -> None:
    """The hostile student's feedback page: no script, handler or script link of theirs; their honest output shows."""
    page = (graded[0] / "grading" / "feedback" / "mallory" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    markup = Markup()
    markup.feed(page)
    assert not [s for s in markup.scripts if "__pwned" in s]
    assert not [(tag, name) for tag, name, value in markup.attributes if "__pwned" in value or "javascript:" in value.lower()]
    assert not {"iframe", "form", "object", "embed"} & markup.tags
    assert HONEST_TEXT in page and HONEST_WORDS in page


class Markup(HTMLParser):
    """The tags, attributes and script texts of a page, as a browser would read them (text is not markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_script = tag == "script"

    def handle_endtag(self, tag) -> None:
        self._in_script = False

    def handle_data(self, data) -> None:
        if self._in_script:
            self.scripts.append(data)

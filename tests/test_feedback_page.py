"""Is the fast feedback page the page nbconvert's HTMLExporter renders, alt texts included, also when its templates were compiled before?"""

from __future__ import annotations

import base64

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter

from gdgrade.feedback_page import DEFAULT_ALT, CompiledTemplates, FeedbackPage, add_missing_alt

PIXEL = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def graded_notebook() -> nbformat.NotebookNode:
    """A small notebook as feedback shows it: markdown with an image, code, a picture output and an error."""
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Exercise\nThe slope $f'(x)$ and a picture: ![a dot](dot.png) <img src='x.png'>"),
        nbformat.v4.new_code_cell("def slope(f, x, h=1e-5):\n    return (f(x + h) - f(x - h)) / (2 * h)", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": PIXEL, "text/plain": "<Figure>"}),
            nbformat.v4.new_output("error", ename="AssertionError", evalue="expected 4.0, got 3.0",
                                   traceback=["\x1b[0;31mAssertionError\x1b[0m: expected 4.0, got 3.0"]),
        ]),
    ]
    return nb


@pytest.mark.parametrize("template", ["classic", "lab"])
def test_same_page_as_nbconvert(template):
    """Same text, same images, every image with alt text, for both of nbconvert's page templates?"""
    ours, _ = FeedbackPage(template_name=template).from_notebook_node(graded_notebook())
    theirs, _ = HTMLExporter(template_name=template).from_notebook_node(graded_notebook())
    ours_soup, theirs_soup = BeautifulSoup(ours, "html.parser"), BeautifulSoup(theirs, "html.parser")
    assert ours_soup.get_text() == theirs_soup.get_text()
    assert [i.get("src") for i in ours_soup.find_all("img")] == [i.get("src") for i in theirs_soup.find_all("img")]
    assert [i.get("alt") for i in ours_soup.find_all("img")] == [i.get("alt") for i in theirs_soup.find_all("img")]
    assert len(ours_soup.find_all("img")) == 3 and all(i.get("alt") for i in ours_soup.find_all("img"))


def test_alt_text_only_where_missing():
    """Is an existing alt text kept, and are tags that merely start with "img" left alone?"""
    assert add_missing_alt('<img src="a.png">') == f'<img alt="{DEFAULT_ALT}" src="a.png">'
    assert add_missing_alt('<img alt="mine" src="a.png">') == '<img alt="mine" src="a.png">'
    assert add_missing_alt('<IMG\nsrc="a.png"/>') == f'<img alt="{DEFAULT_ALT}"\nsrc="a.png"/>'
    assert add_missing_alt("<imgx> and <img>") == f'<imgx> and <img alt="{DEFAULT_ALT}">'


def test_later_pages_reuse_the_compiled_templates_and_stay_the_same(monkeypatch):
    """Does a new exporter (nbgrader makes one per page) render from the templates compiled for the first page, to the same page?"""
    monkeypatch.setattr("gdgrade.feedback_page.COMPILED_TEMPLATES", fresh := CompiledTemplates())
    nb = graded_notebook()
    first, _ = FeedbackPage(template_name="classic").from_notebook_node(nb)
    assert fresh.compiled, "the first page's templates were not kept"
    compiled = []
    monkeypatch.setattr(fresh, "dump_bytecode", compiled.append)
    second, _ = FeedbackPage(template_name="classic").from_notebook_node(nb)
    assert second == first
    assert not compiled, f"{len(compiled)} templates were compiled again for the second page"

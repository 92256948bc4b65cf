"""Make what a student's notebook shows inert before an instructor, a teaching assistant or a student sees it.

Student code runs in the sandbox, but what it displays (HTML, JavaScript, SVG, Markdown, LaTeX,
widget views) and what a student writes in a markdown cell (raw HTML) end up in the autograded
notebook, which formgrader and the feedback pages render in a browser with the instructor's rights.
`SanitizeOutputs` runs as the last step of nbgrader's autograde (nbgrader_config.py), so nbgrader's
own tools and formgrader see only the cleaned notebook:

- HTML outputs are cleaned by nh3 (the Ammonia sanitizer): tables, text formatting, lists, links and
  images embedded as PNG, JPEG or GIF data stay; scripts, event handlers, styles, `javascript:` and
  relative URLs, frames, objects, embeds, forms and remote images go.
- Markdown outputs and student markdown cells are rendered to HTML (as nbconvert renders them) and
  cleaned the same way; LaTeX outputs become plain text; math commands that make links or run
  HTML (`\\href`, `\\url`, `\\class`, `\\style`, `\\cssId`, `\\unicode`, `\\require`) are defused.
- JavaScript, SVG, widget views and every other kind of output are dropped, with a plain-text note
  in their place; the notebook's widget state is dropped; attachments other than PNG, JPEG and GIF go.

Each cell whose content had something active is named in the notebook's metadata
(`gdlab.flags`, beside what GuardedExecute saw while the notebook ran), and the submission is
flagged for review in the gradebook. The unmodified
notebook is kept for audit as `grading/audit/<student>/<assignment>/<notebook>.original.json`
(JSON, not a notebook, so that no Jupyter tool renders it).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nh3
from nbgrader.preprocessors import NbGraderPreprocessor

SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul", "var",
}
SAFE_ATTRIBUTES = {
    "*": {"class", "title", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_DATA = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$")
KEPT_MIME = ("text/plain", "image/png", "image/jpeg", "image/gif")
ATTACHMENT_MIME = ("image/png", "image/jpeg", "image/gif")
ACTIVE_MATH = re.compile(r"\\(href|url|class|style|cssId|unicode|require|html|data)\b")
REMOVED_NOTE = "[{mime} output removed: only text, HTML without scripts, and PNG/JPEG/GIF images are shown]"


def _url_allowed(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: images only as embedded PNG/JPEG/GIF; links to http(s), mailto, or within the site.

    A link loads nothing until it is clicked, and then only a page; a relative or in-page link stays
    (nbconvert's heading anchors, links between notebooks). Anything loaded by itself must be embedded.
    """
    if tag == "img" and attribute == "src":
        return value if IMAGE_DATA.match(value) else None
    if attribute == "href":
        scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
        return value if scheme is None or scheme.group(1).lower() in LINK_SCHEMES else None
    return value


def clean_html(html: str) -> str:
    """HTML with nothing active left: only SAFE_TAGS and SAFE_ATTRIBUTES, no scripts, styles or remote resources."""
    return nh3.clean(html, tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES, clean_content_tags={"script", "style"},
                     attribute_filter=_url_allowed, url_schemes=LINK_SCHEMES | {"data"},
                     link_rel="noopener noreferrer nofollow")


ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "textarea",
               "select", "link", "meta", "base", "svg", "math", "template", "portal", "audio", "video", "source", "track"}
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "xlink:href", "data", "background"}
ACTIVE_CSS = re.compile(r"url\s*\(|expression\s*\(|@import|javascript:", re.IGNORECASE)


class _ActiveFinder(HTMLParser):
    """Collects what in a piece of HTML runs script or loads something (harmless markup the cleaner drops is not listed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"
        if tag in ACTIVE_TAGS:
            self.found.add(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.found.add(f"an {name} handler")
            elif name == "style" and ACTIVE_CSS.search(value):
                self.found.add("a style that loads or runs something")
            elif name in URL_ATTRIBUTES and value and _url_allowed(tag, "href" if name == "href" else "src", value) is None:
                self.found.add(f"a {name} of {value[:40]!r}")

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style and ACTIVE_CSS.search(data):
            self.found.add("a style that loads or runs something")


def active_parts(html: str) -> set[str]:
    """What in `html` is active (scripts, handlers, frames, forms, remote or script URLs); empty when it is inert."""
    finder = _ActiveFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def defuse_math(text: str) -> str:
    """LaTeX with its link and HTML commands turned into plain text (\\href{x}{y} shows as href{x}{y})."""
    return ACTIVE_MATH.sub(lambda m: m.group(1), text)


def rendered_markdown(source: str) -> str:
    """Markdown rendered to HTML as nbconvert renders it for formgrader and feedback (raw HTML passes through)."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments={}, embed_images=False)).render(source)


def markdown_to_safe_html(source: str) -> str:
    """Markdown rendered as nbconvert renders it, then cleaned; math is kept for MathJax, without active commands."""
    return defuse_math(clean_html(rendered_markdown(source)))


def sanitise_output(output: dict) -> list[str]:
    """Clean one output in place; return what active content it had (empty when it was inert)."""
    data = output.get("data")
    if output.get("output_type") not in ("display_data", "execute_result") or not isinstance(data, dict):
        return []
    found: list[str] = []
    kept = {mime: value for mime, value in data.items() if mime in KEPT_MIME}
    for mime, value in data.items():
        text = "".join(value) if isinstance(value, list) else str(value)
        if mime == "text/html":
            parts = active_parts(text)
            found += sorted(f"HTML output with {part}" for part in parts)
            kept["text/html"] = clean_html(text)
        elif mime == "text/markdown":
            parts = active_parts(rendered_markdown(text))
            found += sorted(f"Markdown output with {part}" for part in parts)
            kept.setdefault("text/html", markdown_to_safe_html(text))
        elif mime == "text/latex":
            if ACTIVE_MATH.search(text):
                found.append("LaTeX output with a link or HTML command")
            kept.setdefault("text/plain", text)
        elif mime not in KEPT_MIME:
            found.append(f"{mime} output")
            plain = kept.get("text/plain")
            plain = "".join(plain) if isinstance(plain, list) else plain
            kept["text/plain"] = f"{plain}\n{REMOVED_NOTE.format(mime=mime)}" if plain else REMOVED_NOTE.format(mime=mime)
    output["data"] = kept
    if "metadata" in output:
        output["metadata"] = {m: v for m, v in output["metadata"].items() if m in KEPT_MIME}
    return found


def is_student_markdown(cell) -> bool:
    """A markdown cell whose text the student wrote: an answer cell, or a cell of their own (no nbgrader lock)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and not (meta.get("locked") and not meta.get("solution"))


def sanitise_markdown_cell(cell) -> list[str]:
    """Clean a student's markdown cell in place (its source becomes cleaned HTML); return what was active in it."""
    found = [f"written answer with {part}" for part in sorted(active_parts(rendered_markdown(cell.source)))]
    if ACTIVE_MATH.search(cell.source):
        found.append("written answer with a math link or HTML command")
    attachments = cell.get("attachments") or {}
    for name, files in list(attachments.items()):
        dropped = [mime for mime in files if mime not in ATTACHMENT_MIME]
        found += [f"attachment {name} of type {mime}" for mime in dropped]
        attachments[name] = {mime: data for mime, data in files.items() if mime in ATTACHMENT_MIME}
    if found:
        cell.source = markdown_to_safe_html(cell.source)
    return found


def cell_label(cell, index: int) -> str:
    """How a flag names a cell: its grade_id, or its position."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {grade_id}" if grade_id else f"cell {index + 1}"


def sanitise_notebook(nb) -> list[str]:
    """Clean every student-controlled part of a notebook in place; return one line per cell that had active content."""
    flags = []
    for index, cell in enumerate(nb.cells):
        found: list[str] = []
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                found += sanitise_output(output)
        elif is_student_markdown(cell):
            found += sanitise_markdown_cell(cell)
        if found:
            flags.append(f"{cell_label(cell, index)}: active content removed ({', '.join(dict.fromkeys(found))})")
    if "widgets" in nb.metadata:
        del nb.metadata["widgets"]
    return flags


class SanitizeOutputs(NbGraderPreprocessor):
    """nbgrader's last autograde step: keep the notebook as it ran for audit, then make it inert (see the module)."""

    def preprocess(self, nb, resources):
        """Save the original for audit, clean the notebook, and record in its metadata which cells were cleaned."""
        info = resources.get("nbgrader", {})
        if info.get("student") and info.get("assignment"):
            self._keep_original(nb, info)
        flags = list(resources.get("gdlab", {}).get("flags", [])) + sanitise_notebook(nb)
        nb.metadata.setdefault("gdlab", {})["flags"] = flags
        if flags and info.get("db_url") and info.get("student"):
            from nbgrader.coursedir import CourseDirectory

            from gdgrade.untrusted.review import flag_for_review

            course = CourseDirectory(config=self.config).course_id or "default_course"
            flag_for_review(info["db_url"], course, info["student"], info["assignment"])
        return nb, resources

    def _keep_original(self, nb, info: dict) -> None:
        """Write the notebook as it ran to the audit folder."""
        from gdgrade.course import layout

        folder = layout(self.config).audit / info["student"] / info["assignment"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{info.get('notebook', 'notebook')}.original.json").write_text(json.dumps(nb, default=str))


def review_flags(notebook_path: Path) -> list[str]:
    """The review flags autograding left in a notebook's metadata: what ran dishonestly, what was made inert ([] if none)."""
    try:
        return list(json.loads(Path(notebook_path).read_text())["metadata"].get("gdlab", {}).get("flags", []))
    except (OSError, ValueError, KeyError, AttributeError):
        return []

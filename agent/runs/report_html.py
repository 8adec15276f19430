"""The run report's page: HTML and CSS for a ReportView (agent.runs.report gathers it).

No script and no external resource: the page is plain HTML and CSS with its images as data URIs, so it renders
the same from a run directory, an e-mail attachment or a browser with the network blocked. Opening a step
(clicking its screen or thumbnail, or the URL `report.html#step-N`) shows it over the page, screen at full
size, through CSS `:target` (an overlay fixed to the window: where it appears does not depend on scrolling). Marks are an SVG laid over the screen with the screen's own pixel grid as its viewBox, so a click is
drawn at its exact pixel at full size and at the same place, scaled, in the overview.
"""

from __future__ import annotations

import html
import json

from agent.runs.page_style import BASE_CSS
from agent.runs.report_view import ReportView, Shot, StepView

MARK_COLOUR = "#ff00ff"  # magenta: rare on desktops, so the mark reads on any screen (the browser test looks for it)
PREVIEW_WIDTH = 640

_CSS = BASE_CSS + f"""
main{{padding-bottom:85vh}}
nav.strip{{display:flex;gap:6px;overflow-x:auto;padding:8px 0;border-bottom:1px solid #ccc}}
nav.strip a{{flex:0 0 auto;text-align:center;color:#222;text-decoration:none;font-size:.8em}}
nav.strip img{{display:block;width:{96}px;border:2px solid #999}}
nav.strip a.bad img{{border-color:#b00}}
nav.strip span.blank{{display:block;width:96px;height:60px;border:2px solid #ccc;line-height:60px}}
section.step{{border-bottom:1px solid #ddd;padding:10px 0}}
section.step h2{{font-size:1.05em;margin:4px 0 8px}}
section.step.bad h2{{color:#b00}}
.screens{{display:flex;flex-wrap:wrap;gap:12px}}
figure{{margin:0}}
figcaption{{font-size:.8em;color:#666}}
a.shot{{position:relative;display:inline-block;line-height:0}}
a.shot img{{width:{PREVIEW_WIDTH}px;height:auto;border:0;display:block;outline:1px solid #999}}
section.step:target{{position:fixed;inset:0;z-index:10;overflow:auto;background:#fff;padding:0 24px 24px;border:0}}
section.step:target a.shot img{{width:auto;max-width:none}}
a.close,span.nav{{display:none;font-weight:normal;font-size:.85em;margin-left:12px}}
section.step:target a.close,section.step:target span.nav{{display:inline}}
svg.mark{{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;overflow:visible}}
.mark circle.ring,.mark polyline{{fill:none;stroke:{MARK_COLOUR};stroke-width:3px;vector-effect:non-scaling-stroke}}
.mark circle.dot{{fill:{MARK_COLOUR}}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:6px;max-width:1000px;margin:4px 0}}
.timings{{color:#555;font-size:.85em}}
.attribution{{padding:1px 8px;border-radius:4px;color:#fff;background:#6a1b9a;font-size:.85em}}
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def render(view: ReportView) -> str:
    """The report as one HTML document."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>deskpilot: {_e(view.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1 id='top'>{_e(view.title)} <span class='outcome outcome-{_e(view.outcome)}'>{_e(view.outcome)}</span></h1>",
        "<table class='summary'>" + "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in view.summary) + "</table>",
    ]
    if view.notes:
        parts.append("<ul class='notes'>" + "".join(f"<li>{_e(n)}</li>" for n in view.notes) + "</ul>")
    parts.append(_strip(view))
    parts += [_step(view, step) for step in view.steps]
    if view.final is not None:
        parts.append("<section class='step' id='final'><h2>Final screen <a class='close' href='#top'>close</a></h2>"
                     "<div class='screens'><figure>"
                     f"{_screen(view.final, (), 'final', 'the final screen')}</figure></div></section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _strip(view: ReportView) -> str:
    items = []
    for step in view.steps:
        bad = " class='bad'" if step.diverged or step.problems or step.attribution else ""
        image = (f"<img src='{step.shot.thumb}' alt='step {step.index}'>" if step.shot
                 else "<span class='blank'>no screen</span>")
        items.append(f"<a href='#step-{step.index}'{bad} title='{_e(step.words)}'>{image}{step.index}</a>")
    if view.final is not None:
        items.append(f"<a href='#final' title='final screen'><img src='{view.final.thumb}' alt='final screen'>end</a>")
    return "<nav class='strip'>" + "".join(items) + "</nav>"


def _step(view: ReportView, step: StepView) -> str:
    anchor = f"step-{step.index}"
    bad = " bad" if step.diverged or step.problems or step.attribution else ""
    heading = f"Step {step.index}: {_e(step.words)}"
    if step.attribution:
        heading += f" <span class='attribution'>{_e(step.attribution)} error</span>"
    if step.performed is False:
        heading += " <em>(not performed)</em>"
    if view.replay and step.diff_fraction is not None:
        heading += f" <em>({'diverged' if step.diverged else 'matched'}: {step.diff_fraction:.1%} different)</em>"
    screens = []
    if view.replay:
        recorded = (_screen(step.recorded, step.marks, anchor, f"step {step.index}, recorded") if step.recorded
                    else "<p>(no recorded screen)</p>")
        screens.append(f"<figure><figcaption>recorded</figcaption>{recorded}</figure>")
    if step.shot is not None:
        caption = "<figcaption>this replay</figcaption>" if view.replay else ""
        screens.append(f"<figure>{caption}{_screen(step.shot, step.marks, anchor, f'step {step.index}')}</figure>")
    heading += f"<a class='close' href='#top'>close</a>{_neighbours(view, step)}"
    body = [f"<section class='step{bad}' id='{anchor}'><h2>{heading}</h2>"]
    if screens:
        body.append("<div class='screens'>" + "".join(screens) + "</div>")
    if step.attribution:
        body.append(f"<p class='expert'><b>agent</b>: {_e(step.words)}<br><b>expert</b>: "
                    f"{_e(step.expert or '(no expert step)')}</p>")
    if step.thought:
        body.append(f"<p><b>thought</b></p><pre>{_e(step.thought)}</pre>")
    if step.raw_text and step.raw_text.strip() != step.thought.strip():
        body.append(f"<details><summary>model reply</summary><pre>{_e(step.raw_text)}</pre></details>")
    for n, rejected in enumerate(step.rejected, start=1):
        body.append(f"<p class='problem'>rejected answer {n}: {_e(rejected.get('error', ''))}</p>"
                    f"<pre>{_e(rejected.get('raw_text', ''))}</pre>")
    body += [f"<p class='problem'>{_e(problem)}</p>" for problem in step.problems]
    if step.timings:
        body.append("<p class='timings'>" + ", ".join(f"{_e(k)} {_ms(v)}" for k, v in step.timings.items()) + "</p>")
    body.append("</section>")
    return "".join(body)


def _neighbours(view: ReportView, step: StepView) -> str:
    """Links to the previous and next step, for paging through the full-size views."""
    position = next(n for n, s in enumerate(view.steps) if s is step)
    links = []
    if position > 0:
        links.append(f"<a href='#step-{view.steps[position - 1].index}'>&larr; previous</a>")
    if position + 1 < len(view.steps):
        links.append(f"<a href='#step-{view.steps[position + 1].index}'>next &rarr;</a>")
    elif view.final is not None:
        links.append("<a href='#final'>final screen &rarr;</a>")
    return "<span class='nav'>" + " ".join(links) + "</span>"


def _screen(shot: Shot, points, anchor: str, alt: str) -> str:
    """The screen, linked to its step's full-size view, with the action's marks over it."""
    w, h = shot.size
    overlay = ""
    if points:
        shapes = []
        if len(points) > 1:
            shapes.append("<polyline points='" + " ".join(f"{x + .5},{y + .5}" for x, y in points) + "'/>")
        for x, y in points:
            # Centred on the middle of the pixel, so the pixel itself is inside the dot.
            shapes.append(f"<circle class='ring' cx='{x + .5}' cy='{y + .5}' r='14'/>"
                          f"<circle class='dot' cx='{x + .5}' cy='{y + .5}' r='3'/>")
        overlay = (f"<svg class='mark' viewBox='0 0 {w} {h}' preserveAspectRatio='none'>{''.join(shapes)}</svg>")
    return f"<a class='shot' href='#{anchor}'><img src='{shot.full}' width='{w}' height='{h}' alt='{_e(alt)}'>{overlay}</a>"


def _ms(value) -> str:
    return f"{value:.0f} ms" if isinstance(value, (int, float)) else _e(json.dumps(value))

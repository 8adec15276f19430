"""The look deskpilot's pages share: the run report (agent.runs.report_html) and the live view of a sandbox
(agent.cli.live_view). One stylesheet for the fonts, colours, the header and its badge, and the summary table,
so a run watched live and its report afterwards read as the same tool."""

from __future__ import annotations

BASE_CSS = """
body{font-family:DejaVu Sans,Arial,sans-serif;margin:0 24px;color:#222;background:#fff}
h1{font-size:1.4em;margin:16px 0 8px}
table.summary td{padding:2px 14px 2px 0;vertical-align:top}
table.summary td:first-child{color:#666;white-space:nowrap}
.outcome{padding:1px 8px;border-radius:4px;color:#fff;background:#b00}
.outcome-done,.outcome-replayed,.outcome-live{background:#080}
.outcome-connecting{background:#777}
.notes li{color:#8a5a00}
.problem{color:#b00}
"""

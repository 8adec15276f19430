"""`deskpilot parse`: run a model family's parser on a reply and show the screen-pixel actions it maps to."""

from __future__ import annotations

import sys

import typer

from agent.cli import values
from agent.cli.common import EXIT_FAILED, UsageError, err_console, print_json

MIN_MODEL_INPUT = 28  # one 28x28 patch: the smallest image a Qwen-family model is given


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deskpilot` app."""

    @app.command("parse")
    def parse(
        text: str = typer.Argument(..., help="The model's reply, or '-' to read it from stdin."),
        format: str = typer.Option(..., "--format", "-f", help="Model family: ui-tars, qwen25-computer-use, qwen3, os-atlas, uground, showui."),
        screen: str = typer.Option(..., "--screen", help="Screen size WxH the screenshot had, e.g. 1920x1080."),
        model_input: str | None = typer.Option(
            None, "--model-input", help="Image size WxH the model saw (default: the family's smart resize of --screen)."
        ),
        grounding: bool = typer.Option(False, "--grounding", help="Read the reply as a grounding answer (one point)."),
    ) -> None:
        """Parse MODEL TEXT and print the actions in screen pixels as JSON, with the frame and the model-space points."""
        from dataclasses import replace

        from actions.schema import dump_action
        from perception.errors import ModelOutputError
        from perception.formats import FORMAT_NAMES, get_format

        if format not in FORMAT_NAMES:
            raise UsageError(f"unknown --format {format!r}; choose one of: {', '.join(FORMAT_NAMES)}")
        fmt = get_format(format)
        screen_size = values.size(screen, "--screen")
        try:
            frame = fmt.frame(screen_size)
        except ValueError as e:
            raise UsageError(f"--screen {screen_size}: {e}") from None
        if model_input is not None:
            frame = replace(frame, model_input=values.size(model_input, "--model-input", minimum=MIN_MODEL_INPUT))
        reply = sys.stdin.read() if text == "-" else text
        frame_json = {"convention": frame.convention, "screen": str(frame.screen), "model_input": str(frame.model_input)}
        try:
            if grounding:
                g = fmt.parse_grounding(reply, frame)
                print_json({"format": fmt.name, "frame": frame_json, "x": g.x, "y": g.y, "box": list(g.box) if g.box else None})
                return
            proposal = fmt.parse(reply, frame)
        except ModelOutputError as e:
            err_console().print(f"[bold red]cannot parse the {fmt.name} reply:[/] {e}", highlight=False)
            raise typer.Exit(EXIT_FAILED) from None
        print_json({
            "format": fmt.name,
            "frame": frame_json,
            "thought": proposal.thought,
            "actions": [dump_action(a) for a in proposal.actions],
            "model_points": list(proposal.model_points),
        })

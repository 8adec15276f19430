"""Training and evaluation data generators: screens rendered in sandboxes with exact ground truth.

`generate.generate(GenSpec(...), out)` writes a ScreenSpot-format grounding dataset; `scenes` draws the
random window specs and `tk_render` draws them with Tk inside a sandbox display.
"""

# Bump when a change alters the rows a given seed produces; recorded in every row and manifest.
GENERATOR_VERSION = "tk-1"

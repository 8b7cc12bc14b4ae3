"""CSM (Sesame Conversational Speech Model) to ONNX bundle exporter.

See tools/csm-export/README.md and docs/BUNDLE-FORMAT.md.
"""

EXPORTER_VERSION = "1.1.0"
# 2: adds the Mimi encoder graph (graphs.mimi_encoder) for voice prompts; version-1 bundles lack it
FORMAT_VERSION = 2

__all__ = ["EXPORTER_VERSION", "FORMAT_VERSION"]

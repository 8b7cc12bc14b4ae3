"""CSM (Sesame Conversational Speech Model) to ONNX bundle exporter.

See tools/csm-export/README.md and docs/BUNDLE-FORMAT.md.
"""

EXPORTER_VERSION = "1.0.0"
FORMAT_VERSION = 1

__all__ = ["EXPORTER_VERSION", "FORMAT_VERSION"]

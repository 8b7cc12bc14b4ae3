#!/bin/sh
# export-bundle OUT [export options...]: writes the CSM ONNX bundle to OUT unless a bundle that passes
# `csm_export verify` is already there. Exports into OUT.partial first and renames it when verified, so a worker
# never sees half a bundle. Model: CSM_EXPORT_MODEL (default sesame/csm-1b, gated: HF_TOKEN).
set -eu
out="${1:?usage: export-bundle OUT_DIR [python -m csm_export export options]}"
shift
if [ -f "$out/manifest.json" ] && python -m csm_export verify --bundle "$out"; then
  echo "export-bundle: $out holds a verified bundle; nothing to do (delete it to export again)"
  exit 0
fi
partial="$out.partial"
rm -rf "$partial"
python -m csm_export export --model "${CSM_EXPORT_MODEL:-sesame/csm-1b}" --out "$partial" "$@"
python -m csm_export verify --bundle "$partial"
if [ -e "$out" ]; then
  rm -rf "$out.old"
  mv "$out" "$out.old"
fi
mv "$partial" "$out"
rm -rf "$out.old"
echo "export-bundle: bundle ready in $out; set CSM_MODEL_DIR=$out for the workers"

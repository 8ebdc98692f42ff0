"""``python -m index.encoders``: build the cached int8 ONNX export now (scripts/install.sh)."""
from index.encoders.onnx_int8 import main

main()

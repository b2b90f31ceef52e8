#!/usr/bin/env bash
# Compile vpp-rpc's protos into Python stubs (examples/python/stubs/), with
# Debian's grpc_tools (apt-get install python3-grpcio python3-grpc-tools).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto=$(cd "$here/../../proto" && pwd)
mkdir -p "$here/stubs"
cd "$proto"
/usr/bin/python3 -m grpc_tools.protoc -I . --python_out="$here/stubs" --grpc_python_out="$here/stubs" $(find . -name '*.proto')
echo "stubs in $here/stubs"

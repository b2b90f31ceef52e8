#!/usr/bin/env bash
# vpp-rpc over REST with curl: a version, a loopback brought up with an
# address, the interfaces as NDJSON, and what an error looks like.
#   VPP_RPC_URL=http://localhost:9191 examples/curl.sh
set -euo pipefail
url=${VPP_RPC_URL:-http://localhost:9191}

echo "# show_version"
curl -s -X POST "$url/Vpe/ShowVersion/request"
echo

echo "# create_loopback"
loop=$(curl -s -X POST "$url/Interface/CreateLoopback/request" -d '{"mac_address": "02:fe:00:00:00:42"}')
echo "$loop"
idx=$(echo "$loop" | sed -E 's/.*"sw_if_index":([0-9]+).*/\1/')

echo "# admin up and an address"
curl -s -X POST "$url/Interface/SwInterfaceSetFlags/request" -d "{\"sw_if_index\": $idx, \"flags\": [\"IF_STATUS_API_FLAG_ADMIN_UP\"]}"
echo
curl -s -X POST "$url/Interface/SwInterfaceAddDelAddress/request" -d "{\"sw_if_index\": $idx, \"is_add\": true, \"prefix\": \"192.0.2.1/24\"}"
echo

echo "# the interfaces, one JSON object per line"
curl -s -X POST -H 'Accept: application/x-ndjson' "$url/Interface/SwInterfaceDump/request"

echo "# an error: HTTP 404, VPP's retval in the body"
curl -s -w ' (HTTP %{http_code})\n' -X POST "$url/Interface/SwInterfaceSetFlags/request" -d '{"sw_if_index": 9999}'

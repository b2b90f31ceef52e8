#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: Python grpcio and
# grpc_tools (the Python gRPC client), Python protobuf (the cross-check of
# lib/protobuf), Chromium (the docs page test), docker-compose (validates
# docker/compose.yaml; building images needs a Docker engine, which tests do not),
# etcd and etcdctl (the fleet tests start clusters of their own), PyYAML (reads the
# deployment files in tests).
set -euo pipefail
need=()
/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null || need+=(python3-grpcio python3-grpc-tools)
/usr/bin/python3 -c 'import google.protobuf' 2>/dev/null || need+=(python3-protobuf)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
[ -x /usr/bin/etcd ] || need+=(etcd-server)
[ -x /usr/bin/etcdctl ] || need+=(etcd-client)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"

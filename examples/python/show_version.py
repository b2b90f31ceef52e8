"""vpp-rpc over gRPC from Python: VPP's version and its interfaces.

    examples/python/make_stubs.sh
    /usr/bin/python3 examples/python/show_version.py [localhost:9111]
"""
import os
import sys

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "stubs"))
from vpp import interface_pb2, interface_pb2_grpc, vpe_pb2, vpe_pb2_grpc  # noqa: E402

target = sys.argv[1] if len(sys.argv) > 1 else "localhost:9111"
with grpc.insecure_channel(target) as channel:
    version = vpe_pb2_grpc.VpeStub(channel).ShowVersion(vpe_pb2.ShowVersion(), timeout=5)
    print(f"{version.program} {version.version} built {version.build_date}")

    interfaces = interface_pb2_grpc.InterfaceStub(channel)
    for itf in interfaces.SwInterfaceDump(interface_pb2.SwInterfaceDump(), timeout=5):
        print(f"{itf.sw_if_index:4} {itf.interface_name:20} {itf.l2_address}")

    try:
        interfaces.SwInterfaceSetFlags(interface_pb2.SwInterfaceSetFlags(sw_if_index=9999), timeout=5)
    except grpc.RpcError as e:
        retval = dict(e.trailing_metadata()).get("vpp-retval")
        print(f"error: {e.code().name}: {e.details()} (retval {retval})")

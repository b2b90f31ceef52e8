"""Interface events over gRPC: the stream lasts as long as the call.

    /usr/bin/python3 examples/python/watch_interfaces.py [localhost:9111] [count]

Prints each sw_interface_event; Ctrl-C (or `count` events) ends the watch and
vpp-rpc unsubscribes from VPP when its last watcher leaves.
"""
import os
import sys

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "stubs"))
from vpp import interface_pb2, interface_pb2_grpc, interface_types_pb2  # noqa: E402

target = sys.argv[1] if len(sys.argv) > 1 else "localhost:9111"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 0
flag_name = interface_types_pb2.IfStatusFlags.Name

with grpc.insecure_channel(target) as channel:
    events = interface_pb2_grpc.InterfaceStub(channel).WantInterfaceEvents(interface_pb2.WantInterfaceEvents())
    events.initial_metadata()  # the subscription is live once the headers arrive
    print("watching interface events", flush=True)
    seen = 0
    try:
        for ev in events:
            flags = ", ".join(flag_name(f) for f in ev.flags) or "down"
            print(f"sw_if_index {ev.sw_if_index}: {flags}{' (deleted)' if ev.deleted else ''}", flush=True)
            seen += 1
            if count and seen >= count:
                break
    except KeyboardInterrupt:
        pass
    events.cancel()

"""Bulk programming from Python: 100,000 routes through one vpprpc.Batch/Call stream.

    examples/python/make_stubs.sh
    /usr/bin/python3 examples/python/program_routes.py [localhost:9111] [count]

The routes (10.64.0.0 upwards, /32, via 192.0.2.1) go into table ROUTES_TABLE
(4243), which the script creates first and removes at the end with every route
in it. Items go out as the stream takes them (grpcio pulls from the generator:
a slow server slows the generator, nothing piles up); answers come back in
request order, each with its item's id. Prints a summary line as JSON.
"""
import json
import os
import sys
import time

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "stubs"))
from google.protobuf import any_pb2  # noqa: E402
from vpp import ip_pb2, ip_pb2_grpc  # noqa: E402
from vpp import fib_types_pb2, ip_types_pb2  # noqa: E402
from vpprpc import batch_pb2, batch_pb2_grpc  # noqa: E402

target = sys.argv[1] if len(sys.argv) > 1 else "localhost:9111"
count = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get("ROUTES", "100000"))
table_id = int(os.environ.get("ROUTES_TABLE", "4243"))


def route(i, is_add=True):
    """The i-th route, packed into an Any as the stream carries it."""
    request = ip_pb2.IpRouteAddDel(
        is_add=is_add,
        route=ip_pb2.IpRoute(
            table_id=table_id,
            prefix=f"10.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32",
            paths=[
                fib_types_pb2.FibPath(
                    sw_if_index=0xFFFFFFFF,
                    weight=1,
                    nh=fib_types_pb2.FibPathNh(address=ip_types_pb2.AddressUnion(ip4="192.0.2.1")),
                )
            ],
        ),
    )
    packed = any_pb2.Any()
    packed.Pack(request)
    return packed


def items():
    for i in range(count):
        yield batch_pb2.BatchRequest(
            id=i,
            rpc="Ip/IpRouteAddDel",
            request=route(i),
            options=batch_pb2.BatchOptions(window=1024) if i == 0 else None,
        )


with grpc.insecure_channel(target) as channel:
    ip = ip_pb2_grpc.IpStub(channel)
    ip.IpTableAddDel(ip_pb2.IpTableAddDel(is_add=True, table=ip_pb2.IpTable(table_id=table_id, name="bulk")), timeout=10)
    started = time.monotonic()
    ok = failed = 0
    expected = 0
    for answer in batch_pb2_grpc.BatchStub(channel).Call(items()):
        if answer.id != expected:
            raise SystemExit(f"answer {answer.id} came where {expected} was due")
        expected += 1
        if answer.HasField("error"):
            failed += 1
            if failed <= 5:
                print(f"route {answer.id}: code {answer.error.code}: "
                      f"{answer.error.message}", file=sys.stderr)
        else:
            reply = ip_pb2.IpRouteAddDelReply()
            answer.reply.Unpack(reply)
            ok += 1
    seconds = time.monotonic() - started
    # removing the table removes its routes
    ip.IpTableAddDel(ip_pb2.IpTableAddDel(is_add=False, table=ip_pb2.IpTable(table_id=table_id)), timeout=60)
    print(json.dumps({"routes": count, "ok": ok, "failed": failed, "seconds": round(seconds, 3),
                      "per_second": round(ok / seconds) if seconds else None}))
    sys.exit(1 if failed or ok != count else 0)

"""The calls of the gRPC end-to-end test, made with Debian's grpcio from stubs
compiled out of proto/. Prints one JSON object with what each call returned."""
import json
import sys
import threading

import grpc

target, stub_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, stub_dir)

from vpp import interface_pb2, interface_pb2_grpc, ip_pb2, ip_pb2_grpc, vpe_pb2, vpe_pb2_grpc  # noqa: E402
from vpp import interface_types_pb2  # noqa: E402

out = {}
channel = grpc.insecure_channel(target)
grpc.channel_ready_future(channel).result(timeout=10)
vpe = vpe_pb2_grpc.VpeStub(channel)
itf = interface_pb2_grpc.InterfaceStub(channel)
ip = ip_pb2_grpc.IpStub(channel)

v = vpe.ShowVersion(vpe_pb2.ShowVersion(), timeout=5)
out["show_version"] = {"retval": v.retval, "program": v.program, "version": v.version}

loop = itf.CreateLoopback(interface_pb2.CreateLoopback(mac_address="02:fe:12:34:56:78"), timeout=5)
idx = loop.sw_if_index
out["create_loopback"] = {"retval": loop.retval, "sw_if_index": idx}

# an event subscription that lasts as long as the call: read events in a thread
events = []
subscribed = threading.Event()
watch = itf.WantInterfaceEvents(interface_pb2.WantInterfaceEvents(), timeout=20)


def read_events():
    try:
        for ev in watch:
            events.append({"sw_if_index": ev.sw_if_index, "flags": list(ev.flags), "deleted": ev.deleted})
            if len(events) >= 1:
                break
    except grpc.RpcError as e:
        events.append({"error": e.code().name})


watch.initial_metadata()  # the server sends headers once the subscription is live
reader = threading.Thread(target=read_events)
reader.start()

flags = itf.SwInterfaceSetFlags(
    interface_pb2.SwInterfaceSetFlags(
        sw_if_index=idx, flags=[interface_types_pb2.IF_STATUS_API_FLAG_ADMIN_UP]
    ),
    timeout=5,
)
out["set_flags"] = {"retval": flags.retval}
reader.join(timeout=10)
watch.cancel()
out["events"] = events

addr = itf.SwInterfaceAddDelAddress(
    interface_pb2.SwInterfaceAddDelAddress(sw_if_index=idx, is_add=True, prefix="10.10.1.1/24"), timeout=5
)
out["add_address"] = {"retval": addr.retval}

details = list(itf.SwInterfaceDump(interface_pb2.SwInterfaceDump(), timeout=5))
out["interfaces"] = [
    {"sw_if_index": d.sw_if_index, "name": d.interface_name, "mac": d.l2_address, "flags": list(d.flags)} for d in details
]
one = list(itf.SwInterfaceDump(interface_pb2.SwInterfaceDump(sw_if_index=idx), timeout=5))
out["interfaces_by_index"] = [d.interface_name for d in one]

route = ip_pb2.IpRouteAddDel(is_add=True)
route.route.table_id = 0
route.route.prefix = "192.168.100.0/24"
path = route.route.paths.add()
path.sw_if_index = idx
path.weight = 1
path.nh.address.ip4 = "10.10.1.2"
r = ip.IpRouteAddDel(route, timeout=5)
out["route_add"] = {"retval": r.retval, "stats_index": r.stats_index}

routes = list(ip.IpRouteDump(ip_pb2.IpRouteDump(table=ip_pb2.IpTable(table_id=0)), timeout=5))
out["routes"] = [
    {"prefix": x.route.prefix, "paths": [{"sw_if_index": p.sw_if_index, "nh": p.nh.address.ip4} for p in x.route.paths]}
    for x in routes
]


def error_of(fn):
    try:
        fn()
        return None
    except grpc.RpcError as e:
        md = dict(e.trailing_metadata() or [])
        return {"code": e.code().name, "details": e.details(), "retval": md.get("vpp-retval"), "symbol": md.get("vpp-symbol")}


out["error_missing_interface"] = error_of(
    lambda: itf.SwInterfaceSetFlags(interface_pb2.SwInterfaceSetFlags(sw_if_index=9999, flags=[]), timeout=5)
)
out["error_bad_prefix"] = error_of(
    lambda: itf.SwInterfaceAddDelAddress(
        interface_pb2.SwInterfaceAddDelAddress(sw_if_index=idx, is_add=True, prefix="10.10.1.300/24"), timeout=5
    )
)
out["error_deadline"] = error_of(lambda: vpe.ShowVersion(vpe_pb2.ShowVersion(), timeout=0.000001))

print(json.dumps(out))

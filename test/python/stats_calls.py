"""vpprpc.Stats called with Debian's grpcio from stubs compiled out of proto/:
interface counters by name, a read of /if/rx per thread, names by pattern, and
two samples of a watch. Prints one JSON object with what each call returned."""
import json
import sys

import grpc

target, stub_dir, interface = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, stub_dir)

from vpprpc import stats_pb2, stats_pb2_grpc  # noqa: E402

out = {}
channel = grpc.insecure_channel(target)
grpc.channel_ready_future(channel).result(timeout=10)
stats = stats_pb2_grpc.StatsStub(channel)

r = stats.InterfaceCounters(stats_pb2.InterfaceCountersRequest(name=interface), timeout=10)
out["interfaces"] = [
    {"name": i.name, "sw_if_index": i.sw_if_index, "rx_packets": i.rx.packets, "tx_packets": i.tx.packets, "drops": i.drops}
    for i in r.interfaces
]

r = stats.Read(stats_pb2.StatsReadRequest(patterns=["^/if/rx$"], per_thread=True), timeout=10)
rx = r.entries[0]
out["read"] = {
    "name": rx.name,
    "type": stats_pb2.StatType.Name(rx.type),
    "indexes": len(rx.combined.values),
    "threads": len(rx.combined.values[0].threads),
    "epoch": r.epoch,
}

r = stats.ListNames(stats_pb2.StatsListRequest(patterns=["^/if/names$", "^/sys/vector_rate$"]), timeout=10)
out["names"] = [{"name": n.name, "type": stats_pb2.StatType.Name(n.type)} for n in r.names]

samples = []
for s in stats.Watch(stats_pb2.StatsWatchRequest(patterns=["^/if/rx$"], interval_ms=200), timeout=10):
    samples.append({"seconds": s.seconds, "entries": len(s.entries)})
    if len(samples) == 2:
        break
out["watch"] = samples

try:
    stats.Read(stats_pb2.StatsReadRequest(patterns=["(["]), timeout=10)
    out["bad_pattern"] = "OK"
except grpc.RpcError as e:
    out["bad_pattern"] = e.code().name

print(json.dumps(out))

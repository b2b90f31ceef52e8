"""Python's protobuf as a second opinion for lib/protobuf's tests.

Reads {"modules": DIR, "cases": [{"type", "hex", "json"}]} on stdin, where DIR
holds protoc's Python output. For each case it parses the bytes and the JSON
with google.protobuf and answers, in the same order on stdout:
  hex            the parsed bytes, serialized again (deterministic)
  json           MessageToJson of them (proto names, default values included)
  from_json_hex  the JSON parsed by json_format.Parse, serialized
or {"error": text} when Python refuses the case.
"""
import importlib
import json
import os
import sys

from google.protobuf import json_format, symbol_database


def import_modules(root):
    sys.path.insert(0, root)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith("_pb2.py"):
                module = os.path.relpath(os.path.join(folder, name[:-3]), root)
                importlib.import_module(module.replace(os.sep, "."))


def answer(case):
    cls = symbol_database.Default().GetSymbol(case["type"])
    message = cls.FromString(bytes.fromhex(case["hex"]))
    from_json = json_format.Parse(case["json"], cls())
    return {
        "hex": message.SerializeToString(deterministic=True).hex(),
        "json": json_format.MessageToJson(
            message, preserving_proto_field_name=True, including_default_value_fields=True
        ),
        "from_json_hex": from_json.SerializeToString(deterministic=True).hex(),
    }


def main():
    request = json.load(sys.stdin)
    import_modules(request["modules"])
    answers = []
    for case in request["cases"]:
        try:
            answers.append(answer(case))
        except Exception as error:  # reported to the test, which fails on it
            answers.append({"error": f"{type(error).__name__}: {error}"})
    json.dump(answers, sys.stdout)


main()

#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Validate serve's JSON against tests/data/schemas (python3-jsonschema).

  schema_check.py SCHEMA FILE...   each FILE a JSON document, or JSON lines
                                   (.jsonl); one line per failure, exit 1
"""
import json
import os
import sys

import jsonschema

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "schemas")


def load(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def main(argv):
    store = {n: load(n) for n in os.listdir(HERE) if n.endswith(".schema.json")}
    schema = store[argv[1]]
    for s in store.values():
        jsonschema.Draft7Validator.check_schema(s)
    resolver = jsonschema.RefResolver(base_uri="", referrer=schema, store=store)
    v = jsonschema.Draft7Validator(schema, resolver=resolver)
    bad = n = 0
    for path in argv[2:]:
        with open(path) as f:
            docs = [json.loads(l) for l in f if l.strip()] if path.endswith(".jsonl") else [json.load(f)]
        for d in docs:
            n += 1
            for e in v.iter_errors(d):
                bad += 1
                where = "/".join(str(p) for p in e.absolute_path)
                print(f"{path}: {where}: {e.message[:200]}")
    print(f"{n} documents, {bad} errors")
    return 1 if bad or not n else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

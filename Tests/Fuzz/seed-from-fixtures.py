#!/usr/bin/env python3
# SPDX-License-Identifier: AGPL-3.0-or-later
# Writes the shared report fixtures' messages as report-fuzzer seeds (never copied into the repository).
import json
import os
import sys

shared, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
directory = os.path.join(shared, "fixtures", "reports")
count = 0
for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
    if not name.endswith(".json"):
        continue
    with open(os.path.join(directory, name)) as handle:
        document = json.load(handle)
    messages = []
    if isinstance(document, list):
        messages = document
    elif "message" in document:
        messages = [document["message"]]
    else:
        for key, value in document.items():
            if key in ("source", "_meta"):
                continue
            module = "info" if key == "get_version" else "print"
            for item in value if key == "deltas" else [value]:
                messages.append(item if module in item else {module: item})
    for index, message in enumerate(messages):
        with open(os.path.join(out, f"{name[:-5]}-{index}"), "wb") as handle:
            handle.write(bytes([count % 5]) + json.dumps(message, separators=(",", ":")).encode())
        count += 1
print(f"{count} report seeds from {directory}")

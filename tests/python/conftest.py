"""Shared fixtures: the npm packages the conformance tests compare against, a kinesalite server
for the session, and a tiny Kinesis JSON client for it.

node and npm are required in CI; only where they are missing are the conformance tests skipped.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

CONFORMANCE_DIR = Path(__file__).resolve().parents[1] / "conformance"
NPM_PACKAGES = ("kinesalite", "aws-kinesis-agg")


@pytest.fixture(scope="session")
def node() -> str:
    """Path of node, with tests/conformance/node_modules installed (npm ci) if missing."""
    node_exe, npm_exe = shutil.which("node"), shutil.which("npm")
    if node_exe is None or npm_exe is None:
        if os.environ.get("CI"):
            pytest.fail("node and npm are required for the conformance tests in CI")
        pytest.skip("node/npm not on PATH: conformance tests need them")
    modules = CONFORMANCE_DIR / "node_modules"
    if not all((modules / name / "package.json").exists() for name in NPM_PACKAGES):
        subprocess.run(
            [npm_exe, "ci", "--no-audit", "--no-fund"],
            cwd=CONFORMANCE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node_exe


def run_node(node: str, script: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Runs tests/conformance/<script> with JSON on stdin; returns its JSON stdout."""
    done = subprocess.run(
        [node, str(CONFORMANCE_DIR / script)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=120,
        cwd=CONFORMANCE_DIR,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}): {done.stderr.decode()}")
    return json.loads(done.stdout)


class KinesaliteError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class Kinesalite:
    """Kinesis JSON protocol over HTTP; kinesalite checks that a signature is present only."""

    _HEADERS: ClassVar[dict[str, str]] = {
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20150101/us-east-1/kinesis/"
        "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abcd",
        "X-Amz-Date": "20150101T000000Z",
    }

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self._names = itertools.count()

    def call(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={**self._HEADERS, "X-Amz-Target": f"Kinesis_20131202.{action}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            reply = json.loads(error.read() or b"{}")
            name = str(reply.get("__type", f"HTTP{error.code}")).rsplit("#", 1)[-1]
            raise KinesaliteError(name, reply.get("message", "")) from None
        return json.loads(text) if text else {}

    def wait_active(self, stream: str) -> None:
        deadline = time.monotonic() + 30
        while True:
            summary = self.call("DescribeStreamSummary", {"StreamName": stream})
            if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"stream {stream} never became ACTIVE")
            time.sleep(0.002)

    def create_stream(self, shard_count: int) -> str:
        stream = f"s{next(self._names)}"
        self.call("CreateStream", {"StreamName": stream, "ShardCount": shard_count})
        self.wait_active(stream)
        return stream

    def delete_stream(self, stream: str) -> None:
        self.call("DeleteStream", {"StreamName": stream})

    def list_shards(self, stream: str) -> list[dict[str, Any]]:
        return self.call("ListShards", {"StreamName": stream})["Shards"]

    def split(self, stream: str, shard_id: str, new_starting_hash_key: int | str) -> None:
        self.call(
            "SplitShard",
            {
                "StreamName": stream,
                "ShardToSplit": shard_id,
                "NewStartingHashKey": str(new_starting_hash_key),
            },
        )
        self.wait_active(stream)

    def merge(self, stream: str, shard_id: str, adjacent_shard_id: str) -> None:
        self.call(
            "MergeShards",
            {
                "StreamName": stream,
                "ShardToMerge": shard_id,
                "AdjacentShardToMerge": adjacent_shard_id,
            },
        )
        self.wait_active(stream)

    def put_records(self, stream: str, entries: list[dict[str, Any]]) -> list[str]:
        """PutRecords in batches of 500; entries carry PartitionKey and maybe ExplicitHashKey.
        Returns the ShardId of every entry, in order."""
        data = base64.b64encode(b"\x00").decode()
        shard_ids: list[str] = []
        for i in range(0, len(entries), 500):
            batch = [{"Data": data, **entry} for entry in entries[i : i + 500]]
            reply = self.call("PutRecords", {"StreamName": stream, "Records": batch})
            assert reply["FailedRecordCount"] == 0
            shard_ids.extend(result["ShardId"] for result in reply["Records"])
        return shard_ids


@pytest.fixture(scope="session")
def kinesalite(node: str) -> Iterator[Kinesalite]:
    server = subprocess.Popen(
        [node, str(CONFORMANCE_DIR / "kinesalite_server.js")],
        cwd=CONFORMANCE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # printed once it listens
        if not line:
            raise RuntimeError(f"kinesalite did not start (exit code {server.wait(10)})")
        client = Kinesalite(json.loads(line)["port"])
        client.call("ListStreams", {})
        yield client
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

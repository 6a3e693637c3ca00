"""200 concurrent chat requests on loopback: each finishes with the answer to its own
prompt (checked against the same prompt asked alone beforehand) or is refused with 503,
Retry-After and a JSON error; none is lost, mixed up or crashes the server. Also: the
server stops cleanly on SIGTERM afterwards."""
import http.client
import json
import sys
import threading
import unittest

from serve_util import Server

N_REQUESTS = 200
N_PROMPTS = 20
QUEUE = 32


def body(i):
    return {"model": "stories", "max_tokens": 12, "temperature": 0,
            "messages": [{"role": "user", "content": f"Story number {i}: once upon a time, a {['cat', 'dog', 'bird', 'fox'][i % 4]} named {i}"}]}


def post(port, payload):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(payload), {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


class LoadTest(unittest.TestCase):
    def test_200_concurrent_requests(self):
        server = Server("--queue", str(QUEUE))
        try:
            expected = {}
            for i in range(N_PROMPTS):
                status, _, raw = post(server.port, body(i))
                self.assertEqual(status, 200, raw)
                expected[i] = json.loads(raw)["choices"][0]["message"]["content"]
            self.assertGreater(len(set(expected.values())), 1, "prompts should give different answers")

            results = [None] * N_REQUESTS
            barrier = threading.Barrier(N_REQUESTS)

            def client(k):
                barrier.wait()
                try:
                    results[k] = post(server.port, body(k % N_PROMPTS))
                except Exception as e:  # a lost request fails the test below
                    results[k] = ("exception", {}, repr(e).encode())

            threads = [threading.Thread(target=client, args=(k,)) for k in range(N_REQUESTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

            ok = refused = 0
            ids = set()
            for k, (status, headers, raw) in enumerate(results):
                if status == 200:
                    r = json.loads(raw)
                    self.assertEqual(r["choices"][0]["message"]["content"], expected[k % N_PROMPTS], f"request {k}")
                    self.assertEqual(r["usage"]["completion_tokens"] <= 12, True)
                    ids.add(r["id"])
                    ok += 1
                elif status == 503:
                    self.assertGreaterEqual(int(headers["Retry-After"]), 1)
                    self.assertEqual(json.loads(raw)["error"]["code"], "queue_full")
                    refused += 1
                else:
                    self.fail(f"request {k}: {status} {raw[:200]!r}")
            self.assertEqual(ok + refused, N_REQUESTS)
            self.assertEqual(len(ids), ok, "every answer has its own id")
            self.assertGreater(ok, QUEUE)
            print(f"\n{N_REQUESTS} concurrent requests, queue {QUEUE}: {ok} answered (each its own prompt's answer), "
                  f"{refused} refused with 503 + Retry-After", file=sys.stderr)

            status, _, raw = server.request("GET", "/metrics")
            self.assertEqual(status, 200)
            metrics = raw.decode()
            self.assertIn(f"clinote_jobs_rejected_total {refused}\n", metrics)
            self.assertIn(f"clinote_jobs_completed_total {ok + N_PROMPTS}\n", metrics)
            status, _, _ = server.request("GET", "/health")
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(server.stop(), 0, "".join(server.log))
        self.assertIn("stopped", "".join(server.log))


if __name__ == "__main__":
    sys.exit(unittest.main())

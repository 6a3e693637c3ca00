"""The official `openai` Python client against `clinote serve` over loopback: models,
chat completions (plain and streamed, with usage, stop, seed), text completions, and
errors surfacing as the client's exception types; and an adapter trained through the API,
served with `--adapter`, answering exactly as `clinote generate --adapter`."""
import json
import math
import os
import subprocess
import sys
import time
import unittest

from serve_util import MODEL, ROOT, Server, binary, tiny_dataset

try:
    import openai
except ImportError:  # scripts/setup.d/server.sh installs it
    openai = None

MESSAGES = [{"role": "system", "content": "You tell short stories."},
            {"role": "user", "content": "Once upon a time there was a little dog"}]


@unittest.skipIf(openai is None, "the openai package is not installed (scripts/setup.sh installs it)")
class OpenAIClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.client = openai.OpenAI(base_url=cls.server.url + "/v1", api_key="unused", max_retries=0)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_models(self):
        ids = [m.id for m in self.client.models.list()]
        self.assertEqual(ids, ["stories"])

    def test_chat_plain_and_streamed_agree_with_usage(self):
        r = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=24, temperature=0)
        self.assertEqual(r.object, "chat.completion")
        self.assertEqual(r.choices[0].message.role, "assistant")
        self.assertEqual(r.choices[0].finish_reason, "length")
        self.assertEqual(r.usage.completion_tokens, 24)
        self.assertEqual(r.usage.total_tokens, r.usage.prompt_tokens + 24)
        text = r.choices[0].message.content
        self.assertTrue(text)

        pieces, usage, finish = [], None, None
        for chunk in self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=24,
                                                         temperature=0, stream=True,
                                                         stream_options={"include_usage": True}):
            self.assertEqual(chunk.object, "chat.completion.chunk")
            if chunk.usage:
                usage = chunk.usage
            for c in chunk.choices:
                if c.delta.content:
                    pieces.append(c.delta.content)
                if c.finish_reason:
                    finish = c.finish_reason
        self.assertEqual("".join(pieces), text)
        self.assertEqual(finish, "length")
        self.assertEqual(usage.prompt_tokens, r.usage.prompt_tokens)
        self.assertEqual(usage.completion_tokens, 24)
        # The server's request log names both requests with their token counts, the streamed one too.
        expected = f"POST /v1/chat/completions 200 "
        tokens = f" ms {r.usage.prompt_tokens}+24 tokens"
        deadline = time.time() + 10
        while time.time() < deadline and sum(expected in l and tokens in l for l in self.server.log) < 2:
            time.sleep(0.1)
        self.assertGreaterEqual(sum(expected in l and l.rstrip().endswith(tokens) for l in self.server.log), 2,
                                "".join(self.server.log[-10:]))

    def test_stop_and_seed(self):
        full = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=30,
                                                   temperature=0).choices[0].message.content
        stop = full[len(full) // 2:len(full) // 2 + 4]
        cut = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=30, temperature=0,
                                                  stop=[stop])
        self.assertEqual(cut.choices[0].finish_reason, "stop")
        self.assertEqual(cut.choices[0].message.content, full[:full.find(stop)])

        def sample(seed):
            return self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=20,
                                                       temperature=1.0, top_p=0.9, seed=seed).choices[0].message.content
        self.assertEqual(sample(11), sample(11))
        self.assertGreater(len({sample(s) for s in range(1, 5)}), 1)

    def test_text_completion(self):
        r = self.client.completions.create(model="stories", prompt="Once upon a time", max_tokens=12, temperature=0)
        self.assertEqual(r.object, "text_completion")
        streamed = "".join(c.choices[0].text for c in self.client.completions.create(
            model="stories", prompt="Once upon a time", max_tokens=12, temperature=0, stream=True))
        self.assertEqual(streamed, r.choices[0].text)
        self.assertEqual(r.usage.completion_tokens, 12)

    def test_errors_are_client_exceptions(self):
        with self.assertRaises(openai.NotFoundError) as e:
            self.client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        self.assertIn("gpt-4o", str(e.exception))
        with self.assertRaises(openai.BadRequestError) as e:
            self.client.chat.completions.create(model="stories", messages=MESSAGES, temperature=5)
        self.assertIn("temperature", str(e.exception))

    def test_json_schema_response_parses_and_unsupported_fields_are_refused(self):
        schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12},
                                                   "age": {"type": "integer"}},
                  "required": ["name", "age"], "additionalProperties": False}
        for max_tokens in (40, 3):  # 3: cut short, still a whole document
            r = self.client.chat.completions.create(
                model="stories", messages=MESSAGES, max_tokens=max_tokens, temperature=0,
                response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema,
                                                                         "strict": True}})
            answer = json.loads(r.choices[0].message.content)
            self.assertEqual(list(answer), ["name", "age"])
            self.assertIsInstance(answer["age"], int)
            self.assertLessEqual(len(answer["name"]), 12)
        r = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=12, temperature=0,
                                                logprobs=True, top_logprobs=2)
        steps = r.choices[0].logprobs.content
        self.assertEqual(len(steps), r.usage.completion_tokens)
        self.assertEqual(b"".join(bytes(s.bytes) for s in steps).decode(), r.choices[0].message.content)
        for s in steps:  # greedy: the chosen token is the most likely, a proper log-probability
            self.assertEqual(s.top_logprobs[0].token, s.token)
            self.assertLessEqual(s.logprob, 0.0)
            self.assertLessEqual(sum(math.exp(t.logprob) for t in s.top_logprobs), 1.0 + 1e-6)
        with self.assertRaises(openai.BadRequestError) as e:
            self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=4, logprobs=True, stream=True)
        self.assertIn("logprobs", str(e.exception))
        for max_tokens in (40, 2):
            r = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=max_tokens,
                                                    temperature=0, response_format={"type": "json_object"})
            self.assertIsInstance(json.loads(r.choices[0].message.content), dict)
        r = self.client.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=8, temperature=0, n=2,
                                                frequency_penalty=0.5, presence_penalty=0.5)
        self.assertEqual([c.index for c in r.choices], [0, 1])
        self.assertEqual(r.choices[0].message.content, r.choices[1].message.content)

    def test_embeddings(self):
        if not os.path.exists(os.path.join(ROOT, "models", "all-MiniLM-L6-v2")):
            self.skipTest("models/all-MiniLM-L6-v2 is absent (scripts/setup.sh installs it)")
        # The client asks for base64 by default and decodes it.
        r = self.client.embeddings.create(model="all-MiniLM-L6-v2", input=["chest pain", "pain in the chest", "a red car"])
        vecs = [d.embedding for d in r.data]
        self.assertEqual([len(v) for v in vecs], [384, 384, 384])
        dot = lambda a, b: sum(x * y for x, y in zip(a, b))
        self.assertAlmostEqual(dot(vecs[0], vecs[0]), 1.0, places=4)  # L2-normalised
        self.assertGreater(dot(vecs[0], vecs[1]), dot(vecs[0], vecs[2]))
        floats = self.client.embeddings.create(model="all-MiniLM-L6-v2", input="chest pain", encoding_format="float")
        self.assertEqual([round(x, 6) for x in floats.data[0].embedding], [round(x, 6) for x in vecs[0]])

    def test_trained_adapter_served_with_flag_equals_clinote_generate(self):
        data = tiny_dataset(os.path.join(self.server.folder, "dataset"))
        status, _, body = self.server.request("POST", "/api/training", {
            "dataset": data, "steps": 10, "lr": 0.01, "rank": 4, "batch": 2, "max_seq": 64, "eval_every": 5,
            "dropout": 0.0, "schedule": "constant"})
        self.assertEqual(status, 202, body)
        run_id = json.loads(body)["id"]
        for _ in range(600):
            run = json.loads(self.server.request("GET", f"/api/training/{run_id}")[2])
            if run["state"] not in ("queued", "running"):
                break
            time.sleep(0.1)
        self.assertEqual(run["state"], "done", run)
        # The best adapter is a trained one only if validation improved on the untrained start.
        self.assertLess(run["best_val_loss"], run["val_loss"][0][1], run["val_loss"])
        adapter = run["adapter_path"]

        second = Server("--adapter", f"tuned={adapter}")
        try:
            client = openai.OpenAI(base_url=second.url + "/v1", api_key="unused", max_retries=0)
            self.assertEqual([m.id for m in client.models.list()], ["stories", "stories+tuned"])
            prompt = "user: Tell me about Tim.\nassistant:"  # the plain template's rendering
            tuned = client.completions.create(model="stories+tuned", prompt=prompt, max_tokens=24, temperature=0)
            base = client.completions.create(model="stories", prompt=prompt, max_tokens=24, temperature=0)
            cli = subprocess.run([binary(), "generate", "--model", MODEL, "--adapter", adapter, "--raw", "-p", prompt,
                                  "-n", "24", "--temperature", "0", "--threads", "1"],
                                 capture_output=True, text=True, check=True).stdout
            self.assertEqual(tuned.choices[0].text + "\n", cli)
            self.assertNotEqual(tuned.choices[0].text, base.choices[0].text)
            with self.assertRaises(openai.NotFoundError) as e:
                client.completions.create(model="stories+nope", prompt=prompt, max_tokens=4)
            self.assertIn("nope", str(e.exception))
        finally:
            second.stop()


if __name__ == "__main__":
    sys.exit(unittest.main())

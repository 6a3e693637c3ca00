"""The official `ollama` Python client against `clinote serve` over loopback, as the scribe
apps that speak Ollama use it: list, show, chat (whole and streamed), generate, a JSON-schema
format, and errors as the client's exception type. Greedy answers must equal the OpenAI
route's for the same messages and Ollama's default repeat penalty."""
import json
import unittest

from serve_util import Server

try:
    import ollama
    import openai
except ImportError:  # scripts/setup.d/server.sh installs them
    ollama = None

MESSAGES = [{"role": "user", "content": "Once upon a time there was a little dog"}]
GREEDY = {"temperature": 0, "num_predict": 24}


@unittest.skipIf(ollama is None, "the ollama or openai package is not installed (scripts/setup.sh installs them)")
class OllamaClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.client = ollama.Client(host=cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_list_and_show(self):
        self.assertEqual([m.model for m in self.client.list().models], ["stories"])
        show = self.client.show("stories")
        self.assertEqual(show.modelinfo["general.architecture"], "llama")
        self.assertTrue(show.template)

    def test_chat_whole_and_streamed_equal_the_openai_route(self):
        whole = self.client.chat(model="stories", messages=MESSAGES, options=GREEDY)
        self.assertTrue(whole.done)
        self.assertEqual(whole.eval_count, 24)
        streamed = "".join(part.message.content for part in
                           self.client.chat(model="stories", messages=MESSAGES, options=GREEDY, stream=True))
        self.assertEqual(streamed, whole.message.content)
        o = openai.OpenAI(base_url=self.server.url + "/v1", api_key="unused", max_retries=0)
        same = o.chat.completions.create(model="stories", messages=MESSAGES, max_tokens=24, temperature=0,
                                         extra_body={"repeat_penalty": 1.1})
        self.assertEqual(same.choices[0].message.content, whole.message.content)

    def test_generate_format_and_errors(self):
        g = self.client.generate(model="stories", prompt="Once upon a time", options=GREEDY)
        self.assertTrue(g.response)
        schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10},
                                                   "age": {"type": "integer"}}, "required": ["name", "age"]}
        r = self.client.chat(model="stories", messages=MESSAGES, format=schema, options={"temperature": 0, "num_predict": 40})
        answer = json.loads(r.message.content)
        self.assertEqual(sorted(answer), ["age", "name"])
        r = self.client.chat(model="stories", messages=MESSAGES, format="json", options={"temperature": 0, "num_predict": 40})
        self.assertIsInstance(json.loads(r.message.content), dict)
        with self.assertRaises(ollama.ResponseError) as e:
            self.client.chat(model="nope", messages=MESSAGES)
        self.assertIn("nope", str(e.exception))


if __name__ == "__main__":
    unittest.main()

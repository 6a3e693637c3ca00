#!/usr/bin/env python3
"""Golden outputs for the C++ chat-template renderer (tests/tokenizer/chat_template_test.cpp).

Every expected string is rendered by transformers' own rendering path
(transformers.utils.chat_template_utils.render_jinja_template, the function
apply_chat_template(tokenize=False) calls, with jinja2's ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, raise_exception, strftime_now and transformers' tojson),
after the same input clean-up apply_chat_template does (keys whose value is None are dropped).

Real templates live beside the output as tests/golden/chat_template/*.jinja (see SOURCES.md);
smollm2.jinja is refreshed from the default GGUF when it is present.

Dict keys are sorted before rendering because the C++ side receives nlohmann::json
objects, which keep keys sorted; tojson output therefore matches key for key.

Usage: python3 tools/make_chat_template_golden.py
"""
import json
import os
import sys

import jinja2
import transformers
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden", "chat_template")
DEFAULT_GGUF = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

# Special tokens of each family, as their tokenizers define bos_token / eos_token.
FAMILIES = {
    "smollm2.jinja": ("<|im_start|>", "<|im_end|>"),
    "llama3_1.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama3_2.jinja": ("<|begin_of_text|>", "<|eot_id|>"),
    "qwen2_5.jinja": ("", "<|im_end|>"),
    "gemma3.jinja": ("<bos>", "<eos>"),
    "tinyllama.jinja": ("<s>", "</s>"),
    "llama2.jinja": ("<s>", "</s>"),
}

SYSTEM = {"role": "system", "content": "You are a careful clinical scribe. Write concise notes."}
CONVERSATIONS = {
    "user_only": [{"role": "user", "content": "Hello!"}],
    "system_user": [SYSTEM, {"role": "user", "content": "Summarize: patient has a cough for 3 days."}],
    "multi_turn": [
        SYSTEM,
        {"role": "user", "content": "Patient reports headache."},
        {"role": "assistant", "content": "Onset and severity?"},
        {"role": "user", "content": "Two days, 6/10, worse in the morning."},
    ],
    "assistant_last": [
        {"role": "user", "content": "What is the plan?"},
        {"role": "assistant", "content": "Start ibuprofen 400 mg as needed."},
    ],
    "no_system_multi_turn": [
        {"role": "user", "content": "Doctor: any allergies?"},
        {"role": "assistant", "content": "Penicillin (rash)."},
        {"role": "user", "content": "Thanks."},
        {"role": "assistant", "content": "You're welcome."},
    ],
    "unicode_newlines": [
        {"role": "system", "content": "  Répondez en français.\n\nSoyez bref.  "},
        {"role": "user", "content": "Le patient a de la fièvre — 39,2 °C 🌡️\nDepuis\t2 jours.\n\n"},
        {"role": "assistant", "content": "\n Noté ✅ : fièvre depuis 2 jours.\n"},
        {"role": "user", "content": "患者说头疼。 \"quoted\" and 'single' and \\backslash\\"},
    ],
    "content_blocks": [
        {"role": "system", "content": [{"type": "text", "text": "You are a scribe."}]},
        {"role": "user", "content": [{"type": "text", "text": "  Summarize the visit. "}, {"type": "text", "text": "Be brief."}]},
    ],
    "none_valued_keys": [
        {"role": "user", "content": "Hi", "tool_calls": None},
        {"role": "assistant", "content": "Hello, how can I help?", "tool_calls": None},
        {"role": "user", "content": "Note this."},
    ],
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_temperature",
        "description": "Get the patient's latest temperature reading.",
        "parameters": {
            "type": "object",
            "properties": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Unit"}},
            "required": ["unit"],
        },
    },
}
TOOL_CONVERSATION = [
    {"role": "user", "content": "What is the temperature?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "get_temperature", "arguments": {"unit": "celsius"}}}],
    },
    {"role": "tool", "content": "38.5"},
]

# Small templates that pin down interpreter details the real templates touch only lightly.
FEATURES = [
    ("whitespace_trim_lstrip", "A\n  {% if true %}\n    x\n  {% endif %}\nB\n{# comment #}\nC {{ 1 }}\n  {{- 2 -}}  \nD\n", {}),
    ("whitespace_plus_modifiers", "a\n  {%+ if true +%}\nb\n  {% endif %}\nc", {}),
    ("trailing_newline_dropped", "x\n", {}),
    ("comment_strip", "a  {#- c -#}  b\n{# keep #}\nc", {}),
    ("loop_variables", "{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}", {}),
    ("loop_else_filter", "{% for x in [1,2,3,4] if x is even %}{{ x }}{% else %}none{% endfor %};{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", {}),
    ("loop_break_continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x > 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("loop_scoping", "{% set x = 0 %}{% for i in [1,2,3] %}{{ x }}{% set x = x + i %}{{ x }},{% endfor %}{{ x }}", {}),
    ("namespace", "{% set ns = namespace(n=0, last='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.n }} {{ ns.last }}", {}),
    ("set_block_and_macro", "{% set greeting %}Hi {{ name }}{% endset %}{% macro tag(role, text='none') %}<{{ role }}>{{ text }}</{{ role }}>{% endmacro %}{{ greeting }}|{{ tag('u', 'hey') }}|{{ tag(role='a') }}", {"name": "Ann"}),
    ("arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 3.0 }} {{ -x }} {{ 'ab' * 3 }}", {"x": 5}),
    ("comparisons", "{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 5 }} {{ 'ell' in 'hello' }} {{ 2 not in [1, 3] }} {{ 'k' in {'k': 1} }} {{ none == none }} {{ true == 1 }}", {}),
    ("logic_values", "{{ 0 or 'fallback' }} {{ 'a' and 'b' }} {{ not [] }} {{ '' or none }} {{ 'yes' if x else 'no' }} {{ 'only if' if false }}|", {"x": [1]}),
    ("str_repr", "{{ [1, 2.5, 'a', none, true, {'k': \"it's\"}] }} {{ ('x',) }} {{ {'a': [1, {'b': 'c'}]} }}", {}),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ undefined_name ~ 'z' }}", {}),
    ("string_methods", "{{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  l'.lstrip() }}|{{ 'r  '.rstrip() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'bc')) }}|{{ 'a b  c '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'MiXed'.upper() }}{{ 'MiXed'.lower() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'a-b-c'.replace('-', '+') }}|{{ 'abc'.find('c') }}|{{ ', '.join(['x', 'y']) }}", {}),
    ("subscripts_slices", "{{ 'héllo'[1] }} {{ 'héllo'[1:3] }} {{ 'abc'[::-1] }} {{ [1,2,3,4,5][1:] }} {{ [1,2,3,4,5][:-2] }} {{ [1,2,3,4,5][::2] }} {{ [1,2,3][-1] }} {{ d.k }} {{ d['k'] }} {{ l.0 }} {{ [1][5] }}|", {"d": {"k": "v"}, "l": [9]}),
    ("dict_methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys() | list }} {{ d.get('a') }} {{ d.get('zz', 'dflt') }} {{ d.get('zz') }} {% for k, v in d | items %}{{ k }}{% endfor %}", {"d": {"a": 1, "b": "two"}}),
    ("filters_text", "{{ '  t  ' | trim }}|{{ 'up' | upper }}|{{ 'LOW' | lower }}|{{ 'hello wORLD-x' | title }}|{{ 'word' | capitalize }}|{{ 'a.b.c' | replace('.', '/') }}|{{ 'a.b.c' | replace('.', '/', 1) }}|{{ 42 | string }}|{{ 'xyz' | length }}|{{ 'héllo' | length }}|{{ 'abc' | reverse }}", {}),
    ("filters_numbers", "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ '2.5' | float }} {{ -3 | abs }} {{ 5 | float }}", {}),
    ("filters_lists", "{{ [3,1,2] | first }} {{ [3,1,2] | last }} {{ [1,2] | length }} {{ ['a','b'] | join(', ') }} {{ [1,2,3] | join }} {{ [1,2,3] | reverse | list }} {{ 'ab' | list }} {{ undefined_name | default('dflt') }} {{ '' | default('empty', true) }} {{ none | default('x') }}", {}),
    ("filters_select_map", "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join('/') }} {{ messages | rejectattr('role', 'equalto', 'user') | list | length }} {{ [1,2,3,4] | select('odd') | list }} {{ [1,2,3,4] | reject('odd') | list }} {{ ['a','b'] | map('upper') | list }} {{ messages | map(attribute='missing', default='-') | join }} {{ [0, 1, '', 'x'] | select | list }}", {}),
    ("tests", "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ none is none }}{{ 's' is string }}{{ 1 is string }}{{ {} is mapping }}{{ [] is iterable }}{{ 's' is iterable }}{{ 1 is iterable }}{{ 1 is number }}{{ 1.5 is float }}{{ 1 is integer }}{{ true is boolean }}{{ 6 is divisibleby 3 }}{{ 3 is odd }}{{ 4 is even }}{{ 'a' is equalto 'a' }}{{ 1 is not none }}{{ 'abc' is lower }}{{ x is sequence }}", {"x": [1]}),
    ("tojson", "{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ [] | tojson }}|{{ {} | tojson(indent=4) }}|{{ 'é\"\\n\\t' | tojson }}|{{ 1.5 | tojson }}|{{ none | tojson }}", {"d": {"b": [1, 2.0, True, None], "a": {"z": "é ✅"}}}),
    ("string_literals", "{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}|{{ 'tab\\there' }}|{{ 'uni\\u00e9\\x41' }}|{{ 'keep\\d' }}|{{ 'adjacent' 'strings' }}", {}),
    ("dict_list_literals", "{% set d = {'a': 1, 'b': [1, 2, {'c': none}]} %}{{ d.b[2].c }}{{ d | length }}{{ [1, 2,] | length }}", {}),
    ("range_and_dict", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ dict(a=1, b='x') }}", {}),
    ("precedence", "{{ 'a' + ' b ' | trim + 'c' }}|{{ not x is defined }}|{{ -3 | abs }}|{{ 2 + 3 * 4 ** 2 }}|{{ 1 if x is not defined else 2 }}|{{ 'v' ~ 1 ~ 2 * 3 }}|{{ y | default('d') | upper }}", {"y": None}),
    ("if_elif_else", "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("nested_loops", "{% for a in ['x', 'y'] %}{% set outer = loop.index %}{% for b in [1, 2] %}{{ a }}{{ outer }}{{ loop.index }} {% endfor %}{% endfor %}", {}),
    ("unicode_whitespace_strip", "a {%- if true -%}\u00a0\u3000 b {%- endif %}\n  {%- if true %}\u2003c{% endif %}", {}),
    ("split_remainder", "{{ ' a  b  c  '.split(none, 1) }} {{ 'a b'.split(' ', 0) }} {{ 'x'.split('x') }}", {}),
    ("transformers_globals", "{{ strftime_now is defined }} {{ raise_exception is defined }} {{ tools is none }} {{ documents is defined }}", {}),
]

# (name, template, messages): how transformers prepares messages before rendering.
MESSAGE_FEATURES = [
    ("reasoning_aliases",
     "{% for m in messages %}{{ m.thinking }}|{{ m.reasoning_content }}|{{ m.reasoning }}|{{ m | length }};{% endfor %}",
     [{"role": "assistant", "content": "a", "reasoning": "r1"},
      {"role": "assistant", "content": "b", "reasoning_content": "r2", "thinking": "t2"},
      {"role": "assistant", "content": "c", "thinking": "t3"},
      {"role": "assistant", "content": "d", "reasoning_content": None, "reasoning": "r4"},
      {"role": "user", "content": "e"}]),
    ("negative_index_and_unpack",
     "{{ messages[-1]['role'] }} {% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %} {{ messages | length }}",
     [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]),
    ("gemma_style_content_blocks",
     "{% for m in messages %}{% for item in m['content'] %}{{ item['type'] }}:{{ item['text'] | default('-') | trim }};{% endfor %}{% endfor %}",
     [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "  Describe.  "}]}]),
]

# (name, template, variables): jinja2 raises; the C++ renderer must raise as well.
FEATURE_ERRORS = [
    ("raise_exception", "{{ raise_exception('Custom failure: roles must alternate') }}", {}),
    ("undefined_call", "{{ nothing_here() }}", {}),
    ("undefined_attribute", "{{ missing.attr }}", {}),
    ("str_plus_int", "{{ 'a' + 1 }}", {}),
    ("syntax_unclosed_block", "line one\n{% if true %}\nno end", {}),
    ("syntax_bad_token", "ok\n{{ 1 + }}", {}),
    ("syntax_unknown_tag", "a\nb\n  {% frobnicate %}", {}),
    ("syntax_unclosed_string", "{{ 'abc }}", {}),
]


def sorted_keys(value):
    return json.loads(json.dumps(value, sort_keys=True))


def drop_none(messages):
    # apply_chat_template drops None-valued keys before rendering.
    return [{k: v for k, v in m.items() if v is not None} for m in messages]


def render(template, messages, add_generation_prompt, bos_token, eos_token, extra):
    extra = dict(extra)
    tools = extra.pop("tools", None)
    rendered, _ = render_jinja_template(
        conversations=[drop_none(sorted_keys(messages))],
        tools=sorted_keys(tools) if tools is not None else None,
        chat_template=template,
        add_generation_prompt=add_generation_prompt,
        bos_token=bos_token,
        eos_token=eos_token,
        **sorted_keys(extra),
    )
    return rendered[0]


def case(name, template_ref, messages, add_generation_prompt, bos, eos, extra, template):
    entry = {"name": name, **template_ref, "messages": messages, "add_generation_prompt": add_generation_prompt,
             "bos_token": bos, "eos_token": eos, "extra": extra}
    try:
        entry["expected"] = render(template, messages, add_generation_prompt, bos, eos, extra)
    except jinja2.TemplateSyntaxError as e:
        entry["error"] = {"kind": "syntax", "message": e.message, "line": e.lineno}
    except Exception as e:  # noqa: BLE001 - any jinja2 failure is a golden "must fail"
        entry["error"] = {"kind": type(e).__name__, "message": str(e)}
    return entry


def refresh_smollm2():
    if not os.path.exists(DEFAULT_GGUF):
        return
    from gguf import GGUFReader
    field = GGUFReader(DEFAULT_GGUF).fields["tokenizer.chat_template"]
    with open(os.path.join(GOLDEN, "smollm2.jinja"), "w", encoding="utf-8", newline="") as f:
        f.write(bytes(field.parts[field.data[0]]).decode("utf-8"))


def main():
    refresh_smollm2()
    cases = []
    for file, (bos, eos) in FAMILIES.items():
        with open(os.path.join(GOLDEN, file), encoding="utf-8", newline="") as f:
            template = f.read()
        extra = {"date_string": "26 Jul 2024"} if file == "llama3_2.jinja" else {}
        for conv_name, messages in CONVERSATIONS.items():
            for agp in (False, True):
                name = f"{file[:-6]}/{conv_name}/{'gen' if agp else 'nogen'}"
                cases.append(case(name, {"template_file": file}, messages, agp, bos, eos, extra, template))
        # Non-alternating roles: templates that check raise_exception, others render.
        bad = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
        cases.append(case(f"{file[:-6]}/non_alternating", {"template_file": file}, bad, True, bos, eos, extra, template))
        if file in ("qwen2_5.jinja", "llama3_1.jinja", "llama3_2.jinja"):
            tool_extra = {**extra, "tools": [WEATHER_TOOL]}
            cases.append(case(f"{file[:-6]}/tools", {"template_file": file}, TOOL_CONVERSATION, True, bos, eos, tool_extra, template))
    for name, template, variables in FEATURES + FEATURE_ERRORS:
        messages = [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}, {"role": "user", "content": "u2"}]
        cases.append(case(f"feature/{name}", {"template": template}, messages, False, "<s>", "</s>", variables, template))
    for name, template, messages in MESSAGE_FEATURES:
        cases.append(case(f"feature/{name}", {"template": template}, messages, False, "<s>", "</s>", {}, template))
    out = {
        "generator": "tools/make_chat_template_golden.py",
        "transformers": transformers.__version__,
        "jinja2": jinja2.__version__,
        "cases": cases,
    }
    path = os.path.join(GOLDEN, "cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    failures = sum("error" in c for c in cases)
    print(f"wrote {path}: {len(cases)} cases ({failures} expected to fail)", file=sys.stderr)


if __name__ == "__main__":
    main()

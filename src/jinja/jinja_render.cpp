// Tree-walking renderer. Scoping follows jinja2: each loop iteration and each macro
// call gets its own frame (so `set` inside a loop does not leak out, which is why
// templates use namespace()), while `if` bodies assign into the enclosing frame.
#include "jinja/jinja.h"
#include "jinja/jinja_builtins.h"

namespace clinote {
namespace {

struct frame {
    std::map<std::string, jinja_value> vars;
    std::shared_ptr<frame> parent;
};
using frame_ptr = std::shared_ptr<frame>;

enum class flow { normal, break_, continue_ };

class renderer {
public:
    flow exec_body(const jinja_body& body, const frame_ptr& f, std::string& out) {
        for (const auto& node : body) {
            flow result = exec(*node, f, out);
            if (result != flow::normal) return result;
        }
        return flow::normal;
    }

private:
    static constexpr int max_macro_depth = 200;
    int macro_depth_ = 0;

    static jinja_value lookup(const frame_ptr& f, const std::string& name) {
        for (const frame* p = f.get(); p; p = p->parent.get()) {
            auto it = p->vars.find(name);
            if (it != p->vars.end()) return it->second;
        }
        return jinja_undefined("'" + name + "' is undefined");
    }

    static void bind_targets(frame& f, const std::vector<std::string>& targets, const jinja_value& value) {
        if (targets.size() == 1) {
            f.vars[targets[0]] = value;
            return;
        }
        jinja_list items = jinja_iterate(value);
        if (items.size() != targets.size()) {
            jinja_fail("cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) + " names");
        }
        for (size_t i = 0; i < targets.size(); ++i) f.vars[targets[i]] = items[i];
    }

    jinja_args eval_args(const jinja_expr& e, const frame_ptr& f) {
        jinja_args args;
        for (const auto& item : e.items) args.positional.push_back(eval(*item, f));
        for (const auto& [name, value] : e.keywords) args.keyword.emplace_back(name, eval(*value, f));
        return args;
    }

    jinja_value eval(const jinja_expr& e, const frame_ptr& f) {
        try {
            return eval_unlocated(e, f);
        } catch (jinja_error& err) {
            if (err.line == 0) {
                err.line = e.line;
                err.column = e.column;
            }
            throw;
        }
    }

    jinja_value eval_unlocated(const jinja_expr& e, const frame_ptr& f) {
        switch (e.kind) {
            case jinja_expr_kind::literal: return e.value;
            case jinja_expr_kind::name: return lookup(f, e.name);
            case jinja_expr_kind::list:
            case jinja_expr_kind::tuple: {
                jinja_list items;
                for (const auto& item : e.items) items.push_back(eval(*item, f));
                return jinja_make_list(std::move(items), e.kind == jinja_expr_kind::tuple);
            }
            case jinja_expr_kind::dict: {
                jinja_dict d;
                for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
                    jinja_value key = eval(*e.items[i], f);
                    if (key.kind != jinja_kind::string) jinja_fail("dict keys must be strings, not " + jinja_type_name(key));
                    d.set(key.text, eval(*e.items[i + 1], f));
                }
                return jinja_make_dict(std::move(d));
            }
            case jinja_expr_kind::attribute: return jinja_get_attribute(eval(*e.object, f), e.name);
            case jinja_expr_kind::item: return jinja_get_item(eval(*e.object, f), eval(*e.items[0], f));
            case jinja_expr_kind::slice: {
                jinja_value object = eval(*e.object, f);
                jinja_value bounds[3];
                for (int i = 0; i < 3; ++i) {
                    if (e.items[size_t(i)]) bounds[i] = eval(*e.items[size_t(i)], f);
                }
                auto bound = [&](int i) { return e.items[size_t(i)] ? &bounds[i] : nullptr; };
                return jinja_slice(object, bound(0), bound(1), bound(2));
            }
            case jinja_expr_kind::call: {
                jinja_value callee = eval(*e.object, f);
                jinja_args args = eval_args(e, f);
                if (callee.kind == jinja_kind::undefined) jinja_fail_undefined(callee);
                if (callee.kind != jinja_kind::function) jinja_fail("'" + jinja_type_name(callee) + "' object is not callable");
                return (*callee.function)(args);
            }
            case jinja_expr_kind::filter: return jinja_filter(e.name, eval(*e.object, f), eval_args(e, f));
            case jinja_expr_kind::test: return jinja_bool(jinja_test(e.name, eval(*e.object, f), eval_args(e, f)) != e.negated);
            case jinja_expr_kind::unary: {
                jinja_value v = eval(*e.object, f);
                if (e.name == "not") return jinja_bool(!jinja_truthy(v));
                if (e.name == "-") return jinja_negate(v);
                if (!jinja_is_number(v)) jinja_fail("bad operand type for unary +: '" + jinja_type_name(v) + "'");
                return v;
            }
            case jinja_expr_kind::binary: {
                jinja_value left = eval(*e.items[0], f);
                if (e.name == "and") return jinja_truthy(left) ? eval(*e.items[1], f) : left;
                if (e.name == "or") return jinja_truthy(left) ? left : eval(*e.items[1], f);
                return jinja_binary(e.name, left, eval(*e.items[1], f));
            }
            case jinja_expr_kind::compare: {
                jinja_value left = eval(*e.object, f);
                for (size_t i = 0; i < e.ops.size(); ++i) {
                    jinja_value right = eval(*e.items[i], f);
                    if (!jinja_truthy(jinja_binary(e.ops[i], left, right))) return jinja_bool(false);
                    left = std::move(right);
                }
                return jinja_bool(true);
            }
            case jinja_expr_kind::condition: {
                if (jinja_truthy(eval(*e.items[1], f))) return eval(*e.items[0], f);
                if (e.items[2]) return eval(*e.items[2], f);
                return jinja_undefined("the inline if-expression evaluated to false and no else section was defined");
            }
        }
        jinja_fail("unknown expression");
    }

    flow exec(const jinja_node& n, const frame_ptr& f, std::string& out) {
        try {
            return exec_unlocated(n, f, out);
        } catch (jinja_error& err) {
            if (err.line == 0) {
                err.line = n.line;
                err.column = n.column;
            }
            throw;
        }
    }

    static jinja_value loop_object(const jinja_list& items, size_t i) {
        size_t n = items.size();
        jinja_dict loop;
        loop.set("index", jinja_int(int64_t(i + 1)));
        loop.set("index0", jinja_int(int64_t(i)));
        loop.set("revindex", jinja_int(int64_t(n - i)));
        loop.set("revindex0", jinja_int(int64_t(n - i - 1)));
        loop.set("first", jinja_bool(i == 0));
        loop.set("last", jinja_bool(i + 1 == n));
        loop.set("length", jinja_int(int64_t(n)));
        loop.set("previtem", i > 0 ? items[i - 1] : jinja_undefined("there is no previous item"));
        loop.set("nextitem", i + 1 < n ? items[i + 1] : jinja_undefined("there is no next item"));
        loop.set("cycle", jinja_make_function([i](const jinja_args& a) {
            if (a.positional.empty()) jinja_fail("no items for cycling given");
            return a.positional[i % a.positional.size()];
        }));
        return jinja_make_dict(std::move(loop));
    }

    flow exec_for(const jinja_node& n, const frame_ptr& f, std::string& out) {
        jinja_list all = jinja_iterate(eval(*n.expr, f));
        jinja_list items;
        for (auto& item : all) {
            if (n.filter) {
                auto probe = std::make_shared<frame>(frame{{}, f});
                bind_targets(*probe, n.targets, item);
                if (!jinja_truthy(eval(*n.filter, probe))) continue;
            }
            items.push_back(std::move(item));
        }
        for (size_t i = 0; i < items.size(); ++i) {
            auto iteration = std::make_shared<frame>(frame{{}, f});
            bind_targets(*iteration, n.targets, items[i]);
            iteration->vars["loop"] = loop_object(items, i);
            if (exec_body(n.branches[0], iteration, out) == flow::break_) break;
        }
        if (items.empty() && n.branches.size() > 1) {
            return exec_body(n.branches[1], std::make_shared<frame>(frame{{}, f}), out);
        }
        return flow::normal;
    }

    jinja_value make_macro(const jinja_node& n, const frame_ptr& f) {
        std::weak_ptr<frame> defined_in = f;
        return jinja_make_function([this, &n, defined_in](const jinja_args& args) {
            // Python would stop runaway recursion with RecursionError; so do we, before the stack does.
            if (macro_depth_ >= max_macro_depth) jinja_fail("maximum macro recursion depth exceeded");
            struct depth_guard {
                int& depth;
                explicit depth_guard(int& d) : depth(++d) {}
                ~depth_guard() { --depth; }
            } guard(macro_depth_);
            auto call = std::make_shared<frame>(frame{{}, defined_in.lock()});
            if (args.positional.size() > n.targets.size()) jinja_fail("macro '" + n.text + "' takes not more than " + std::to_string(n.targets.size()) + " argument(s)");
            for (size_t i = 0; i < n.targets.size(); ++i) {
                if (const jinja_value* v = args.get(i, n.targets[i])) {
                    call->vars[n.targets[i]] = *v;
                } else if (n.defaults[i]) {
                    call->vars[n.targets[i]] = eval(*n.defaults[i], call);
                } else {
                    call->vars[n.targets[i]] = jinja_undefined("parameter '" + n.targets[i] + "' was not provided");
                }
            }
            std::string rendered;
            exec_body(n.branches[0], call, rendered);
            return jinja_string(rendered);
        });
    }

    flow exec_unlocated(const jinja_node& n, const frame_ptr& f, std::string& out) {
        switch (n.kind) {
            case jinja_node_kind::text: out += n.text; return flow::normal;
            case jinja_node_kind::output: out += jinja_str(eval(*n.expr, f)); return flow::normal;
            case jinja_node_kind::if_:
                for (size_t i = 0; i < n.conditions.size(); ++i) {
                    if (jinja_truthy(eval(*n.conditions[i], f))) return exec_body(n.branches[i], f, out);
                }
                if (n.branches.size() > n.conditions.size()) return exec_body(n.branches.back(), f, out);
                return flow::normal;
            case jinja_node_kind::for_: return exec_for(n, f, out);
            case jinja_node_kind::set: {
                jinja_value value = eval(*n.expr, f);
                if (n.target_attribute.empty()) {
                    bind_targets(*f, n.targets, value);
                    return flow::normal;
                }
                jinja_value target = lookup(f, n.targets[0]);
                if (target.kind != jinja_kind::ns) jinja_fail("can only assign attributes on a namespace() object, '" + n.targets[0] + "' is not one");
                if (!n.target_attribute.empty() && n.target_attribute[0] == '_') jinja_fail("namespace attributes cannot start with '_'");
                target.dict->set(n.target_attribute, std::move(value));
                return flow::normal;
            }
            case jinja_node_kind::set_block: {
                std::string captured;
                exec_body(n.branches[0], f, captured);
                f->vars[n.targets[0]] = jinja_string(std::move(captured));
                return flow::normal;
            }
            case jinja_node_kind::macro: f->vars[n.text] = make_macro(n, f); return flow::normal;
            case jinja_node_kind::break_: return flow::break_;
            case jinja_node_kind::continue_: return flow::continue_;
            case jinja_node_kind::scope: return exec_body(n.branches[0], std::make_shared<frame>(frame{{}, f}), out);
        }
        return flow::normal;
    }
};

}  // namespace

std::string jinja_render(const jinja_template& tmpl, const std::map<std::string, jinja_value>& globals) {
    auto root = std::make_shared<frame>();
    jinja_add_default_globals(root->vars);
    for (const auto& [name, value] : globals) root->vars[name] = value;
    renderer r;
    std::string out;
    r.exec_body(tmpl.body, root, out);
    return out;
}

}  // namespace clinote

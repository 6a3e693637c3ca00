// Lexer and parser. The lexer follows jinja2's lexer.py with trim_blocks and
// lstrip_blocks on; the grammar follows jinja2's parser.py (same precedence, so
// `a + b | trim` filters only b, and `not x is defined` tests x).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "core/utf8.h"
#include "jinja/jinja.h"

namespace clinote {
namespace {

enum class tok { text, block_begin, block_end, var_begin, var_end, name, string, integer, floating, op, eof };

struct token {
    tok type;
    std::string value;
    int line = 0;
    int column = 0;
    int64_t integer = 0;
    double floating = 0;
};

[[noreturn]] void syntax_error(int line, int column, std::string message) {
    throw jinja_error{std::move(message), line, column};
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

class lexer {
public:
    explicit lexer(std::string_view source) {
        // jinja2 normalizes newlines and drops one trailing newline (keep_trailing_newline=False).
        for (size_t i = 0; i < source.size(); ++i) {
            if (source[i] == '\r') {
                src_ += '\n';
                if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
            } else {
                src_ += source[i];
            }
        }
        if (!src_.empty() && src_.back() == '\n') src_.pop_back();
        line_starts_.push_back(0);
        for (size_t i = 0; i < src_.size(); ++i) {
            if (src_[i] == '\n') line_starts_.push_back(i + 1);
        }
    }

    std::vector<token> run() {
        size_t pos = 0;
        bool line_starting = true;
        while (pos < src_.size()) {
            size_t start = find_tag(pos);
            if (start == std::string::npos) {
                emit_text(src_.substr(pos), pos);
                break;
            }
            char kind = src_[start + 1];
            char sign = start + 2 < src_.size() ? src_[start + 2] : 0;
            if (sign != '-' && sign != '+') sign = 0;
            std::string text = src_.substr(pos, start - pos);
            if (sign == '-') {
                text = py_strip(text, nullptr, false, true);
            } else if (sign != '+' && kind != '{') {
                // lstrip_blocks: drop spaces between the line start and a block or comment tag.
                size_t line_pos = text.rfind('\n');
                line_pos = line_pos == std::string::npos ? 0 : line_pos + 1;
                if ((line_pos > 0 || line_starting) && line_pos < text.size() &&
                    py_strip(std::string_view(text).substr(line_pos), nullptr, true, true).empty()) {
                    text.resize(line_pos);
                }
            }
            emit_text(text, pos);
            pos = start + 2 + (sign ? 1 : 0);
            if (kind == '#') {
                pos = lex_comment_end(start, pos);
            } else {
                pos = lex_tag(kind == '%', start, pos);
            }
            line_starting = src_[pos - 1] == '\n';
        }
        tokens_.push_back(make(tok::eof, "end of template", src_.size()));
        return std::move(tokens_);
    }

private:
    static constexpr size_t max_tokens_per_tag = 2000;
    std::string src_;
    std::vector<size_t> line_starts_;
    std::vector<token> tokens_;

    token make(tok type, std::string value, size_t pos) const {
        size_t line = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos) - line_starts_.begin();
        token t{type, std::move(value)};
        t.line = int(line);
        t.column = int(pos - line_starts_[line - 1] + 1);
        return t;
    }

    void emit_text(const std::string& text, size_t pos) {
        if (!text.empty()) tokens_.push_back(make(tok::text, text, pos));
    }

    size_t find_tag(size_t pos) const {
        for (size_t i = src_.find('{', pos); i != std::string::npos; i = src_.find('{', i + 1)) {
            if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
        }
        return std::string::npos;
    }

    // After the tag's closing delimiter: `-` eats all following whitespace, trim_blocks one newline.
    size_t after_tag_end(size_t end, char sign) const {
        if (sign == '-') {
            end += py_space_prefix(std::string_view(src_).substr(end));
        } else if (sign != '+' && end < src_.size() && src_[end] == '\n') {
            ++end;
        }
        return end;
    }

    size_t lex_comment_end(size_t start, size_t pos) {
        size_t close = src_.find("#}", pos);
        if (close == std::string::npos) {
            token t = make(tok::text, "", start);
            syntax_error(t.line, t.column, "missing end of comment tag");
        }
        char sign = close > pos ? src_[close - 1] : 0;
        return after_tag_end(close + 2, sign);
    }

    size_t lex_tag(bool block, size_t start, size_t pos) {
        tokens_.push_back(make(block ? tok::block_begin : tok::var_begin, block ? "{%" : "{{", start));
        const char* close = block ? "%}" : "}}";
        std::vector<char> balance;
        const size_t first_token = tokens_.size();
        while (true) {
            // Long operator chains build deep trees that are walked recursively; real tags are short.
            if (tokens_.size() - first_token > max_tokens_per_tag) {
                token t = make(tok::eof, "", start);
                syntax_error(t.line, t.column, "tag too long (more than " + std::to_string(max_tokens_per_tag) + " tokens)");
            }
            if (pos >= src_.size()) {
                token t = make(tok::eof, "", start);
                syntax_error(t.line, t.column, std::string("unexpected end of template, expected '") + close + "'");
            }
            if (balance.empty()) {
                char sign = src_[pos];
                if ((sign == '-' || (sign == '+' && block)) && src_.compare(pos + 1, 2, close) == 0) {
                    tokens_.push_back(make(block ? tok::block_end : tok::var_end, close, pos));
                    return after_tag_end(pos + 3, sign);
                }
                if (src_.compare(pos, 2, close) == 0) {
                    tokens_.push_back(make(block ? tok::block_end : tok::var_end, close, pos));
                    return block ? after_tag_end(pos + 2, 0) : pos + 2;
                }
            }
            char c = src_[pos];
            if (is_space(c)) {
                ++pos;
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                pos = lex_number(pos);
            } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                size_t end = pos;
                while (end < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[end])) || src_[end] == '_')) ++end;
                tokens_.push_back(make(tok::name, src_.substr(pos, end - pos), pos));
                pos = end;
            } else if (c == '\'' || c == '"') {
                pos = lex_string(pos);
            } else {
                pos = lex_operator(pos, balance);
            }
        }
    }

    size_t lex_number(size_t pos) {
        auto digits = [&](size_t p) {
            while (p < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[p])) || src_[p] == '_')) ++p;
            return p;
        };
        size_t end = digits(pos);
        bool is_float = false;
        if (end + 1 < src_.size() && src_[end] == '.' && std::isdigit(static_cast<unsigned char>(src_[end + 1]))) {
            end = digits(end + 1);
            is_float = true;
        }
        if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
            size_t e = end + 1;
            if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
            if (e < src_.size() && std::isdigit(static_cast<unsigned char>(src_[e]))) {
                end = digits(e);
                is_float = true;
            }
        }
        std::string literal;
        for (size_t i = pos; i < end; ++i) {
            if (src_[i] != '_') literal += src_[i];
        }
        token t = make(is_float ? tok::floating : tok::integer, literal, pos);
        if (is_float) {
            t.floating = std::strtod(literal.c_str(), nullptr);
        } else {
            errno = 0;
            t.integer = std::strtoll(literal.c_str(), nullptr, 10);
            if (errno == ERANGE) syntax_error(t.line, t.column, "integer literal too large");
        }
        tokens_.push_back(std::move(t));
        return end;
    }

    size_t lex_string(size_t pos) {
        char quote = src_[pos];
        token t = make(tok::string, "", pos);
        std::string value;
        size_t i = pos + 1;
        auto hex = [&](size_t digits) {
            if (i + digits > src_.size()) syntax_error(t.line, t.column, "truncated \\x, \\u or \\U escape");
            uint32_t cp = 0;
            for (size_t k = 0; k < digits; ++k) {
                char h = src_[i + k];
                if (!std::isxdigit(static_cast<unsigned char>(h))) syntax_error(t.line, t.column, "truncated \\x, \\u or \\U escape");
                cp = cp * 16 + uint32_t(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
            }
            i += digits;
            if (cp > 0x10FFFF) syntax_error(t.line, t.column, "illegal Unicode character");
            utf8_append(value, cp);
        };
        while (true) {
            if (i >= src_.size()) syntax_error(t.line, t.column, "unterminated string literal");
            char c = src_[i];
            if (c == quote) break;
            if (c != '\\') {
                value += c;
                ++i;
                continue;
            }
            if (i + 1 >= src_.size()) syntax_error(t.line, t.column, "unterminated string literal");
            char e = src_[i + 1];
            i += 2;
            switch (e) {
                case 'n': value += '\n'; break;
                case 't': value += '\t'; break;
                case 'r': value += '\r'; break;
                case 'a': value += '\a'; break;
                case 'b': value += '\b'; break;
                case 'f': value += '\f'; break;
                case 'v': value += '\v'; break;
                case '\\': value += '\\'; break;
                case '\'': value += '\''; break;
                case '"': value += '"'; break;
                case '\n': break;
                case 'x': hex(2); break;
                case 'u': hex(4); break;
                case 'U': hex(8); break;
                default:
                    if (e >= '0' && e <= '7') {
                        uint32_t cp = uint32_t(e - '0');
                        for (int k = 0; k < 2 && i < src_.size() && src_[i] >= '0' && src_[i] <= '7'; ++k) cp = cp * 8 + uint32_t(src_[i++] - '0');
                        utf8_append(value, cp);
                    } else {
                        value += '\\';  // Python keeps unknown escapes as written
                        value += e;
                    }
            }
        }
        t.value = std::move(value);
        tokens_.push_back(std::move(t));
        return i + 1;
    }

    size_t lex_operator(size_t pos, std::vector<char>& balance) {
        static const char* const two_char[] = {"//", "**", "==", "!=", ">=", "<="};
        for (const char* op : two_char) {
            if (src_.compare(pos, 2, op) == 0) {
                tokens_.push_back(make(tok::op, op, pos));
                return pos + 2;
            }
        }
        char c = src_[pos];
        token t = make(tok::op, std::string(1, c), pos);
        if (c == '\0' || !std::strchr("+-/*%~[](){}<>=.:|,;", c)) syntax_error(t.line, t.column, std::string("unexpected char '") + c + "'");
        if (c == '(' || c == '[' || c == '{') {
            balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        } else if (c == ')' || c == ']' || c == '}') {
            if (balance.empty()) syntax_error(t.line, t.column, std::string("unexpected '") + c + "'");
            if (balance.back() != c) syntax_error(t.line, t.column, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
            balance.pop_back();
        }
        tokens_.push_back(std::move(t));
        return pos + 1;
    }
};

class parser {
public:
    explicit parser(std::vector<token> tokens) : tokens_(std::move(tokens)) {}

    jinja_body parse_template() { return subparse({}); }

private:
    std::vector<token> tokens_;
    size_t pos_ = 0;
    int loop_depth_ = 0;
    int nesting_ = 0;

    // Bounds recursion on deeply nested input, which would otherwise overflow the stack.
    struct nesting_guard {
        parser& p;
        explicit nesting_guard(parser& owner) : p(owner) {
            if (++p.nesting_ > 200) p.fail_here("too deeply nested");
        }
        ~nesting_guard() { --p.nesting_; }
    };

    const token& cur() const { return tokens_[pos_]; }
    const token& peek(size_t ahead = 1) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
    const token& advance() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

    bool is_op(const char* op) const { return cur().type == tok::op && cur().value == op; }
    bool is_name(const char* name) const { return cur().type == tok::name && cur().value == name; }

    [[noreturn]] void fail_here(const std::string& message) const { syntax_error(cur().line, cur().column, message); }

    static std::string describe(const token& t) {
        switch (t.type) {
            case tok::eof: return "end of template";
            case tok::block_end: return "end of statement block";
            case tok::var_end: return "end of print statement";
            case tok::string: return "string";
            case tok::integer:
            case tok::floating: return "number";
            default: return "'" + t.value + "'";
        }
    }

    void expect_op(const char* op) {
        if (!is_op(op)) fail_here(std::string("expected '") + op + "', got " + describe(cur()));
        advance();
    }

    void expect_block_end() {
        if (cur().type != tok::block_end) fail_here("expected end of statement block, got " + describe(cur()));
        advance();
    }

    std::string expect_name() {
        if (cur().type != tok::name) fail_here("expected a name, got " + describe(cur()));
        return advance().value;
    }

    static std::unique_ptr<jinja_node> node_at(jinja_node_kind kind, const token& t) {
        auto n = std::make_unique<jinja_node>();
        n->kind = kind;
        n->line = t.line;
        n->column = t.column;
        return n;
    }

    static jinja_expr_ptr expr_at(jinja_expr_kind kind, const token& t) {
        auto e = std::make_unique<jinja_expr>();
        e->kind = kind;
        e->line = t.line;
        e->column = t.column;
        return e;
    }

    // Parses nodes until a `{% name %}` with name in end_names; stops on that name token.
    jinja_body subparse(const std::set<std::string>& end_names) {
        jinja_body body;
        while (true) {
            const token& t = cur();
            if (t.type == tok::eof) {
                if (end_names.empty()) return body;
                std::string expected;
                for (const auto& n : end_names) expected += (expected.empty() ? "'" : " or '") + n + "'";
                fail_here("unexpected end of template, expected " + expected);
            }
            if (t.type == tok::text) {
                auto n = node_at(jinja_node_kind::text, t);
                n->text = t.value;
                body.push_back(std::move(n));
                advance();
            } else if (t.type == tok::var_begin) {
                auto n = node_at(jinja_node_kind::output, t);
                advance();
                n->expr = parse_tuple();
                if (cur().type != tok::var_end) fail_here("expected end of print statement, got " + describe(cur()));
                advance();
                body.push_back(std::move(n));
            } else if (t.type == tok::block_begin) {
                advance();
                if (cur().type != tok::name) fail_here("tag name expected");
                if (end_names.count(cur().value)) return body;
                body.push_back(parse_statement());
            } else {
                fail_here("unexpected " + describe(t));
            }
        }
    }

    std::unique_ptr<jinja_node> parse_statement() {
        nesting_guard guard(*this);
        const token& t = cur();
        const std::string tag = t.value;
        if (tag == "for") return parse_for();
        if (tag == "if") return parse_if();
        if (tag == "set") return parse_set();
        if (tag == "macro") return parse_macro();
        if (tag == "break" || tag == "continue") {
            if (loop_depth_ == 0) fail_here("'" + tag + "' outside of a loop");
            auto n = node_at(tag == "break" ? jinja_node_kind::break_ : jinja_node_kind::continue_, t);
            advance();
            expect_block_end();
            return n;
        }
        if (tag == "generation") {  // transformers' assistant-mask tag: renders its body as is
            auto n = node_at(jinja_node_kind::scope, t);
            advance();
            expect_block_end();
            n->branches.push_back(subparse({"endgeneration"}));
            advance();
            expect_block_end();
            return n;
        }
        fail_here("unknown or unsupported tag '" + tag + "'");
    }

    std::vector<std::string> parse_targets() {
        std::vector<std::string> names{expect_name()};
        while (is_op(",")) {
            advance();
            names.push_back(expect_name());
        }
        return names;
    }

    std::unique_ptr<jinja_node> parse_for() {
        auto n = node_at(jinja_node_kind::for_, cur());
        advance();
        n->targets = parse_targets();
        if (!is_name("in")) fail_here("expected 'in', got " + describe(cur()));
        advance();
        n->expr = parse_expression(false);
        if (is_name("if")) {
            advance();
            n->filter = parse_expression();
        }
        if (is_name("recursive")) fail_here("recursive loops are not supported");
        expect_block_end();
        ++loop_depth_;
        n->branches.push_back(subparse({"endfor", "else"}));
        --loop_depth_;
        if (is_name("else")) {
            advance();
            expect_block_end();
            n->branches.push_back(subparse({"endfor"}));
        }
        advance();
        expect_block_end();
        return n;
    }

    std::unique_ptr<jinja_node> parse_if() {
        auto n = node_at(jinja_node_kind::if_, cur());
        advance();
        while (true) {
            n->conditions.push_back(parse_tuple());
            expect_block_end();
            n->branches.push_back(subparse({"elif", "else", "endif"}));
            if (is_name("elif")) {
                advance();
                continue;
            }
            if (is_name("else")) {
                advance();
                expect_block_end();
                n->branches.push_back(subparse({"endif"}));
            }
            advance();
            expect_block_end();
            return n;
        }
    }

    std::unique_ptr<jinja_node> parse_set() {
        auto n = node_at(jinja_node_kind::set, cur());
        advance();
        n->targets.push_back(expect_name());
        if (is_op(".")) {
            advance();
            n->target_attribute = expect_name();
        } else {
            while (is_op(",")) {
                advance();
                n->targets.push_back(expect_name());
            }
        }
        if (is_op("=")) {
            advance();
            n->expr = parse_tuple();
            expect_block_end();
            return n;
        }
        if (n->targets.size() != 1 || !n->target_attribute.empty()) fail_here("expected '='");
        n->kind = jinja_node_kind::set_block;
        expect_block_end();
        n->branches.push_back(subparse({"endset"}));
        advance();
        expect_block_end();
        return n;
    }

    std::unique_ptr<jinja_node> parse_macro() {
        auto n = node_at(jinja_node_kind::macro, cur());
        advance();
        n->text = expect_name();
        expect_op("(");
        while (!is_op(")")) {
            if (!n->targets.empty()) expect_op(",");
            n->targets.push_back(expect_name());
            if (is_op("=")) {
                advance();
                n->defaults.push_back(parse_expression());
            } else {
                if (!n->defaults.empty() && n->defaults.back()) fail_here("non-default argument follows default argument");
                n->defaults.push_back(nullptr);
            }
        }
        advance();
        expect_block_end();
        int saved_depth = loop_depth_;
        loop_depth_ = 0;
        n->branches.push_back(subparse({"endmacro"}));
        loop_depth_ = saved_depth;
        advance();
        if (cur().type == tok::name) advance();
        expect_block_end();
        return n;
    }

    // An expression, or a tuple when commas follow (as `{{ a, b }}` or `{% set x = 1, 2 %}`).
    jinja_expr_ptr parse_tuple() {
        const token& start = cur();
        jinja_expr_ptr first = parse_expression();
        if (!is_op(",")) return first;
        auto t = expr_at(jinja_expr_kind::tuple, start);
        t->items.push_back(std::move(first));
        while (is_op(",")) {
            advance();
            if (cur().type == tok::block_end || cur().type == tok::var_end || is_op(")")) break;
            t->items.push_back(parse_expression());
        }
        return t;
    }

    jinja_expr_ptr parse_expression(bool with_condition = true) {
        nesting_guard guard(*this);
        return with_condition ? parse_condition() : parse_or();
    }

    jinja_expr_ptr parse_condition() {
        jinja_expr_ptr expr = parse_or();
        while (is_name("if")) {
            auto c = expr_at(jinja_expr_kind::condition, cur());
            advance();
            c->items.push_back(std::move(expr));
            c->items.push_back(parse_or());
            if (is_name("else")) {
                advance();
                c->items.push_back(parse_condition());
            } else {
                c->items.push_back(nullptr);
            }
            expr = std::move(c);
        }
        return expr;
    }

    jinja_expr_ptr binary(std::string op, const token& at, jinja_expr_ptr left, jinja_expr_ptr right) {
        auto b = expr_at(jinja_expr_kind::binary, at);
        b->name = std::move(op);
        b->items.push_back(std::move(left));
        b->items.push_back(std::move(right));
        return b;
    }

    jinja_expr_ptr parse_or() {
        jinja_expr_ptr left = parse_and();
        while (is_name("or")) {
            const token& at = advance();
            left = binary("or", at, std::move(left), parse_and());
        }
        return left;
    }

    jinja_expr_ptr parse_and() {
        jinja_expr_ptr left = parse_not();
        while (is_name("and")) {
            const token& at = advance();
            left = binary("and", at, std::move(left), parse_not());
        }
        return left;
    }

    jinja_expr_ptr parse_not() {
        if (is_name("not")) {
            auto u = expr_at(jinja_expr_kind::unary, cur());
            advance();
            u->name = "not";
            u->object = parse_not();
            return u;
        }
        return parse_compare();
    }

    jinja_expr_ptr parse_compare() {
        const token& start = cur();
        jinja_expr_ptr expr = parse_math1();
        jinja_expr_ptr cmp;
        while (true) {
            std::string op;
            if (cur().type == tok::op && (cur().value == "==" || cur().value == "!=" || cur().value == "<" ||
                                          cur().value == ">" || cur().value == "<=" || cur().value == ">=")) {
                op = cur().value;
                advance();
            } else if (is_name("in")) {
                op = "in";
                advance();
            } else if (is_name("not") && peek().type == tok::name && peek().value == "in") {
                op = "not in";
                advance();
                advance();
            } else {
                break;
            }
            if (!cmp) {
                cmp = expr_at(jinja_expr_kind::compare, start);
                cmp->object = std::move(expr);
            }
            cmp->ops.push_back(op);
            cmp->items.push_back(parse_math1());
        }
        return cmp ? std::move(cmp) : std::move(expr);
    }

    jinja_expr_ptr parse_math1() {
        jinja_expr_ptr left = parse_concat();
        while (is_op("+") || is_op("-")) {
            const token& at = advance();
            left = binary(at.value, at, std::move(left), parse_concat());
        }
        return left;
    }

    jinja_expr_ptr parse_concat() {
        jinja_expr_ptr left = parse_math2();
        while (is_op("~")) {
            const token& at = advance();
            left = binary("~", at, std::move(left), parse_math2());
        }
        return left;
    }

    jinja_expr_ptr parse_math2() {
        jinja_expr_ptr left = parse_pow();
        while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
            const token& at = advance();
            left = binary(at.value, at, std::move(left), parse_pow());
        }
        return left;
    }

    jinja_expr_ptr parse_pow() {
        jinja_expr_ptr left = parse_unary(true);
        while (is_op("**")) {
            const token& at = advance();
            left = binary("**", at, std::move(left), parse_unary(true));
        }
        return left;
    }

    jinja_expr_ptr parse_unary(bool with_filter) {
        nesting_guard guard(*this);
        jinja_expr_ptr node;
        if (is_op("-") || is_op("+")) {
            auto u = expr_at(jinja_expr_kind::unary, cur());
            u->name = advance().value;
            u->object = parse_unary(false);
            node = std::move(u);
        } else {
            node = parse_primary();
        }
        node = parse_postfix(std::move(node));
        if (with_filter) node = parse_filter_expr(std::move(node));
        return node;
    }

    jinja_expr_ptr literal(const token& at, jinja_value v) {
        auto e = expr_at(jinja_expr_kind::literal, at);
        e->value = std::move(v);
        return e;
    }

    jinja_expr_ptr parse_primary() {
        const token& t = cur();
        switch (t.type) {
            case tok::name: {
                advance();
                if (t.value == "true" || t.value == "True") return literal(t, jinja_bool(true));
                if (t.value == "false" || t.value == "False") return literal(t, jinja_bool(false));
                if (t.value == "none" || t.value == "None") return literal(t, jinja_none());
                auto e = expr_at(jinja_expr_kind::name, t);
                e->name = t.value;
                return e;
            }
            case tok::string: {
                std::string s;
                while (cur().type == tok::string) s += advance().value;
                return literal(t, jinja_string(std::move(s)));
            }
            case tok::integer: advance(); return literal(t, jinja_int(t.integer));
            case tok::floating: advance(); return literal(t, jinja_float(t.floating));
            default: break;
        }
        if (is_op("(")) {
            advance();
            if (is_op(")")) {
                advance();
                return expr_at(jinja_expr_kind::tuple, t);
            }
            jinja_expr_ptr inner = parse_tuple();
            expect_op(")");
            return inner;
        }
        if (is_op("[")) {
            auto e = expr_at(jinja_expr_kind::list, t);
            advance();
            while (!is_op("]")) {
                if (!e->items.empty()) {
                    expect_op(",");
                    if (is_op("]")) break;
                }
                e->items.push_back(parse_expression());
            }
            advance();
            return e;
        }
        if (is_op("{")) {
            auto e = expr_at(jinja_expr_kind::dict, t);
            advance();
            while (!is_op("}")) {
                if (!e->items.empty()) {
                    expect_op(",");
                    if (is_op("}")) break;
                }
                e->items.push_back(parse_expression());
                expect_op(":");
                e->items.push_back(parse_expression());
            }
            advance();
            return e;
        }
        fail_here("unexpected " + describe(t));
    }

    void parse_call_args(jinja_expr& call) {
        expect_op("(");
        bool first = true;
        while (!is_op(")")) {
            if (!first) {
                expect_op(",");
                if (is_op(")")) break;
            }
            first = false;
            if (cur().type == tok::name && peek().type == tok::op && peek().value == "=") {
                std::string key = advance().value;
                advance();
                call.keywords.emplace_back(key, parse_expression());
            } else {
                if (!call.keywords.empty()) fail_here("positional argument follows keyword argument");
                call.items.push_back(parse_expression());
            }
        }
        advance();
    }

    jinja_expr_ptr parse_subscript(jinja_expr_ptr object) {
        const token& at = cur();
        advance();  // '['
        jinja_expr_ptr parts[3];
        int part = 0;
        bool is_slice = false;
        while (!is_op("]")) {
            if (is_op(":")) {
                if (part == 2) fail_here("too many ':' in slice");
                is_slice = true;
                ++part;
                advance();
                continue;
            }
            if (parts[part]) fail_here("expected ']', got " + describe(cur()));
            parts[part] = parse_expression();
        }
        advance();
        if (!is_slice && !parts[0]) syntax_error(at.line, at.column, "expected an expression in subscript");
        auto e = expr_at(is_slice ? jinja_expr_kind::slice : jinja_expr_kind::item, at);
        e->object = std::move(object);
        for (int i = 0; i < (is_slice ? 3 : 1); ++i) e->items.push_back(std::move(parts[i]));
        return e;
    }

    jinja_expr_ptr parse_postfix(jinja_expr_ptr node) {
        while (true) {
            if (is_op(".")) {
                const token& at = advance();
                if (cur().type == tok::name) {
                    auto e = expr_at(jinja_expr_kind::attribute, at);
                    e->name = advance().value;
                    e->object = std::move(node);
                    node = std::move(e);
                } else if (cur().type == tok::integer) {
                    auto e = expr_at(jinja_expr_kind::item, at);
                    e->object = std::move(node);
                    e->items.push_back(literal(cur(), jinja_int(cur().integer)));
                    advance();
                    node = std::move(e);
                } else {
                    fail_here("expected name or number after '.'");
                }
            } else if (is_op("[")) {
                node = parse_subscript(std::move(node));
            } else if (is_op("(")) {
                node = parse_call(std::move(node));
            } else {
                return node;
            }
        }
    }

    jinja_expr_ptr parse_call(jinja_expr_ptr object) {
        auto e = expr_at(jinja_expr_kind::call, cur());
        e->object = std::move(object);
        parse_call_args(*e);
        return e;
    }

    jinja_expr_ptr parse_filter_expr(jinja_expr_ptr node) {
        while (true) {
            if (is_op("|")) {
                auto e = expr_at(jinja_expr_kind::filter, advance());
                e->name = expect_name();
                e->object = std::move(node);
                if (is_op("(")) parse_call_args(*e);
                node = std::move(e);
            } else if (is_name("is")) {
                auto e = expr_at(jinja_expr_kind::test, advance());
                if (is_name("not")) {
                    advance();
                    e->negated = true;
                }
                e->name = expect_name();
                e->object = std::move(node);
                if (is_op("(")) {
                    parse_call_args(*e);
                } else if ((cur().type == tok::name || cur().type == tok::string || cur().type == tok::integer ||
                            cur().type == tok::floating || is_op("(") || is_op("[") || is_op("{")) &&
                           !is_name("else") && !is_name("or") && !is_name("and")) {
                    if (is_name("is")) fail_here("you cannot chain multiple tests with is");
                    e->items.push_back(parse_postfix(parse_primary()));
                }
                node = std::move(e);
            } else if (is_op("(")) {
                node = parse_call(std::move(node));
            } else {
                return node;
            }
        }
    }
};

}  // namespace

std::unique_ptr<jinja_template> jinja_parse(std::string_view source) {
    auto tmpl = std::make_unique<jinja_template>();
    parser p(lexer(source).run());
    tmpl->body = p.parse_template();
    return tmpl;
}

}  // namespace clinote

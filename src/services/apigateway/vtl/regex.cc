#include "services/apigateway/vtl/regex.h"

#include <cctype>
#include <functional>

#include "services/apigateway/vtl/vtl.h"

namespace stratus::apigateway::vtl {
namespace {

struct RNode {
  enum Kind { chr, any, cls, bol, eol, wordb, nwordb, group, repeat, backref } kind = chr;
  unsigned char c = 0;
  std::vector<std::pair<unsigned char, unsigned char>> ranges;
  bool negate = false;
  int capture = -1;                        // group: capture index, -1 for (?: )
  std::vector<std::vector<RNode*>> alts;   // group alternatives
  RNode* child = nullptr;                  // repeat
  int min = 0, max = -1;                   // max -1: unbounded
  bool greedy = true;
  int ref = 0;                             // backref
  bool single() const { return kind == chr || kind == any || kind == cls; }
};

[[noreturn]] void syntax(std::string_view p, const char* why) {
  throw RenderError("PatternSyntaxException: " + std::string(why) + " in " + std::string(p));
}

bool is_word(unsigned char c) { return std::isalnum(c) || c == '_'; }

}  // namespace

struct Regex::Impl {
  std::vector<std::unique_ptr<RNode>> pool;
  std::vector<RNode*> top;
  int groups = 0;
  std::string_view pat;
  size_t i = 0;
  int depth = 0;

  RNode* make(RNode::Kind k) {
    pool.push_back(std::make_unique<RNode>());
    pool.back()->kind = k;
    return pool.back().get();
  }

  // --- compile ---------------------------------------------------------------------------
  std::vector<std::vector<RNode*>> alternatives() {
    if (++depth > 100) syntax(pat, "nesting too deep");
    std::vector<std::vector<RNode*>> alts(1);
    while (i < pat.size() && pat[i] != ')') {
      if (pat[i] == '|') {
        ++i;
        alts.emplace_back();
        continue;
      }
      RNode* atom = parse_atom();
      atom = quantify(atom);
      alts.back().push_back(atom);
    }
    --depth;
    return alts;
  }

  RNode* quantify(RNode* atom) {
    while (i < pat.size()) {
      char q = pat[i];
      int mn, mx;
      if (q == '*') { mn = 0; mx = -1; ++i; }
      else if (q == '+') { mn = 1; mx = -1; ++i; }
      else if (q == '?') { mn = 0; mx = 1; ++i; }
      else if (q == '{' && i + 1 < pat.size() && std::isdigit(static_cast<unsigned char>(pat[i + 1]))) {
        size_t j = i + 1;
        auto num = [&]() {
          long v = 0;
          while (j < pat.size() && std::isdigit(static_cast<unsigned char>(pat[j]))) {
            v = v * 10 + (pat[j] - '0');
            if (v > 100000) syntax(pat, "repetition too large");
            ++j;
          }
          return static_cast<int>(v);
        };
        mn = num();
        mx = mn;
        if (j < pat.size() && pat[j] == ',') {
          ++j;
          mx = (j < pat.size() && pat[j] == '}') ? -1 : num();
        }
        if (j >= pat.size() || pat[j] != '}' || (mx != -1 && mx < mn)) syntax(pat, "bad repetition");
        i = j + 1;
      } else {
        return atom;
      }
      if (atom->kind == RNode::bol || atom->kind == RNode::eol) syntax(pat, "dangling quantifier");
      RNode* r = make(RNode::repeat);
      r->child = atom;
      r->min = mn;
      r->max = mx;
      if (i < pat.size() && pat[i] == '?') {
        r->greedy = false;
        ++i;
      } else if (i < pat.size() && pat[i] == '+') {
        ++i;  // possessive: treated as greedy
      }
      atom = r;
    }
    return atom;
  }

  void class_escape(char e, RNode* n) {
    auto add = [&](unsigned char a, unsigned char b) { n->ranges.emplace_back(a, b); };
    switch (e) {
      case 'd': add('0', '9'); break;
      case 'w': add('a', 'z'); add('A', 'Z'); add('0', '9'); add('_', '_'); break;
      case 's': add(' ', ' '); add('\t', '\r'); break;
      default: break;
    }
  }
  // The complement of \D \W \S as ranges over bytes.
  void negated_escape(char e, RNode* n) {
    RNode tmp;
    class_escape(static_cast<char>(std::tolower(e)), &tmp);
    for (int b = 0; b < 256; ++b) {
      bool in = false;
      for (auto [lo, hi] : tmp.ranges) in = in || (b >= lo && b <= hi);
      if (!in) n->ranges.emplace_back(static_cast<unsigned char>(b), static_cast<unsigned char>(b));
    }
  }
  unsigned char escaped_char(char e) {
    switch (e) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'f': return '\f';
      case 'e': return 27;
      case '0': return 0;
      default: return static_cast<unsigned char>(e);
    }
  }

  RNode* parse_atom() {
    char c = pat[i];
    if (c == '(') {
      ++i;
      RNode* g = make(RNode::group);
      if (pat.substr(i, 2) == "?:") {
        i += 2;
      } else if (i < pat.size() && pat[i] == '?') {
        syntax(pat, "unsupported group construct");
      } else {
        g->capture = ++groups;
      }
      g->alts = alternatives();
      if (i >= pat.size() || pat[i] != ')') syntax(pat, "unclosed group");
      ++i;
      return g;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      if (c == '{') {
        ++i;
        RNode* n = make(RNode::chr);
        n->c = '{';
        return n;
      }
      syntax(pat, "dangling meta character");
    }
    ++i;
    if (c == '.') return make(RNode::any);
    if (c == '^') return make(RNode::bol);
    if (c == '$') return make(RNode::eol);
    if (c == '[') return parse_class();
    if (c == '\\') {
      if (i >= pat.size()) syntax(pat, "trailing backslash");
      char e = pat[i++];
      if (e == 'd' || e == 'w' || e == 's') {
        RNode* n = make(RNode::cls);
        class_escape(e, n);
        return n;
      }
      if (e == 'D' || e == 'W' || e == 'S') {
        RNode* n = make(RNode::cls);
        negated_escape(e, n);
        return n;
      }
      if (e == 'b') return make(RNode::wordb);
      if (e == 'B') return make(RNode::nwordb);
      if (e >= '1' && e <= '9') {
        RNode* n = make(RNode::backref);
        n->ref = e - '0';
        return n;
      }
      if (std::isalpha(static_cast<unsigned char>(e)) && std::string_view("ntrfe").find(e) == std::string_view::npos)
        syntax(pat, "unsupported escape");
      RNode* n = make(RNode::chr);
      n->c = escaped_char(e);
      return n;
    }
    RNode* n = make(RNode::chr);
    n->c = static_cast<unsigned char>(c);
    return n;
  }

  RNode* parse_class() {
    RNode* n = make(RNode::cls);
    if (i < pat.size() && pat[i] == '^') {
      n->negate = true;
      ++i;
    }
    bool first = true;
    while (true) {
      if (i >= pat.size()) syntax(pat, "unclosed character class");
      char c = pat[i];
      if (c == ']' && !first) {
        ++i;
        break;
      }
      first = false;
      unsigned char lo;
      if (c == '\\') {
        if (i + 1 >= pat.size()) syntax(pat, "trailing backslash");
        char e = pat[i + 1];
        i += 2;
        if (e == 'd' || e == 'w' || e == 's') {
          class_escape(e, n);
          continue;
        }
        if (e == 'D' || e == 'W' || e == 'S') {
          negated_escape(e, n);
          continue;
        }
        lo = escaped_char(e);
      } else {
        if (c == '[') syntax(pat, "nested classes are not supported");
        lo = static_cast<unsigned char>(c);
        ++i;
      }
      unsigned char hi = lo;
      if (i + 1 < pat.size() && pat[i] == '-' && pat[i + 1] != ']') {
        char h = pat[i + 1];
        i += 2;
        if (h == '\\') {
          if (i >= pat.size()) syntax(pat, "trailing backslash");
          h = static_cast<char>(escaped_char(pat[i++]));
        }
        hi = static_cast<unsigned char>(h);
        if (hi < lo) syntax(pat, "illegal character range");
      }
      n->ranges.emplace_back(lo, hi);
    }
    return n;
  }

  // --- match -----------------------------------------------------------------------------
  struct Run {
    std::string_view s;
    Groups caps;
    Budget& budget;
    int depth = 0;
    void tick() {
      if (++budget.steps > budget.max_steps) throw RenderError("regular expression exceeded its step limit");
    }
  };
  using Cont = std::function<bool(size_t)>;

  static bool single(const RNode* n, Run& r, size_t pos) {
    if (pos >= r.s.size()) return false;
    auto ch = static_cast<unsigned char>(r.s[pos]);
    switch (n->kind) {
      case RNode::chr: return ch == n->c;
      case RNode::any: return ch != '\n';
      case RNode::cls: {
        bool in = false;
        for (auto [lo, hi] : n->ranges) in = in || (ch >= lo && ch <= hi);
        return in != n->negate;
      }
      default: return false;
    }
  }

  bool seq(const std::vector<RNode*>& s, size_t k, size_t pos, Run& r, const Cont& cont) const {
    if (k == s.size()) return cont(pos);
    return one(s[k], pos, r, [&](size_t p) { return seq(s, k + 1, p, r, cont); });
  }

  struct Depth {
    Run& r;
    explicit Depth(Run& run) : r(run) {
      if (++r.depth > 3000) throw RenderError("regular expression recursion too deep");
    }
    ~Depth() { --r.depth; }
  };

  bool one(const RNode* n, size_t pos, Run& r, const Cont& cont) const {
    r.tick();
    Depth guard(r);
    const std::string_view s = r.s;
    switch (n->kind) {
      case RNode::chr:
      case RNode::any:
      case RNode::cls: return single(n, r, pos) && cont(pos + 1);
      case RNode::bol: return pos == 0 && cont(pos);
      case RNode::eol: return (pos == s.size() || (pos + 1 == s.size() && s[pos] == '\n')) && cont(pos);
      case RNode::wordb:
      case RNode::nwordb: {
        bool before = pos > 0 && is_word(static_cast<unsigned char>(s[pos - 1]));
        bool after = pos < s.size() && is_word(static_cast<unsigned char>(s[pos]));
        return ((before != after) == (n->kind == RNode::wordb)) && cont(pos);
      }
      case RNode::backref: {
        if (n->ref >= static_cast<int>(r.caps.size()) || r.caps[n->ref].first < 0) return false;
        auto [b, e] = r.caps[n->ref];
        size_t len = static_cast<size_t>(e - b);
        if (s.substr(pos, len) != s.substr(static_cast<size_t>(b), len)) return false;
        return cont(pos + len);
      }
      case RNode::group: {
        for (const auto& alt : n->alts) {
          auto saved = n->capture >= 0 ? r.caps[n->capture] : std::pair<int64_t, int64_t>{-1, -1};
          bool ok = seq(alt, 0, pos, r, [&](size_t p) {
            if (n->capture >= 0) {
              auto before = r.caps[n->capture];
              r.caps[n->capture] = {static_cast<int64_t>(pos), static_cast<int64_t>(p)};
              if (cont(p)) return true;
              r.caps[n->capture] = before;
              return false;
            }
            return cont(p);
          });
          if (ok) return true;
          if (n->capture >= 0) r.caps[n->capture] = saved;
        }
        return false;
      }
      case RNode::repeat: {
        const RNode* c = n->child;
        if (c->single()) {
          // Count how far the single-character atom reaches, then try the continuation from
          // each length: no recursion per character.
          size_t limit = n->max < 0 ? s.size() - std::min(pos, s.size()) : static_cast<size_t>(n->max);
          size_t count = 0;
          while (count < limit && single(c, r, pos + count)) {
            ++count;
            r.tick();
          }
          if (count < static_cast<size_t>(n->min)) return false;
          if (n->greedy) {
            for (size_t k = count + 1; k-- > static_cast<size_t>(n->min);) {
              r.tick();
              if (cont(pos + k)) return true;
            }
          } else {
            for (size_t k = n->min; k <= count; ++k) {
              r.tick();
              if (cont(pos + k)) return true;
            }
          }
          return false;
        }
        return rep(n, 0, pos, r, cont);
      }
    }
    return false;
  }

  bool rep(const RNode* n, int count, size_t pos, Run& r, const Cont& cont) const {
    r.tick();
    Depth guard(r);
    auto more = [&]() {
      if (n->max >= 0 && count >= n->max) return false;
      return one(n->child, pos, r, [&](size_t p) {
        if (p == pos && count >= n->min) return false;  // an empty iteration ends the loop
        return rep(n, count + 1, p, r, cont);
      });
    };
    if (count < n->min) return more();
    if (n->greedy) return more() || cont(pos);
    return cont(pos) || more();
  }
};

Regex::Regex(std::string_view pattern) : impl_(std::make_unique<Impl>()) {
  impl_->pat = pattern;
  auto alts = impl_->alternatives();
  if (impl_->i != pattern.size()) syntax(pattern, "unmatched ')'");
  RNode* g = impl_->make(RNode::group);
  g->alts = std::move(alts);
  impl_->top = {g};
  impl_->pat = {};
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;

int Regex::group_count() const { return impl_->groups; }

bool Regex::search(std::string_view s, size_t from, Groups& groups, Budget& budget) const {
  for (size_t start = from; start <= s.size(); ++start) {
    Impl::Run r{s, Groups(impl_->groups + 1, {-1, -1}), budget};
    size_t end = 0;
    if (impl_->seq(impl_->top, 0, start, r, [&](size_t p) {
          end = p;
          return true;
        })) {
      r.caps[0] = {static_cast<int64_t>(start), static_cast<int64_t>(end)};
      groups = std::move(r.caps);
      return true;
    }
  }
  return false;
}

bool Regex::full_match(std::string_view s, Budget& budget) const {
  Impl::Run r{s, Groups(impl_->groups + 1, {-1, -1}), budget};
  return impl_->seq(impl_->top, 0, 0, r, [&](size_t p) { return p == s.size(); });
}

std::string Regex::replace(std::string_view s, std::string_view rep, bool all, Budget& budget) const {
  std::string out;
  size_t pos = 0;  // copied up to here
  size_t from = 0;
  Groups g;
  while (from <= s.size() && search(s, from, g, budget)) {
    auto b = static_cast<size_t>(g[0].first), e = static_cast<size_t>(g[0].second);
    out.append(s.substr(pos, b - pos));
    for (size_t i = 0; i < rep.size(); ++i) {
      char c = rep[i];
      if (c == '\\' && i + 1 < rep.size()) {
        out += rep[++i];
      } else if (c == '$' && i + 1 < rep.size() && std::isdigit(static_cast<unsigned char>(rep[i + 1]))) {
        int n = rep[++i] - '0';
        if (n >= static_cast<int>(g.size()))
          throw RenderError("IndexOutOfBoundsException: No group " + std::to_string(n));
        if (g[n].first >= 0) out.append(s.substr(g[n].first, g[n].second - g[n].first));
      } else if (c == '$') {
        throw RenderError("IllegalArgumentException: Illegal group reference");
      } else {
        out += c;
      }
      if (out.size() > (64u << 20)) throw RenderError("replacement too large");
    }
    pos = e;
    if (e == b) {
      if (e < s.size()) out += s[e];
      pos = e + 1;
      from = e + 1;
    } else {
      from = e;
    }
    if (!all) break;
  }
  if (pos < s.size()) out.append(s.substr(pos));
  return out;
}

std::vector<std::string> Regex::split(std::string_view s, Budget& budget) const {
  std::vector<std::string> parts;
  if (s.empty()) return {""};
  size_t pos = 0, from = 0;
  Groups g;
  while (from <= s.size() && search(s, from, g, budget)) {
    auto b = static_cast<size_t>(g[0].first), e = static_cast<size_t>(g[0].second);
    if (e == b) {
      // A zero-width match at the start never yields a leading empty string (Java 8).
      if (b == 0 || b >= s.size()) {
        from = b + 1;
        continue;
      }
    }
    parts.emplace_back(s.substr(pos, b - pos));
    pos = e;
    from = e == b ? e + 1 : e;
  }
  parts.emplace_back(s.substr(pos));
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

}  // namespace stratus::apigateway::vtl

#include "services/events/transform.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <vector>

namespace stratus::events::transform {
namespace {

constexpr int kMaxDepth = 1000;  // PutEvents processes nested JSON up to 1000 levels

// Nesting depth of JSON-ish text (brackets outside strings): bounds the recursive writer.
bool shallow(std::string_view s) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

bool parse(std::string_view text, rapidjson::Document& doc) {
  if (!shallow(text)) return false;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  return !doc.HasParseError();
}

std::string write(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

struct Step {
  bool index = false;
  size_t n = 0;
  std::string name;
};

std::optional<std::vector<Step>> steps_of(std::string_view p) {
  if (p.empty() || p[0] != '$') return std::nullopt;
  std::vector<Step> out;
  size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t j = i + 1;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      if (j == i + 1) return std::nullopt;
      out.push_back({false, 0, std::string(p.substr(i + 1, j - i - 1))});
      i = j;
    } else if (p[i] == '[') {
      if (i + 1 < p.size() && (p[i + 1] == '\'' || p[i + 1] == '"')) {
        char q = p[i + 1];
        size_t j = p.find(q, i + 2);
        if (j == std::string_view::npos || j + 1 >= p.size() || p[j + 1] != ']') return std::nullopt;
        out.push_back({false, 0, std::string(p.substr(i + 2, j - i - 2))});
        i = j + 2;
      } else {
        size_t j = i + 1;
        size_t n = 0;
        while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
          n = n * 10 + static_cast<size_t>(p[j] - '0');
          if (n > 1'000'000'000) return std::nullopt;
          ++j;
        }
        if (j == i + 1 || j >= p.size() || p[j] != ']') return std::nullopt;
        out.push_back({true, n, {}});
        i = j + 1;
      }
    } else {
      return std::nullopt;
    }
  }
  return out;
}

const rapidjson::Value* walk(const rapidjson::Value& root, const std::vector<Step>& steps) {
  const rapidjson::Value* v = &root;
  for (const auto& s : steps) {
    if (s.index) {
      if (!v->IsArray() || s.n >= v->Size()) return nullptr;
      v = &(*v)[static_cast<rapidjson::SizeType>(s.n)];
    } else {
      if (!v->IsObject()) return nullptr;
      // The last member of a name wins (as in event patterns).
      const rapidjson::Value* found = nullptr;
      for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m) {
        if (std::string_view(m->name.GetString(), m->name.GetStringLength()) == s.name) found = &m->value;
      }
      if (!found) return nullptr;
      v = found;
    }
  }
  return v;
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

}  // namespace

std::optional<std::string> minify(std::string_view text) {
  rapidjson::Document doc;
  if (!parse(text, doc)) return std::nullopt;
  return write(doc);
}

bool is_json_object(std::string_view text) {
  rapidjson::Document doc;
  return parse(text, doc) && doc.IsObject();
}

bool valid_path(std::string_view path) {
  return steps_of(path).has_value();
}

std::optional<std::string> extract(std::string_view json, std::string_view path) {
  auto steps = steps_of(path);
  if (!steps) return std::nullopt;
  rapidjson::Document doc;
  if (!parse(json, doc)) return std::nullopt;
  const rapidjson::Value* v = walk(doc, *steps);
  if (!v) return std::nullopt;
  return write(*v);
}

std::string without_detail(std::string_view event_json) {
  rapidjson::Document doc;
  if (!parse(event_json, doc) || !doc.IsObject()) return std::string(event_json);
  doc.RemoveMember("detail");
  return write(doc);
}

std::string render(std::string_view tmpl, const std::map<std::string, std::string>& paths, std::string_view event_json,
                   const Context& ctx) {
  rapidjson::Document doc;
  bool have_doc = parse(event_json, doc);
  // name -> JSON text of its value (nullopt: the path names nothing)
  std::map<std::string, std::optional<std::string>, std::less<>> values;
  for (const auto& [name, path] : paths) {
    std::optional<std::string> v;
    auto steps = steps_of(path);
    if (have_doc && steps) {
      if (const rapidjson::Value* found = walk(doc, *steps)) v = write(*found);
    }
    values[name] = std::move(v);
  }
  auto quoted = [](std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buf.GetString(), buf.GetSize());
  };
  values["aws.events.rule-arn"] = quoted(ctx.rule_arn);
  values["aws.events.rule-name"] = quoted(ctx.rule_name);
  values["aws.events.event.ingestion-time"] = quoted(ctx.ingestion_time);
  if (tmpl.find("<aws.events.event>") != std::string_view::npos) {
    values["aws.events.event"] = have_doc ? without_detail(event_json) : std::string(event_json);
  }
  if (tmpl.find("<aws.events.event.json>") != std::string_view::npos) {
    values["aws.events.event.json"] = have_doc ? write(doc) : std::string(event_json);
  }

  std::string out;
  out.reserve(tmpl.size() + 64);
  bool in_str = false;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c == '\\' && in_str && i + 1 < tmpl.size()) {
      out.push_back(c);
      out.push_back(tmpl[++i]);
      continue;
    }
    if (c == '"') {
      in_str = !in_str;
      out.push_back(c);
      continue;
    }
    if (c == '<') {
      size_t j = i + 1;
      while (j < tmpl.size() && name_char(tmpl[j])) ++j;
      if (j < tmpl.size() && tmpl[j] == '>' && j > i + 1) {
        auto it = values.find(tmpl.substr(i + 1, j - i - 1));
        if (it != values.end()) {
          const auto& v = it->second;
          if (!v) {
            if (!in_str) out += "null";
          } else if (in_str && !v->empty() && (*v)[0] == '"') {
            // A string inside a string: its characters, unescaped (AWS does not escape them).
            rapidjson::Document s;
            if (parse(*v, s) && s.IsString())
              out.append(s.GetString(), s.GetStringLength());
            else
              out += *v;
          } else {
            out += *v;
          }
          i = j;
          continue;
        }
      }
    }
    out.push_back(c);
  }
  if (auto compact = minify(out)) return *compact;
  return out;
}

}  // namespace stratus::events::transform

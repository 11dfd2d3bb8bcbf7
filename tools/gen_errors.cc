// Writes a service's errors.h at build time: one factory per error shape of its model(s).
//
//   gen_errors OUT.h FOLDER MODEL.json=NAMESPACE [MODEL.json=NAMESPACE ...]
//
// (CMakeLists.txt runs it for every src/services/<folder> that has a model; the header lands in
// build/generated/services/<folder>/errors.h, so it is always current with models/ and no
// generated text is checked in.) Each factory builds the AwsError with the model's code (Query
// protocol services: the shape's error.code; the others: the shape name, which codecs map to e.g.
// SQS's awsQueryError code), HTTP status (error.httpStatusCode, else 400 for client errors and 500
// for server faults) and sender fault. Services throw them; the messages are AWS's and are the
// caller's to give. Common errors (ValidationException, InvalidParameterValue, ...) are not in
// every model and live in core/error.h (stratus::errors).
//
// Factory names: the shape name without a trailing Exception/Fault, in snake case
// (ResourceNotFoundException -> resource_not_found); a C++ keyword gets a trailing '_'; two shapes
// of one model that would share a name (Foo and FooException) keep their full names.
#include <rapidjson/document.h>

#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct ErrorShape {
  std::string name, code;
  int status = 400;
  bool sender = true;
};

std::string snake_words(const std::string& s) {
  static const std::regex lower_upper("([a-z0-9])([A-Z])");
  return std::regex_replace(s, lower_upper, "$1_$2");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string factory_name(std::string name) {
  static const std::set<std::string> keywords{"delete", "default", "operator", "register", "throw", "try"};
  static const std::regex acronym("([A-Z]+)([A-Z][a-z])");
  for (const std::string suffix : {"Exception", "Fault"}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  std::string s = lower(std::regex_replace(snake_words(name), acronym, "$1_$2"));
  return keywords.count(s) ? s + "_" : s;
}

std::vector<ErrorShape> errors_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document model;
  if (!in || model.Parse(text.str().c_str()).HasParseError() || !model.HasMember("shapes"))
    throw std::runtime_error("cannot read model " + path);
  bool query = model["metadata"].HasMember("protocol") && model["metadata"]["protocol"] == "query";
  std::map<std::string, ErrorShape> sorted;
  // (An iterator loop with `<`: with C++20's rewritten comparisons, clang finds RapidJSON's
  // member iterator `!=`, which a range-for uses, ambiguous.)
  const auto& shapes = model["shapes"];
  for (auto m = shapes.MemberBegin(); m < shapes.MemberEnd(); ++m) {
    const auto& shape = m->value;
    if (!shape.HasMember("exception") || !shape["exception"].GetBool()) continue;
    ErrorShape e;
    e.name = m->name.GetString();
    bool fault = shape.HasMember("fault") && shape["fault"].GetBool();
    e.code = e.name;
    e.status = fault ? 500 : 400;
    e.sender = !fault;
    if (shape.HasMember("error")) {
      const auto& err = shape["error"];
      if (query && err.HasMember("code")) e.code = err["code"].GetString();
      if (err.HasMember("httpStatusCode")) e.status = err["httpStatusCode"].GetInt();
      if (err.HasMember("senderFault")) e.sender = err["senderFault"].GetBool();
    }
    sorted[e.name] = e;
  }
  std::vector<ErrorShape> out;
  for (auto& [_, e] : sorted) out.push_back(std::move(e));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: gen_errors OUT.h FOLDER MODEL.json=NAMESPACE...\n";
    return 2;
  }
  try {
    std::vector<std::pair<std::string, std::string>> models;  // path, namespace
    std::string stems;
    for (int i = 3; i < argc; ++i) {
      std::string arg = argv[i];
      auto eq = arg.find('=');
      if (eq == std::string::npos) throw std::runtime_error("expected MODEL.json=NAMESPACE: " + arg);
      models.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
      std::string stem = arg.substr(0, eq);
      stem = stem.substr(stem.find_last_of('/') + 1);
      stem = stem.substr(0, stem.rfind(".json"));
      stems += (stems.empty() ? "" : ", ") + stem;
    }
    std::ostringstream h;
    h << "// Errors of " << stems << " as the model declares them: code, HTTP status and\n"
      << "// sender fault. Generated at build time by tools/gen_errors.cc from models/.\n"
      << "#pragma once\n\n#include <string>\n#include <utility>\n\n#include \"core/error.h\"\n";
    for (const auto& [path, ns] : models) {
      auto errs = errors_of(path);
      std::map<std::string, int> uses;
      for (const auto& e : errs) ++uses[factory_name(e.name)];
      h << "\nnamespace stratus::" << ns << "::errors {\n\n";
      for (const auto& e : errs) {
        std::string fn = factory_name(e.name);
        if (uses[fn] > 1) fn = lower(snake_words(e.name));
        h << "inline AwsError " << fn << "(std::string message) {\n"
          << "  return {\"" << e.code << "\", std::move(message), " << e.status << ", "
          << (e.sender ? "true" : "false") << "};\n}\n";
      }
      h << "\n}  // namespace stratus::" << ns << "::errors\n";
    }
    std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
    out << h.str();
    return out ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "gen_errors: " << e.what() << "\n";
    return 1;
  }
}

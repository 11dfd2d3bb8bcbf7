// DynamoDB PartiQL parser: statement kinds, literals, parameters, WHERE clauses evaluated through
// the expression engine, update actions, and AWS's errors for malformed statements.
#include <gtest/gtest.h>

#include "services/dynamodb/partiql.h"

using namespace stratus;
using namespace stratus::dynamodb;
using partiql::Statement;

namespace {

Doc S(const char* s) { Doc d = Doc::map(); d.set("S", s); return d; }
Doc N(const char* n) { Doc d = Doc::map(); d.set("N", n); return d; }

Statement parse(const std::string& text, DocList params = {}) {
  return partiql::parse(text, params.empty() ? nullptr : &params);
}

std::string error_of(const std::string& text, DocList params = {}) {
  try {
    parse(text, std::move(params));
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "ValidationException");
    return e.message;
  }
  return "";
}

Item sample() {
  Item it;
  it["pk"] = Value::str("a");
  it["n"] = Value::num(Decimal::must("5"));
  it["s"] = Value::str("hello");
  Value l;
  l.type = Type::L;
  l.list.push_back(Value::str("x"));
  l.list.push_back(Value::num(Decimal::must("2")));
  it["l"] = l;
  Value m;
  m.type = Type::M;
  m.map["k"] = Value::str("v");
  it["m"] = m;
  it["nul"] = Value();
  return it;
}

bool where(const std::string& cond, DocList params = {}) {
  Statement st = parse("SELECT * FROM \"t\" WHERE " + cond, std::move(params));
  return evaluate(*st.where, sample());
}

TEST(DynamoPartiql, SelectShapes) {
  Statement st = parse("select * from \"Music\"");
  EXPECT_EQ(st.kind, Statement::Kind::select);
  EXPECT_EQ(st.table, "Music");
  EXPECT_FALSE(st.projection);
  EXPECT_FALSE(st.where);

  st = parse("SELECT a, \"b c\", m.k, l[1], m['k'] FROM \"Music\".\"ByArtist\" WHERE a = 'x' ORDER BY sk DESC;");
  EXPECT_EQ(st.index, "ByArtist");
  ASSERT_TRUE(st.projection);
  ASSERT_EQ(st.projection->size(), 5u);
  EXPECT_EQ((*st.projection)[1][0].name, "b c");
  EXPECT_EQ(path_text((*st.projection)[2]), path_text(Path{{"m", -1}, {"k", -1}}));
  EXPECT_EQ((*st.projection)[3][1].index, 1);
  EXPECT_EQ((*st.projection)[4][1].name, "k");
  ASSERT_TRUE(st.order_by);
  EXPECT_TRUE(st.descending);
  // Bare table names are identifiers too.
  EXPECT_EQ(parse("SELECT * FROM Music WHERE x = 1").table, "Music");
}

TEST(DynamoPartiql, WhereOperators) {
  EXPECT_TRUE(where("pk = 'a'"));
  EXPECT_TRUE(where("'a' = pk"));
  EXPECT_FALSE(where("pk <> 'a'"));
  EXPECT_TRUE(where("pk != 'b'"));
  EXPECT_TRUE(where("n > 4 AND n >= 5 AND n < 6 AND n <= 5"));
  EXPECT_TRUE(where("n BETWEEN 1 AND 5"));
  EXPECT_FALSE(where("n BETWEEN 6 AND 9"));
  EXPECT_TRUE(where("n IN [1, 5]"));
  EXPECT_TRUE(where("n IN (1, 5)"));
  EXPECT_TRUE(where("n NOT IN [1, 2]"));
  EXPECT_TRUE(where("NOT n = 4 AND (n = 1 OR n = 5)"));
  EXPECT_TRUE(where("begins_with(s, 'he') AND contains(s, 'll') AND contains(l, 'x')"));
  EXPECT_TRUE(where("attribute_type(m, 'M') AND NOT attribute_type(s, 'N')"));
  EXPECT_TRUE(where("size(s) = 5 AND size(l) = 2"));
  EXPECT_TRUE(where("absent IS MISSING AND s IS NOT MISSING"));
  EXPECT_TRUE(where("nul IS NULL AND s IS NOT NULL"));
  EXPECT_TRUE(where("m.k = 'v' AND l[1] = 2 AND l[0] = 'x'"));
  EXPECT_TRUE(where("n = -5 OR n = 5.0"));
  EXPECT_TRUE(where("l = ['x', 2]"));
  EXPECT_TRUE(where("m = {'k': 'v'}"));
  EXPECT_TRUE(where("pk = ? AND n = ?", {S("a"), N("5")}));
  EXPECT_TRUE(where("PK = 'a' or pk = 'a'"));  // keywords are case-insensitive, names are not
  EXPECT_FALSE(where("PK = 'a'"));
}

TEST(DynamoPartiql, Literals) {
  Statement st = parse(
      "INSERT INTO \"t\" VALUE {'pk': 'it''s', 'n': 1.50e1, 'neg': -3, 'b': TRUE, 'z': null, "
      "'ss': <<'a', 'b'>>, 'ns': <<1, 2>>, 'l': [1, 'x', [FALSE]], 'm': {\"q\": {}}, 'p': ?}",
      {S("param")});
  EXPECT_EQ(st.kind, Statement::Kind::insert);
  const Item& it = st.item;
  EXPECT_EQ(it.at("pk").scalar, "it's");
  EXPECT_EQ(it.at("n").scalar, "15");
  EXPECT_EQ(it.at("neg").scalar, "-3");
  EXPECT_EQ(it.at("b").type, Type::BOOL);
  EXPECT_EQ(it.at("z").type, Type::NUL);
  EXPECT_EQ(it.at("ss").type, Type::SS);
  EXPECT_EQ(it.at("ss").set.size(), 2u);
  EXPECT_EQ(it.at("ns").type, Type::NS);
  EXPECT_EQ(it.at("l").list.size(), 3u);
  EXPECT_EQ(it.at("m").map.at("q").type, Type::M);
  EXPECT_EQ(it.at("p").scalar, "param");
}

TEST(DynamoPartiql, UpdateAndDelete) {
  Statement st = parse(
      "UPDATE \"t\" SET a = a + 1, b = list_append(b, [1]) SET c = set_add(c, <<'x'>>) "
      "REMOVE d, e[0] SET f = set_delete(f, <<1>>) WHERE pk = 'k' AND a > 0 RETURNING MODIFIED NEW *");
  EXPECT_EQ(st.kind, Statement::Kind::update);
  ASSERT_EQ(st.actions.size(), 6u);
  EXPECT_EQ(st.actions[0].kind, UpdateAction::Kind::set);
  EXPECT_EQ(st.actions[0].value.kind, Operand::Kind::plus);
  EXPECT_EQ(st.actions[1].value.kind, Operand::Kind::list_append);
  EXPECT_EQ(st.actions[2].kind, UpdateAction::Kind::add);
  EXPECT_EQ(st.actions[3].kind, UpdateAction::Kind::remove);
  EXPECT_EQ(st.actions[5].kind, UpdateAction::Kind::del);
  EXPECT_EQ(st.returning, "MODIFIED_NEW");

  Item item = sample();
  item["a"] = Value::num(Decimal::must("1"));
  Statement s2 = parse("UPDATE t SET a = a - 3, s = 'new' REMOVE n WHERE pk = 'a'");
  apply_update(s2.actions, item);
  EXPECT_EQ(item.at("a").scalar, "-2");
  EXPECT_EQ(item.at("s").scalar, "new");
  EXPECT_FALSE(item.count("n"));

  st = parse("DELETE FROM \"t\" WHERE pk = 'a' AND sk = 2 RETURNING ALL OLD *");
  EXPECT_EQ(st.kind, Statement::Kind::del);
  EXPECT_EQ(st.returning, "ALL_OLD");
  auto parts = partiql::conjuncts(*st.where);
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_TRUE(partiql::equality_on(*parts[1], "sk"));
  EXPECT_EQ(partiql::equality_on(*parts[1], "sk")->scalar, "2");
  EXPECT_FALSE(partiql::equality_on(*parts[0], "sk"));
  auto rebuilt = partiql::conjunction({parts[0]});
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(rebuilt->kind, Condition::Kind::eq);
  EXPECT_FALSE(partiql::conjunction({}));
}

TEST(DynamoPartiql, Errors) {
  const std::string prefix = "Statement wasn't well formed, can't be processed: ";
  for (const char* bad : {"", "SELEC * FROM t", "SELECT * FROM", "SELECT * FROM t WHERE", "SELECT * FROM t WHERE a = 'x",
                          "SELECT * FROM t WHERE a = = 1", "SELECT * FROM t extra", "INSERT INTO t VALUE {'a': }",
                          "INSERT INTO t VALUE {'a' 1}", "UPDATE t WHERE a = 1", "DELETE FROM t", "SELECT * FROM \"\"",
                          "SELECT * FROM t WHERE (a = 1", "SELECT * FROM t WHERE a = <<>>", "SELECT * FROM t WHERE a # 1",
                          "DELETE FROM t WHERE a = 1 RETURNING SOME OLD *", "SELECT * FROM t WHERE l[x] = 1"}) {
    std::string m = error_of(bad);
    EXPECT_EQ(m.rfind(prefix, 0), 0u) << bad << " -> " << m;
  }
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = ?"), "Number of parameters in request and statement don't match.");
  EXPECT_EQ(error_of("SELECT * FROM t WHERE a = 1", {S("x")}), "Number of parameters in request and statement don't match.");
  EXPECT_NE(error_of("SELECT * FROM t WHERE a = <<'x', 1>>"), "");
  EXPECT_NE(error_of("INSERT INTO t VALUE 'x'"), "");
  EXPECT_NE(error_of("INSERT INTO t VALUE {'s': <<'a', 'a'>>}"), "");  // sets hold no duplicates
  EXPECT_NE(error_of("INSERT INTO t VALUE {'a': 1, 'a': 2}"), "");
  EXPECT_NE(error_of("DELETE FROM t WHERE a = 1 RETURNING ALL NEW *"), "");
  EXPECT_NE(error_of("UPDATE t SET a = set_add(b, <<'x'>>) WHERE a = 1"), "");
  EXPECT_NE(error_of("SELECT * FROM t WHERE attribute_type(a, 'X')"), "");
  // Deep nesting is refused, not a stack overflow.
  std::string deep = "SELECT * FROM t WHERE " + std::string(10000, '(') + "a = 1" + std::string(10000, ')');
  EXPECT_EQ(error_of(deep).rfind(prefix, 0), 0u);
  std::string deep_list = "INSERT INTO t VALUE {'a': " + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_NE(error_of(deep_list), "");
}

}  // namespace

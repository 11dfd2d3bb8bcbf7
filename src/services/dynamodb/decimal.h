// DynamoDB numbers: exact decimals with up to 38 significant digits and a magnitude between
// 1E-130 and 9.99…E+125 (AWS's limits). Never converted to binary floating point.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace stratus::dynamodb {

class Decimal {
 public:
  Decimal() = default;  // zero

  // Parses DynamoDB number text ("-12.50", "1e3", "+.5"); the error is AWS's ValidationException.
  static Result<Decimal> parse(std::string_view text);
  // Parses, or throws the AwsError.
  static Decimal must(std::string_view text);

  // Checks DynamoDB's limits (38 digits, exponent range); nullopt-like empty string when fine,
  // else AWS's message.
  std::string check() const;

  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return neg_; }
  // Number of significant digits.
  size_t precision() const { return digits_.size(); }

  // Normalised text as DynamoDB returns numbers: plain notation, no leading or trailing zeros.
  std::string str() const;

  Decimal operator-() const;
  friend Decimal operator+(const Decimal& a, const Decimal& b);
  friend Decimal operator-(const Decimal& a, const Decimal& b) { return a + (-b); }
  friend int compare(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return compare(a, b) == 0; }
  friend bool operator<(const Decimal& a, const Decimal& b) { return compare(a, b) < 0; }

  // Appends a byte string whose bytewise order is the numeric order of the values and which no
  // other encoding is a prefix of (so that encodings can be concatenated into composite keys).
  void encode_key(std::string& out) const;
  // Reads one encode_key() encoding from the front of `in` and advances it; false if malformed.
  static bool decode_key(std::string_view& in, Decimal& out);

  // Bytes DynamoDB counts for this number in item size (base-100 digits plus one).
  size_t storage_size() const;

  // Integer value when the number is a non-negative integer below 2^31 (list indexes etc.).
  bool to_int(long long& out) const;

 private:
  void normalise();
  bool neg_ = false;
  std::string digits_;  // significant digits ('0'-'9'), no leading/trailing zeros; empty = 0
  int exp_ = 0;         // value = digits_ (as an integer) * 10^exp_
};

}  // namespace stratus::dynamodb

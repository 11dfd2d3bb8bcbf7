#include "services/dynamodb/decimal.h"

#include <algorithm>

namespace stratus::dynamodb {
namespace {

constexpr int kMaxDigits = 38;
constexpr int kMaxAdjusted = 125;   // 9.99…E+125
constexpr int kMinAdjusted = -130;  // 1E-130

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// |a| vs |b| for digit strings scaled to a common exponent (same length after padding).
int compare_digits(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::string add_digits(const std::string& a, const std::string& b) {  // same length
  std::string out(a.size() + 1, '0');
  int carry = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int s = (a[i] - '0') + (b[i] - '0') + carry;
    out[i + 1] = static_cast<char>('0' + s % 10);
    carry = s / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}

std::string sub_digits(const std::string& a, const std::string& b) {  // a >= b, same length
  std::string out(a.size(), '0');
  int borrow = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int s = (a[i] - '0') - (b[i] - '0') - borrow;
    borrow = s < 0;
    out[i] = static_cast<char>('0' + (s + 10) % 10);
  }
  return out;
}

}  // namespace

void Decimal::normalise() {
  size_t lead = digits_.find_first_not_of('0');
  if (lead == std::string::npos) {
    digits_.clear();
    exp_ = 0;
    neg_ = false;
    return;
  }
  digits_.erase(0, lead);
  size_t last = digits_.find_last_not_of('0');
  exp_ += static_cast<int>(digits_.size() - 1 - last);
  digits_.resize(last + 1);
}

Result<Decimal> Decimal::parse(std::string_view t) {
  auto invalid = [&]() -> AwsError {
    if (t.empty()) return errors::validation("The parameter cannot be converted to a numeric value");
    return errors::validation("The parameter cannot be converted to a numeric value: " + std::string(t));
  };
  Decimal d;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) d.neg_ = t[i++] == '-';
  bool any = false;
  int frac = 0;
  bool point = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (is_digit(c)) {
      any = true;
      if (!d.digits_.empty() || c != '0') d.digits_ += c;
      if (point) ++frac;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
    if (d.digits_.size() > 400) return errors::validation("Attempting to store more than 38 significant digits in a Number");
  }
  if (!any) return invalid();
  long long e = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    if (i >= t.size()) return invalid();
    for (; i < t.size() && is_digit(t[i]); ++i) e = std::min<long long>(e * 10 + (t[i] - '0'), 100000000);
    if (eneg) e = -e;
  }
  if (i != t.size()) return invalid();
  d.exp_ = static_cast<int>(e) - frac;
  d.normalise();
  std::string err = d.check();
  if (!err.empty()) return errors::validation(err);
  return d;
}

Decimal Decimal::must(std::string_view text) {
  auto r = parse(text);
  if (!r) throw r.error();
  return r.value();
}

std::string Decimal::check() const {
  if (digits_.empty()) return {};
  if (digits_.size() > static_cast<size_t>(kMaxDigits))
    return "Attempting to store more than 38 significant digits in a Number";
  long long adjusted = static_cast<long long>(exp_) + static_cast<long long>(digits_.size()) - 1;
  if (adjusted > kMaxAdjusted)
    return "Number overflow. Attempting to store a number with magnitude larger than supported range";
  if (adjusted < kMinAdjusted)
    return "Number underflow. Attempting to store a number with magnitude smaller than supported range";
  return {};
}

std::string Decimal::str() const {
  if (digits_.empty()) return "0";
  std::string out = neg_ ? "-" : "";
  if (exp_ >= 0) {
    out += digits_;
    out.append(static_cast<size_t>(exp_), '0');
  } else {
    size_t frac = static_cast<size_t>(-exp_);
    if (frac >= digits_.size()) {
      out += "0.";
      out.append(frac - digits_.size(), '0');
      out += digits_;
    } else {
      out.append(digits_, 0, digits_.size() - frac);
      out += '.';
      out.append(digits_, digits_.size() - frac, std::string::npos);
    }
  }
  return out;
}

Decimal Decimal::operator-() const {
  Decimal d = *this;
  if (!d.digits_.empty()) d.neg_ = !d.neg_;
  return d;
}

Decimal operator+(const Decimal& a, const Decimal& b) {
  if (a.is_zero()) return b;
  if (b.is_zero()) return a;
  int e = std::min(a.exp_, b.exp_);
  std::string da = a.digits_ + std::string(static_cast<size_t>(a.exp_ - e), '0');
  std::string db = b.digits_ + std::string(static_cast<size_t>(b.exp_ - e), '0');
  size_t n = std::max(da.size(), db.size());
  da.insert(0, n - da.size(), '0');
  db.insert(0, n - db.size(), '0');
  Decimal r;
  r.exp_ = e;
  if (a.neg_ == b.neg_) {
    r.digits_ = add_digits(da, db);
    r.neg_ = a.neg_;
  } else {
    int c = compare_digits(da, db);
    if (c == 0) return Decimal();
    if (c > 0) {
      r.digits_ = sub_digits(da, db);
      r.neg_ = a.neg_;
    } else {
      r.digits_ = sub_digits(db, da);
      r.neg_ = b.neg_;
    }
  }
  r.normalise();
  return r;
}

int compare(const Decimal& a, const Decimal& b) {
  int sa = a.is_zero() ? 0 : a.neg_ ? -1 : 1;
  int sb = b.is_zero() ? 0 : b.neg_ ? -1 : 1;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  long long ea = static_cast<long long>(a.exp_) + static_cast<long long>(a.digits_.size());
  long long eb = static_cast<long long>(b.exp_) + static_cast<long long>(b.digits_.size());
  int mag;
  if (ea != eb) {
    mag = ea < eb ? -1 : 1;
  } else {
    int c = a.digits_.compare(b.digits_);  // same leading position: lexicographic, shorter smaller
    mag = c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return sa > 0 ? mag : -mag;
}

void Decimal::encode_key(std::string& out) const {
  if (digits_.empty()) {
    out += '\x02';
    return;
  }
  unsigned char flip = neg_ ? 0xff : 0x00;
  out += neg_ ? '\x01' : '\x03';
  int adjusted = exp_ + static_cast<int>(digits_.size()) - 1;
  unsigned biased = static_cast<unsigned>(adjusted + 1000);
  out += static_cast<char>(((biased >> 8) & 0xff) ^ flip);
  out += static_cast<char>((biased & 0xff) ^ flip);
  for (char c : digits_) out += static_cast<char>((c - '0' + 1) ^ flip);
  out += static_cast<char>(0x00 ^ flip);
}

bool Decimal::decode_key(std::string_view& in, Decimal& out) {
  if (in.empty()) return false;
  out = Decimal();
  unsigned char tag = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  if (tag == 0x02) return true;
  if (tag != 0x01 && tag != 0x03) return false;
  unsigned char flip = tag == 0x01 ? 0xff : 0x00;
  if (in.size() < 2) return false;
  unsigned biased = ((static_cast<unsigned char>(in[0]) ^ flip) << 8) | (static_cast<unsigned char>(in[1]) ^ flip);
  in.remove_prefix(2);
  out.neg_ = tag == 0x01;
  while (true) {
    if (in.empty()) return false;
    unsigned char b = static_cast<unsigned char>(in[0]) ^ flip;
    in.remove_prefix(1);
    if (b == 0) break;
    if (b > 10) return false;
    out.digits_ += static_cast<char>('0' + b - 1);
  }
  if (out.digits_.empty()) return false;
  out.exp_ = static_cast<int>(biased) - 1000 - static_cast<int>(out.digits_.size()) + 1;
  return true;
}

size_t Decimal::storage_size() const {
  if (digits_.empty()) return 1;
  // DynamoDB stores numbers as base-100 digits aligned on the decimal point.
  size_t n = digits_.size();
  if (exp_ % 2 != 0) ++n;  // a trailing pad digit to reach an even exponent
  n = (n + 1) / 2;
  return n + 1 + (neg_ ? 1 : 0);
}

bool Decimal::to_int(long long& out) const {
  if (neg_ || exp_ < 0) return digits_.empty() ? (out = 0, true) : false;
  if (digits_.size() + static_cast<size_t>(exp_) > 10) return false;
  long long v = 0;
  for (char c : digits_) v = v * 10 + (c - '0');
  for (int i = 0; i < exp_; ++i) v *= 10;
  if (v > 2147483647LL) return false;
  out = v;
  return true;
}

}  // namespace stratus::dynamodb

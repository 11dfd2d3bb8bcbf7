#include "services/s3/lifecycle.h"

#include <spdlog/spdlog.h>

#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "services/s3/multipart.h"
#include "services/s3/notify.h"
#include "services/s3/s3_errors.h"
#include "services/s3/store.h"

namespace stratus::s3 {
namespace {

AwsError malformed_xml() {
  return s3_error("MalformedXML",
                  "The XML you provided was not well-formed or did not validate against our published schema", 400);
}

bool has_tags(const Doc& rule) {
  const Doc* f = rule.get("Filter");
  if (!f || !f->is_map()) return false;
  if (f->has("Tag")) return true;
  const Doc* a = f->get("And");
  if (!a || !a->is_map()) return false;
  const Doc* t = a->get("Tags");
  return t && t->is_list() && !t->as_list().empty();
}

std::string filter_prefix(const Doc& rule) {
  if (rule.has("Prefix")) return rule.str("Prefix");
  const Doc* f = rule.get("Filter");
  if (!f || !f->is_map()) return "";
  if (f->has("Prefix")) return f->str("Prefix");
  if (const Doc* a = f->get("And"); a && a->is_map()) return a->str("Prefix");
  return "";
}

bool tags_match(const Doc& wanted, const ObjectVersion& v) {
  for (const auto& [k, val] : v.tags)
    if (k == wanted.str("Key") && val == wanted.str("Value")) return true;
  return false;
}

bool rule_matches(const Doc& rule, std::string_view key, const ObjectVersion& v) {
  if (!key.starts_with(filter_prefix(rule))) return false;
  const Doc* f = rule.get("Filter");
  if (!f || !f->is_map()) return true;
  auto sizes = [&](const Doc& d) {
    if (d.has("ObjectSizeGreaterThan") && !(static_cast<int64_t>(v.size) > d.integer("ObjectSizeGreaterThan")))
      return false;
    if (d.has("ObjectSizeLessThan") && !(static_cast<int64_t>(v.size) < d.integer("ObjectSizeLessThan"))) return false;
    return true;
  };
  if (!sizes(*f)) return false;
  if (const Doc* t = f->get("Tag"); t && t->is_map() && !tags_match(*t, v)) return false;
  if (const Doc* a = f->get("And"); a && a->is_map()) {
    if (!sizes(*a)) return false;
    if (const Doc* tags = a->get("Tags"); tags && tags->is_list())
      for (const Doc& t : tags->as_list())
        if (!tags_match(t, v)) return false;
  }
  return true;
}

int64_t date_ms(const Doc* d) {
  if (!d) return 0;
  if (d->is_timestamp()) return d->as_timestamp().millis;
  if (d->is_number()) {
    double ms = d->as_double() * 1000;
    return ms > -9.2e18 && ms < 9.2e18 ? static_cast<int64_t>(ms) : 0;  // no float-cast overflow
  }
  return 0;
}

bool locked(const ObjectVersion& v, int64_t now_ms) {
  const Doc* lock = v.extra.get("lock");
  if (!lock || !lock->is_map()) return false;
  if (lock->str("legal_hold") == "ON") return true;
  return !lock->str("mode").empty() && lock->integer("until_ms") > now_ms;
}

int class_rank(std::string_view c) {
  static const char* order[] = {"STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR",
                                "GLACIER",  "DEEP_ARCHIVE"};
  for (int i = 0; i < 7; ++i)
    if (c == order[i]) return i;
  return 0;
}

}  // namespace

void validate_lifecycle(const Doc& config) {
  const Doc* rules = config.get("Rules");
  if (!rules || !rules->is_list() || rules->as_list().empty()) throw malformed_xml();
  if (rules->as_list().size() > 1000)
    throw s3_error("InvalidRequest", "The number of lifecycle rules should not exceed allowed limit of 1000 rules",
                   400);
  std::set<std::string> ids;
  for (const Doc& r : rules->as_list()) {
    if (!r.is_map()) throw malformed_xml();
    std::string status = r.str("Status");
    if (status != "Enabled" && status != "Disabled") throw malformed_xml();
    std::string id = r.str("ID");
    if (id.size() > 255) throw s3_error("InvalidArgument", "ID length should not exceed allowed limit of 255", 400);
    if (!id.empty() && !ids.insert(id).second)
      throw s3_error("InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule", 400);
    if (r.has("Prefix") && r.has("Filter")) throw malformed_xml();
    if (const Doc* f = r.get("Filter"); f && f->is_map()) {
      int kinds = f->has("Prefix") + f->has("Tag") + f->has("And") +
                  (f->has("ObjectSizeGreaterThan") || f->has("ObjectSizeLessThan"));
      if (kinds > 1) throw malformed_xml();
    }
    const Doc* exp = r.get("Expiration");
    const Doc* trans = r.get("Transitions");
    const Doc* ncexp = r.get("NoncurrentVersionExpiration");
    const Doc* nctrans = r.get("NoncurrentVersionTransitions");
    const Doc* abort = r.get("AbortIncompleteMultipartUpload");
    if (!exp && !trans && !ncexp && !nctrans && !abort)
      throw s3_error("InvalidRequest", "At least one action needs to be specified in a rule", 400);
    if (exp && exp->is_map()) {
      int given = exp->has("Days") + exp->has("Date") + exp->has("ExpiredObjectDeleteMarker");
      if (given != 1) throw malformed_xml();
      if (exp->has("Days") && exp->integer("Days") <= 0)
        throw s3_error("InvalidArgument", "'Days' for Expiration action must be a positive integer", 400);
      if (exp->has("Date") && date_ms(exp->get("Date")) % 86400000 != 0)
        throw s3_error("InvalidArgument", "'Date' must be at midnight GMT", 400);
      if (exp->has("ExpiredObjectDeleteMarker") && has_tags(r))
        throw s3_error("InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with tags", 400);
    }
    if (trans && trans->is_list()) {
      for (const Doc& t : trans->as_list()) {
        if (t.has("Days") == t.has("Date")) throw malformed_xml();
        std::string sc = t.str("StorageClass");
        if (sc.empty()) throw malformed_xml();
        if (t.has("Days") && t.integer("Days") < 0)
          throw s3_error("InvalidArgument", "'Days' in Transition action must be nonnegative", 400);
        if (t.has("Days") && (sc == "STANDARD_IA" || sc == "ONEZONE_IA") && t.integer("Days") < 30)
          throw s3_error(
              "InvalidArgument",
              "'Days' in Transition action must be greater than or equal to 30 for storageClass '" + sc + "'", 400);
        if (exp && exp->is_map() && exp->has("Days") && t.has("Days") && exp->integer("Days") <= t.integer("Days"))
          throw s3_error("InvalidArgument",
                         "'Days' in the Expiration action for filter '" + filter_prefix(r) +
                             "' must be greater than 'Days' in the Transition action",
                         400);
      }
    }
    if (ncexp && ncexp->is_map()) {
      if (!ncexp->has("NoncurrentDays") || ncexp->integer("NoncurrentDays") <= 0)
        throw s3_error("InvalidArgument",
                       "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", 400);
      if (ncexp->has("NewerNoncurrentVersions") && ncexp->integer("NewerNoncurrentVersions") <= 0)
        throw s3_error("InvalidArgument",
                       "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer",
                       400);
    }
    if (nctrans && nctrans->is_list()) {
      for (const Doc& t : nctrans->as_list()) {
        std::string sc = t.str("StorageClass");
        if (sc.empty() || !t.has("NoncurrentDays")) throw malformed_xml();
        if ((sc == "STANDARD_IA" || sc == "ONEZONE_IA") && t.integer("NoncurrentDays") < 30)
          throw s3_error("InvalidArgument",
                         "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 "
                         "for storageClass '" +
                             sc + "'",
                         400);
      }
    }
    if (abort && abort->is_map()) {
      if (has_tags(r))
        throw s3_error("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.", 400);
      if (abort->integer("DaysAfterInitiation") <= 0)
        throw s3_error("InvalidArgument",
                       "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
                       400);
    }
  }
}

std::optional<int64_t> matching_abort_days(const Store& st, std::string_view bucket, std::string_view key) {
  auto text = st.config(bucket, "lifecycle");
  if (!text) return std::nullopt;
  Doc c = json::parse(*text);
  const Doc* rules = c.get("Rules");
  if (!rules || !rules->is_list()) return std::nullopt;
  for (const Doc& r : rules->as_list()) {
    const Doc* abort = r.get("AbortIncompleteMultipartUpload");
    if (r.str("Status") != "Enabled" || !abort || !abort->is_map()) continue;
    if (key.starts_with(filter_prefix(r))) return abort->integer("DaysAfterInitiation");
  }
  return std::nullopt;
}

size_t sweep_lifecycle(Store& st, int64_t now_ms, int64_t day_ms, Notifier* notifier) {
  size_t actions = 0;
  for (const Bucket& b : st.buckets()) {
    auto text = st.config(b.name, "lifecycle");
    if (!text) continue;
    Doc c;
    try {
      c = json::parse(*text);
    } catch (const std::exception&) {
      continue;
    }
    const Doc* rules = c.get("Rules");
    if (!rules || !rules->is_list()) continue;
    struct Action {
      enum Kind { expire_current, remove_version, transition } kind;
      std::string key, version_id, storage_class;
    };
    std::vector<Action> todo;
    std::string last_key;
    int64_t newer_modified = 0;  // last_modified of the next newer version of the same key
    size_t noncurrent_seen = 0;
    bool key_has_noncurrent = false;
    std::vector<std::pair<std::string, ObjectVersion>> markers;  // current delete markers
    st.scan_versions(b.name, "", "", [&](std::string_view key, const ObjectVersion& v, bool latest) {
      if (key != last_key) {
        last_key = std::string(key);
        noncurrent_seen = 0;
        key_has_noncurrent = false;
      }
      for (const Doc& r : rules->as_list()) {
        if (r.str("Status") != "Enabled" || !rule_matches(r, key, v)) continue;
        if (latest) {
          if (v.delete_marker) {
            const Doc* exp = r.get("Expiration");
            if (exp && exp->is_map() && exp->flag("ExpiredObjectDeleteMarker"))
              markers.emplace_back(std::string(key), v);
            continue;
          }
          if (locked(v, now_ms)) continue;
          const Doc* exp = r.get("Expiration");
          bool expire = false;
          if (exp && exp->is_map()) {
            if (exp->has("Days") && now_ms - v.last_modified_ms >= exp->integer("Days") * day_ms) expire = true;
            if (exp->has("Date") && now_ms >= date_ms(exp->get("Date"))) expire = true;
          }
          if (expire) {
            todo.push_back({Action::expire_current, std::string(key), v.version_id, ""});
            break;
          }
          if (const Doc* ts = r.get("Transitions"); ts && ts->is_list()) {
            std::string target;
            for (const Doc& t : ts->as_list()) {
              bool due = (t.has("Days") && now_ms - v.last_modified_ms >= t.integer("Days") * day_ms) ||
                         (t.has("Date") && now_ms >= date_ms(t.get("Date")));
              if (due && class_rank(t.str("StorageClass")) > class_rank(target.empty() ? v.storage_class : target))
                target = t.str("StorageClass");
            }
            if (!target.empty() && class_rank(target) > class_rank(v.storage_class))
              todo.push_back({Action::transition, std::string(key), v.version_id, target});
          }
        } else {
          int64_t since = newer_modified ? newer_modified : v.last_modified_ms;
          const Doc* ncexp = r.get("NoncurrentVersionExpiration");
          if (ncexp && ncexp->is_map() && !locked(v, now_ms)) {
            int64_t keep = ncexp->integer("NewerNoncurrentVersions");
            if (now_ms - since >= ncexp->integer("NoncurrentDays") * day_ms &&
                static_cast<int64_t>(noncurrent_seen) >= keep) {
              todo.push_back({Action::remove_version, std::string(key), v.version_id, ""});
              break;
            }
          }
          if (const Doc* ts = r.get("NoncurrentVersionTransitions"); ts && ts->is_list() && !v.delete_marker) {
            for (const Doc& t : ts->as_list())
              if (now_ms - since >= t.integer("NoncurrentDays") * day_ms &&
                  class_rank(t.str("StorageClass")) > class_rank(v.storage_class)) {
                todo.push_back({Action::transition, std::string(key), v.version_id, t.str("StorageClass")});
                break;
              }
          }
        }
      }
      if (!latest) {
        ++noncurrent_seen;
        key_has_noncurrent = true;
      }
      (void)key_has_noncurrent;
      newer_modified = v.last_modified_ms;
      return true;
    });
    for (const auto& a : todo) {
      try {
        if (a.kind == Action::expire_current) {
          Store::Deleted d = st.delete_object(b, a.key, std::nullopt, now_ms);
          if (notifier && d.removed)
            notifier->emit(nullptr, b, removal_event("LifecycleExpiration", a.key, d, d.delete_marker, b));
        } else if (a.kind == Action::remove_version) {
          Store::Deleted d = st.delete_object(b, a.key, a.version_id, now_ms);
          if (notifier && d.removed)
            notifier->emit(nullptr, b, removal_event("LifecycleExpiration", a.key, d, false, b));
        } else {
          ObjectVersion w = st.update_version(b.name, a.key, a.version_id,
                                              [&](ObjectVersion& v) { v.storage_class = a.storage_class; });
          if (notifier) {
            ObjectEvent e = object_event("LifecycleTransition", a.key, w, b);
            e.seq = st.next_seq(now_ms);
            notifier->emit(nullptr, b, e);
          }
        }
        ++actions;
      } catch (const std::exception& e) {
        spdlog::debug("s3 lifecycle {} {}: {}", b.name, a.key, e.what());
      }
    }
    // Expired object delete markers: a current marker that is the key's only version.
    for (const auto& entry : markers) {
      const std::string& key = entry.first;
      const ObjectVersion& marker = entry.second;
      bool alone = true;
      size_t n = 0;
      st.scan_versions(b.name, key, key, [&](std::string_view k, const ObjectVersion&, bool) {
        if (k != key) return false;
        if (++n > 1) {
          alone = false;
          return false;
        }
        return true;
      });
      if (!alone) continue;
      try {
        Store::Deleted d = st.delete_object(b, key, marker.version_id, now_ms);
        if (notifier && d.removed) notifier->emit(nullptr, b, removal_event("LifecycleExpiration", key, d, false, b));
        ++actions;
      } catch (const std::exception& e) {
        spdlog::debug("s3 lifecycle marker {} {}: {}", b.name, key, e.what());
      }
    }
    // AbortIncompleteMultipartUpload: uploads initiated DaysAfterInitiation days ago or more.
    Multipart mp(st.engine(), st);
    std::vector<Upload> stale;
    mp.scan(b.name, "", "", "", [&](const Upload& u) {
      for (const Doc& r : rules->as_list()) {
        const Doc* abort = r.get("AbortIncompleteMultipartUpload");
        if (r.str("Status") != "Enabled" || !abort || !abort->is_map()) continue;
        if (!std::string_view(u.key).starts_with(filter_prefix(r))) continue;
        if (now_ms - u.initiated_ms >= abort->integer("DaysAfterInitiation") * day_ms) stale.push_back(u);
        break;
      }
      return true;
    });
    for (const Upload& u : stale) {
      try {
        mp.abort(b.name, u.key, u.upload_id);
        ++actions;
      } catch (const std::exception& e) {
        spdlog::debug("s3 lifecycle abort {} {}: {}", b.name, u.upload_id, e.what());
      }
    }
  }
  return actions;
}

}  // namespace stratus::s3

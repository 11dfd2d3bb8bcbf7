// Read-modify-write of API Gateway's stored documents, as the operation handlers do them.
//
//  ApiTx    one REST API document (store.h), loaded under Store::mu and held until destroyed;
//           save() writes it back. The accessors throw AWS's NotFoundException for a missing
//           API, resource, method or integration, with AWS's messages.
//  UsageTx  the account/region's API key and usage plan document (guard.h), under
//           Guard::usage_mu.
//  load_api a read-only copy of one REST API document (no lock).
//  update_status_entry / delete_status_entry: method and integration responses.
//  get_entry ... delete_entry: authorizers, models and request validators.
#pragma once

#include <initializer_list>
#include <mutex>
#include <string>

#include "core/doc.h"
#include "services/apigateway/guard.h"
#include "services/apigateway/store.h"
#include "services/service.h"

namespace stratus::apigateway {

struct ApiTx {
  OpContext& ctx;
  Store& store;
  std::unique_lock<std::mutex> lock;
  std::string id;
  Doc doc;

  ApiTx(OpContext& c, Store& s, const std::string& api_id);
  // The API the input's restApiId names, in the caller's store (state.h).
  ApiTx(OpContext& c, const Doc& in);
  void save();
  // Applies the input's patchOperations to `target` (a part of doc), saves, and answers the
  // patched part: the Update* operations' one path.
  Doc patch(Doc& target, const Doc& in);
  // doc[name], made a map when missing.
  Doc& section(const char* name);
  Doc& resource(const std::string& rid);
  Doc& method(const std::string& rid, const std::string& verb);
  Doc& integration(const std::string& rid, const std::string& verb);
  // The method / integration the input's resourceId and httpMethod name.
  Doc& method(const Doc& in);
  Doc& integration(const Doc& in);
};

// Method and integration responses live in a map by statusCode under `field` of their parent:
// patch one (answering the patched entry) or delete one, then save. NotFoundException when
// the input's statusCode has none.
Doc update_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in);
// Put: a new entry {statusCode, `members` copied from the input} replaces any for that code.
Doc put_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in,
                     std::initializer_list<const char*> members);
Doc delete_status_entry(ApiTx& tx, Doc& parent, const char* field, const Doc& in);

// Authorizers, models and request validators: entries of one section of the API document,
// addressed by an input member, answered as stored (Get, list, patch, delete).
struct Section {
  const char* section;    // "authorizers"
  const char* id_member;  // "authorizerId"
  const char* not_found;  // the NotFoundException message
};
Doc get_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s);
Doc list_entries(OpContext& ctx, Store& store, const Doc& in, const Section& s);  // {"items": [...]}
Doc update_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s);
Doc delete_entry(OpContext& ctx, Store& store, const Doc& in, const Section& s);

// Throws NotFoundException when the API does not exist.
Doc load_api(OpContext& ctx, Store& store, const std::string& id);
// The API the input's restApiId names, in the caller's store.
Doc load_api(OpContext& ctx, const Doc& in);

// Read-only lookups in a loaded API document (load_api), throwing NotFoundException with the
// same messages as ApiTx's accessors: the method `verb` of resource `rid`, and the entry for
// `code` in the statusCode map under `field` of a method or integration.
const Doc& find_method(const Doc& api, const std::string& rid, const std::string& verb);
// The method the input's resourceId and httpMethod name.
const Doc& find_method(const Doc& api, const Doc& in);
// That method's integration; NotFoundException `not_found` when it has none.
const Doc& find_integration(const Doc& api, const Doc& in, const char* not_found);
const Doc& find_status_entry(const Doc& parent, const char* field, const std::string& code);

struct UsageTx {
  OpContext& ctx;
  Guard& guard;
  std::unique_lock<std::mutex> lock;
  Doc doc;

  UsageTx(OpContext& c, Guard& g);
  void save();
  Doc& key(const std::string& id);
  Doc& plan(const std::string& id);
};

}  // namespace stratus::apigateway

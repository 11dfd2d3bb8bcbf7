// Devices: with the pool's DeviceConfiguration a sign-in without a known device returns
// NewDeviceMetadata (DeviceKey, DeviceGroupKey); ConfirmDevice stores the device's SRP verifier
// (sealed) and salt; a later USER_SRP_AUTH naming DEVICE_KEY continues after the password with
// DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER (SRP with username = device key, pool name = device
// group key, as amazon-cognito-identity-js computes it) instead of MFA. Devices live in the user
// record ("Devices": key -> record). Get/List/Forget/UpdateDeviceStatus and their Admin forms.
#include "core/encoding.h"
#include "core/ids.h"
#include "core/json.h"
#include "services/cognito-idp/common.h"
#include "services/cognito-idp/crypto.h"
#include "services/cognito-idp/ops.h"
#include "services/cognito-idp/schema.h"

namespace stratus::cognitoidp {
namespace {

std::string verifier_purpose(const Doc& pool, const Doc& user, const std::string& key) {
  return "cognito-device:" + pool.str("Id") + "/" + user.str("Key") + "/" + key;
}

Doc device_out(const std::string& key, const Doc& d) {
  Doc out = Doc::map();
  out.set("DeviceKey", key);
  Doc attrs = Doc::list();
  auto add = [&attrs](const char* n, const std::string& v) {
    Doc a = Doc::map();
    a.set("Name", n);
    a.set("Value", v);
    attrs.push(std::move(a));
  };
  add("device_status", "valid");
  add("device_remembered_status", d.str("Remembered", "not_remembered"));
  if (!d.str("Name").empty()) add("device_name", d.str("Name"));
  out.set("DeviceAttributes", std::move(attrs));
  out.set("DeviceCreateDate", Timestamp{d.integer("Created")});
  out.set("DeviceLastModifiedDate", Timestamp{d.integer("Modified")});
  out.set("DeviceLastAuthenticatedDate", Timestamp{d.integer("LastAuth", d.integer("Created"))});
  return out;
}

const Doc& device_of(const Doc& user, const std::string& key) {
  const Doc* ds = user.get("Devices");
  const Doc* d = ds ? ds->get(key) : nullptr;
  if (!d || !d->flag("Confirmed")) throw cerr::resource_not_found("Device does not exist.");
  return *d;
}

Doc list_out(const Doc& user) {
  Doc list = Doc::list();
  if (const Doc* ds = user.get("Devices"); ds && ds->is_map())
    for (const auto& [k, d] : ds->as_map())
      if (d.flag("Confirmed")) list.push(device_out(k, d));
  Doc out = Doc::map();
  out.set("Devices", std::move(list));
  return out;
}

// Applies `fn` to the user's device record and saves the user (under the user's lock).
template <typename Fn>
void change_device(OpContext& ctx, const Doc& pool, const Doc& found, const std::string& key, Fn fn) {
  std::lock_guard lk(state(ctx).store.lock_user(pool.str("Id"), found.str("Key")));
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(pool.str("Id"), found.str("Key")));
  if (!user) throw cerr::user_not_found("User does not exist.");
  device_of(*user, key);
  fn((*user)["Devices"]);
  save_user(ctx, pool, *user);
}

void forget(Doc& devices, const std::string& key) {
  Doc keep = Doc::map();
  for (const auto& [k, d] : devices.as_map())
    if (k != key) keep.set(k, d);
  devices = std::move(keep);
}

Doc set_status(OpContext& ctx, const Doc& pool, const Doc& user, const Doc& in) {
  std::string status = in.str("DeviceRememberedStatus", "not_remembered");
  std::string key = in.str("DeviceKey");
  change_device(ctx, pool, user, key, [&](Doc& devices) {
    devices[key].set("Remembered", status);
    devices[key].set("Modified", ctx.now_ms);
  });
  return Doc::map();
}

}  // namespace

Doc new_device(OpContext& ctx, const Doc& pool, Doc& user) {
  if (!pool.get("DeviceConfiguration") || !pool.get("DeviceConfiguration")->is_map()) return Doc();
  std::string key = pool.str("_region") + "_" + ids::uuid4();
  std::string group = "-" + crypto::base64url(crypto::random_bytes(7)).substr(0, 9);
  Doc d = Doc::map();
  d.set("Group", group);
  d.set("Created", ctx.now_ms);
  d.set("Modified", ctx.now_ms);
  d.set("Confirmed", false);
  user["Devices"].set(key, std::move(d));
  Doc meta = Doc::map();
  meta.set("DeviceKey", key);
  meta.set("DeviceGroupKey", group);
  return meta;
}

bool device_known(const Doc& user, const std::string& key) {
  const Doc* ds = user.get("Devices");
  const Doc* d = ds && !key.empty() ? ds->get(key) : nullptr;
  return d && d->flag("Confirmed");
}

Doc device_srp_challenge(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& key, const std::string& A,
                         Doc* block) {
  const Doc& d = device_of(user, key);
  auto raw = enc::base64_decode(d.str("Verifier"));
  auto v = raw ? state(ctx).store.unseal(*raw, verifier_purpose(pool, user, key)) : std::nullopt;
  if (!v) throw cerr::not_authorized("Incorrect username or password.");
  auto pair = crypto::server_pair(*v);
  block->set("A", A);
  block->set("B", pair.B_hex);
  block->set("b", pair.b_hex);
  Doc cp = Doc::map();
  cp.set("SRP_B", pair.B_hex);
  cp.set("SALT", d.str("Salt"));
  cp.set("USERNAME", user.str("Username"));
  cp.set("DEVICE_KEY", key);
  return cp;
}

bool device_password_ok(OpContext& ctx, const Doc& pool, const Doc& user, const std::string& key, const Doc& block,
                        const std::string& secret_block, const std::string& timestamp, const std::string& signature) {
  const Doc& d = device_of(user, key);
  auto raw = enc::base64_decode(d.str("Verifier"));
  auto v = raw ? state(ctx).store.unseal(*raw, verifier_purpose(pool, user, key)) : std::nullopt;
  auto sb = enc::base64_decode(secret_block);
  if (!v || !sb) return false;
  auto k = crypto::server_key(block.str("A"), block.str("B"), block.str("b"), *v);
  if (!k) return false;
  return crypto::equal_ct(crypto::claim_signature(*k, d.str("Group"), key, *sb, timestamp), signature);
}

Doc confirm_device(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::string key = in.str("DeviceKey");
  const Doc* cfg = in.get("DeviceSecretVerifierConfig");
  auto v = cfg ? enc::base64_decode(cfg->str("PasswordVerifier")) : std::nullopt;
  auto salt = cfg ? enc::base64_decode(cfg->str("Salt")) : std::nullopt;
  if (!v || !salt || v->empty() || salt->empty())
    throw cerr::invalid_parameter("Invalid device secret verifier config.");
  std::lock_guard lk(state(ctx).store.lock_user(c.pool_id, c.user.str("Key")));
  auto user = state(ctx).store.get(kUsers.name, Store::child_key(c.pool_id, c.user.str("Key")));
  if (!user) throw cerr::user_not_found("User does not exist.");
  Doc* ds = user->get("Devices");
  Doc* d = ds ? ds->get(key) : nullptr;
  if (!d) throw cerr::resource_not_found("Device does not exist.");
  if (d->flag("Confirmed")) throw cerr::invalid_parameter("Device already confirmed.");
  d->set("Verifier", enc::base64_encode(state(ctx).store.seal(enc::hex(*v), verifier_purpose(c.pool, *user, key))));
  d->set("Salt", enc::hex(*salt));
  d->set("Name", in.str("DeviceName"));
  d->set("Confirmed", true);
  const Doc* dc = c.pool.get("DeviceConfiguration");
  bool prompt = dc && dc->flag("DeviceOnlyRememberedOnUserPrompt");
  d->set("Remembered", prompt ? "not_remembered" : "remembered");
  d->set("Modified", ctx.now_ms);
  save_user(ctx, c.pool, *user);
  Doc out = Doc::map();
  out.set("UserConfirmationNecessary", prompt);
  return out;
}

Doc get_device(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  Doc out = Doc::map();
  out.set("Device", device_out(in.str("DeviceKey"), device_of(c.user, in.str("DeviceKey"))));
  return out;
}

Doc admin_get_device(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc user = must_find_user(ctx, pool, in.str("Username"));
  Doc out = Doc::map();
  out.set("Device", device_out(in.str("DeviceKey"), device_of(user, in.str("DeviceKey"))));
  return out;
}

Doc list_devices(OpContext& ctx, const Doc& in) {
  return list_out(check_access_token(ctx, in.str("AccessToken")).user);
}

Doc admin_list_devices(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  return list_out(must_find_user(ctx, pool, in.str("Username")));
}

Doc forget_device(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  std::string key = in.str("DeviceKey");
  change_device(ctx, c.pool, c.user, key, [&](Doc& devices) { forget(devices, key); });
  return Doc::map();
}

Doc admin_forget_device(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  Doc user = must_find_user(ctx, pool, in.str("Username"));
  std::string key = in.str("DeviceKey");
  change_device(ctx, pool, user, key, [&](Doc& devices) { forget(devices, key); });
  return Doc::map();
}

Doc update_device_status(OpContext& ctx, const Doc& in) {
  AccessClaims c = check_access_token(ctx, in.str("AccessToken"));
  return set_status(ctx, c.pool, c.user, in);
}

Doc admin_update_device_status(OpContext& ctx, const Doc& in) {
  Doc pool = load_pool(ctx, in.str("UserPoolId"));
  return set_status(ctx, pool, must_find_user(ctx, pool, in.str("Username")), in);
}

}  // namespace stratus::cognitoidp

#include "services/lambda/code.h"

#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/encoding.h"
#include "core/ids.h"

namespace stratus::lambda {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxUnzipped = 262144000;  // AWS: 250 MB unzipped

// A safe relative path inside the package (no absolute paths, no "..").
bool safe_name(const std::string& n) {
  if (n.empty() || n[0] == '/') return false;
  fs::path p(n);
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

bool extract(zip_t* za, const fs::path& dir, int64_t* unzipped, std::string* error) {
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) return false;
    std::string name = st.name;
    if (!safe_name(name)) continue;
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &opsys, &attr);
    mode_t mode = opsys == ZIP_OPSYS_UNIX ? static_cast<mode_t>(attr >> 16) : 0;
    fs::path out = dir / name;
    if (name.back() == '/') {
      fs::create_directories(out);
      continue;
    }
    fs::create_directories(out.parent_path());
    *unzipped += static_cast<int64_t>(st.size);
    if (*unzipped > kMaxUnzipped) {
      *error = "Unzipped size must be smaller than " + std::to_string(kMaxUnzipped) + " bytes";
      return false;
    }
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> f(zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0),
                                                          &zip_fclose);
    if (!f) return false;
    std::string data;
    data.resize(static_cast<size_t>(st.size));
    zip_int64_t got = st.size ? zip_fread(f.get(), data.data(), st.size) : 0;
    if (got != static_cast<zip_int64_t>(st.size)) return false;
    if (S_ISLNK(mode)) {
      std::error_code ec;
      fs::create_symlink(data, out, ec);
      continue;
    }
    {
      std::ofstream o(out, std::ios::binary | std::ios::trunc);
      o.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!o) return false;
    }
    mode_t perm = mode & 07777;
    ::chmod(out.c_str(), perm ? (perm | 0400) : 0644);
  }
  return true;
}

}  // namespace

std::optional<StoredCode> store_zip(const std::string& root, const std::string& zip, std::string* error) {
  const char* bad = "Could not unzip uploaded file. Please check your file, then try to upload again.";
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(zip.data()), zip.size(), md);
  std::string digest(reinterpret_cast<const char*>(md), sizeof md);
  StoredCode c;
  c.hex = enc::hex(digest);
  c.sha256_b64 = enc::base64_encode(digest);
  c.size = static_cast<int64_t>(zip.size());
  fs::path dir = fs::path(root) / c.hex;
  fs::create_directories(root);
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return c;  // same content stored before

  zip_error_t zerr;
  zip_error_init(&zerr);
  zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &zerr);
  if (!src) {
    *error = bad;
    return std::nullopt;
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &zerr);
  if (!za) {
    zip_source_free(src);
    *error = bad;
    return std::nullopt;
  }
  fs::path tmp = fs::path(root) / (".tmp-" + ids::random_lower_alnum(12));
  fs::create_directories(tmp);
  std::string why;
  bool ok = extract(za, tmp, &c.unzipped, &why);
  zip_discard(za);
  if (!ok) {
    fs::remove_all(tmp, ec);
    *error = why.empty() ? bad : why;
    return std::nullopt;
  }
  make_world_readable(tmp.string());
  {
    std::ofstream o(fs::path(root) / (c.hex + ".zip"), std::ios::binary | std::ios::trunc);
    o.write(zip.data(), static_cast<std::streamsize>(zip.size()));
  }
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // another request stored the same content meanwhile
  return c;
}

std::string merge_layers(const std::string& root, const std::vector<std::string>& layers) {
  if (layers.empty()) return {};
  std::string id;
  for (const auto& h : layers) id += (id.empty() ? "" : "-") + h.substr(0, 16);
  fs::path base = fs::path(root).parent_path() / "opt";
  fs::path dir = base / id;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir.string();
  fs::path tmp = base / (".tmp-" + ids::random_lower_alnum(12));
  fs::create_directories(tmp);
  for (const auto& h : layers) {
    fs::path src = fs::path(root) / h;
    for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      fs::path out = tmp / it->path().lexically_relative(src);  // not relative(): it follows links
      if (it->is_symlink()) {
        fs::remove_all(out, ec);
        fs::copy_symlink(it->path(), out, ec);
      } else if (it->is_directory()) {
        if (fs::is_symlink(fs::symlink_status(out, ec)) || (fs::exists(out, ec) && !fs::is_directory(out, ec)))
          fs::remove(out, ec);
        fs::create_directories(out, ec);
      } else {
        fs::remove_all(out, ec);
        fs::create_hard_link(it->path(), out, ec);
        if (ec) fs::copy_file(it->path(), out, ec);
      }
      ec.clear();
    }
  }
  make_world_readable(tmp.string());
  make_world_readable(base.string(), false);
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // built by another call meanwhile
  return dir.string();
}

void make_world_readable(const std::string& root, bool recursive) {
  std::error_code ec;
  auto open_up = [](const fs::path& p, const fs::file_status& st) {
    std::error_code e;
    fs::perms add = fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
    if (fs::is_directory(st) || (st.permissions() & fs::perms::owner_exec) != fs::perms::none)
      add |= fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
    fs::permissions(p, add, fs::perm_options::add, e);
  };
  open_up(root, fs::status(root, ec));
  if (!recursive) return;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_symlink()) open_up(it->path(), it->status());
  }
}

std::string lambda_timestamp(int64_t ms) {
  std::string s = enc::iso8601(ms - ms % 1000);  // whole seconds: ...T03:04:05Z
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03d+0000", static_cast<int>(ms % 1000));
  s.pop_back();
  return s + frac;
}

}  // namespace stratus::lambda

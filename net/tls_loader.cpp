#include "net/tls_loader.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <vector>

#include "net/tls_module.hpp"

namespace ankisync::net {
namespace {

std::vector<std::filesystem::path> module_candidates() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  const auto dir = exe.parent_path();
  return {dir / tls_module_name, dir.parent_path() / "lib" / "ankisync" / tls_module_name};
}

} // namespace

std::expected<std::shared_ptr<tls_endpoint>, std::string> load_tls(const std::string& cert_file,
                                                                   const std::string& key_file) {
  std::string tried;
  void* module = nullptr;
  for (const auto& path : module_candidates()) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    // Never unloaded: connections use its code until the process ends.
    module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module)
      return std::unexpected("cannot load the TLS module " + path.string() + ": " + ::dlerror());
    break;
  }
  if (!module)
    return std::unexpected(std::string("TLS needs the module ") + tls_module_name +
                           ", which is not installed (looked for " + tried + ")");
  auto make = reinterpret_cast<make_tls_endpoint_fn>(::dlsym(module, make_tls_endpoint_symbol));
  if (!make)
    return std::unexpected(std::string("the TLS module has no ") + make_tls_endpoint_symbol);
  std::string error;
  std::shared_ptr<tls_endpoint> endpoint(make(cert_file, key_file, error));
  if (!endpoint)
    return std::unexpected(error);
  return endpoint;
}

} // namespace ankisync::net

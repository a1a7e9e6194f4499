#pragma once

#include <expected>
#include <memory>
#include <string>

namespace ankisync::net {

class tls_endpoint;

// The module file's name; it lives next to the ankisync binary (a build
// tree) or in ../lib/ankisync from it (an installed package).
inline constexpr const char* tls_module_name = "libankisync-tls.so";

// Loads the TLS module and, with it, the certificate chain and key
// (PEM). Errors name the file that failed.
std::expected<std::shared_ptr<tls_endpoint>, std::string> load_tls(const std::string& cert_file,
                                                                   const std::string& key_file);

} // namespace ankisync::net

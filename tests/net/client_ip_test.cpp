#include "net/client_ip.hpp"

#include <catch2/catch.hpp>

using namespace ankisync::net;

namespace {

using header_list = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> ip(std::string_view source, header_list headers) {
  auto s = parse_client_ip_source(source);
  REQUIRE(s.has_value());
  return client_ip_from_headers(*s, headers);
}

} // namespace

TEST_CASE("client ip: the official server's SYNC_IP_HEADER names are accepted, others refused") {
  for (auto name : {"ConnectInfo", "RightmostXForwardedFor", "XRealIp", "RightmostForwarded",
                    "CfConnectingIp", "TrueClientIp", "FlyClientIp", "CloudFrontViewerAddress"}) {
    auto s = parse_client_ip_source(name);
    REQUIRE(s.has_value());
    CHECK(client_ip_source_name(*s) == name);
  }
  auto bad = parse_client_ip_source("X-Forwarded-For");
  REQUIRE_FALSE(bad.has_value());
  CHECK_THAT(bad.error(), Catch::Contains("RightmostXForwardedFor"));
  CHECK_THAT(bad.error(), Catch::Contains("'X-Forwarded-For'"));
}

TEST_CASE("client ip: X-Forwarded-For trusts only the address the nearest proxy appended") {
  // The client wrote the first entry itself; nginx appended the second.
  CHECK(ip("RightmostXForwardedFor", {{"x-forwarded-for", "1.2.3.4, 203.0.113.9"}}) ==
        "203.0.113.9");
  CHECK(ip("RightmostXForwardedFor", {{"x-forwarded-for", "1.2.3.4"},
                                      {"x-forwarded-for", "198.51.100.7"}}) == "198.51.100.7");
  CHECK(ip("RightmostXForwardedFor", {{"x-forwarded-for", " 2001:db8::1 "}}) == "2001:db8::1");
  // Odd spellings come out in the usual form.
  CHECK(ip("RightmostXForwardedFor", {{"x-forwarded-for", "2001:DB8:0::1"}}) == "2001:db8::1");
}

TEST_CASE("client ip: a header without an address gives none") {
  CHECK_FALSE(ip("RightmostXForwardedFor", {}));
  CHECK_FALSE(ip("RightmostXForwardedFor", {{"x-forwarded-for", "1.2.3.4, unknown"}}));
  CHECK_FALSE(ip("RightmostXForwardedFor", {{"x-forwarded-for", "1.2.3.4,"}}));
  CHECK_FALSE(ip("XRealIp", {{"x-real-ip", "1.2.3.4\nforged line"}}));
  CHECK_FALSE(ip("XRealIp", {{"x-forwarded-for", "1.2.3.4"}}));
  CHECK_FALSE(ip("ConnectInfo", {{"x-real-ip", "1.2.3.4"}}));
}

TEST_CASE("client ip: single-address headers") {
  CHECK(ip("XRealIp", {{"x-real-ip", "192.0.2.5"}}) == "192.0.2.5");
  CHECK(ip("CfConnectingIp", {{"cf-connecting-ip", "192.0.2.6"}}) == "192.0.2.6");
  CHECK(ip("TrueClientIp", {{"true-client-ip", "192.0.2.7"}}) == "192.0.2.7");
  CHECK(ip("FlyClientIp", {{"fly-client-ip", "192.0.2.8"}}) == "192.0.2.8");
}

TEST_CASE("client ip: CloudFront's address:port, an IPv6 address unbracketed") {
  CHECK(ip("CloudFrontViewerAddress", {{"cloudfront-viewer-address", "192.0.2.9:46532"}}) ==
        "192.0.2.9");
  CHECK(ip("CloudFrontViewerAddress", {{"cloudfront-viewer-address", "2001:db8::1:443"}}) ==
        "2001:db8::1");
}

TEST_CASE("client ip: Forwarded (RFC 7239), the last element's for=") {
  CHECK(ip("RightmostForwarded", {{"forwarded", "for=1.2.3.4, for=192.0.2.60;proto=https"}}) ==
        "192.0.2.60");
  CHECK(ip("RightmostForwarded", {{"forwarded", "proto=https;For=\"[2001:db8:cafe::17]:4711\""}}) ==
        "2001:db8:cafe::17");
  CHECK(ip("RightmostForwarded", {{"forwarded", "for=\"192.0.2.43:47011\""}}) == "192.0.2.43");
  CHECK_FALSE(ip("RightmostForwarded", {{"forwarded", "for=_hidden"}}));
  CHECK_FALSE(ip("RightmostForwarded", {{"forwarded", "proto=https"}}));
}

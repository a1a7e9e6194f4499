#include <catch2/catch.hpp>

#include <string>

#include "protocol/legacy_envelope.hpp"
#include "protocol/payload.hpp"
#include "protocol/zstd_codec.hpp"

using namespace ankisync::protocol;

namespace {

sync_header v11_header() { return {11, "hk", "ankidesktop,23.12,lin", "s"}; }

envelope_limits deferred() {
  envelope_limits l;
  l.max_data = 1 << 20;
  l.defer_payload = true;
  return l;
}

sync_request deferred_v11(std::string_view method, std::string_view json) {
  auto r = decode_v11_request(request_family::sync, method, v11_header(),
                              body_source{zstd_compress(json), {}}, deferred());
  REQUIRE(r);
  return std::move(*r);
}

} // namespace

TEST_CASE("a deferred request keeps its body compressed until decode_payload", "[payload]") {
  auto r = deferred_v11("meta", R"({"v":11,"cv":"x"})");
  CHECK(r.payload_pending);
  CHECK(r.payload.empty());
  CHECK(std::holds_alternative<std::monostate>(r.body));
  REQUIRE(decode_payload(r, deferred()));
  CHECK_FALSE(r.payload_pending);
  CHECK(r.payload == R"({"v":11,"cv":"x"})");
  CHECK(std::holds_alternative<meta_request>(r.body));
}

TEST_CASE("a deferred body that does not decode fails only in decode_payload", "[payload]") {
  auto r = decode_v11_request(request_family::sync, "applyGraves", v11_header(),
                              body_source{"not zstd", {}}, deferred());
  REQUIRE(r);
  auto decoded = decode_payload(*r, deferred());
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == error_code::bad_request);
}

TEST_CASE("each method's body has the cap of its class", "[payload]") {
  const auto limits = deferred();
  struct row {
    request_family family;
    const char* method;
    payload_class size;
    std::uint64_t cap;
  };
  const row rows[] = {
      {request_family::sync, "hostKey", payload_class::tiny, tiny_payload_bytes},
      {request_family::sync, "meta", payload_class::tiny, tiny_payload_bytes},
      {request_family::sync, "sanityCheck2", payload_class::tiny, tiny_payload_bytes},
      {request_family::sync, "start", payload_class::data, limits.max_data},
      {request_family::sync, "applyChunk", payload_class::data, limits.max_data},
      {request_family::sync, "applyChanges", payload_class::data, limits.max_data},
      {request_family::sync, "upload", payload_class::upload, limits.max_uncompressed},
      {request_family::media, "downloadFiles", payload_class::names, names_payload_bytes},
      {request_family::media, "uploadChanges", payload_class::upload, limits.max_uncompressed},
  };
  for (const auto& r : rows) {
    INFO(r.method);
    auto req = request_for_route(r.family, r.method);
    REQUIRE(req);
    CHECK(payload_class_of(*req) == r.size);
    CHECK(payload_cap(*req, limits) == r.cap);
  }
}

TEST_CASE("a data body past max_data is refused with 413, one at the cap is decoded",
          "[payload]") {
  auto limits = deferred();
  const std::string graves = R"({"chunk":{"cards":[],"decks":[],"notes":[]}})";
  limits.max_data = graves.size();
  auto at = deferred_v11("applyGraves", graves);
  CHECK(decode_payload(at, limits));
  limits.max_data = graves.size() - 1;
  auto over = deferred_v11("applyGraves", graves);
  auto r = decode_payload(over, limits);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::payload_too_large);
  CHECK(r.error().message.find("payload.max_json_megs") != std::string::npos);
}

TEST_CASE("a deferred legacy request carries its host key and a pending gzip part",
          "[payload]") {
  legacy_form f;
  f.host_key = "hk";
  f.session_key = "s";
  f.data = std::string(20'000, ' ') + "{}";
  auto r = decode_legacy_request(request_family::sync, "meta", legacy_content_type(),
                                 body_source{encode_legacy_body(f), {}}, deferred());
  REQUIRE(r);
  CHECK(r->host_key == "hk");
  CHECK(r->payload_pending);
  CHECK(r->payload.empty());
  auto decoded = decode_payload(*r, deferred());
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().code == error_code::payload_too_large);
}
